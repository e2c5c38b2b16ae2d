from pathlib import Path

from orchestrator import schemas

ROOT = Path(__file__).resolve().parents[2]


def test_checked_in_schemas_match_the_models() -> None:
    assert schemas.main(["check", str(ROOT / "schemas")]) == 0, "run `make schemas` and commit the result"


def test_every_registered_schema_is_checked_in() -> None:
    on_disk = {p.name for p in (ROOT / "schemas").glob("*.json")}
    assert set(schemas.REGISTRY) <= on_disk
    assert on_disk <= set(schemas.REGISTRY), "a schema file with no model behind it"
