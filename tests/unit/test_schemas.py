from pathlib import Path
from typing import Any

from orchestrator import schemas

ROOT = Path(__file__).resolve().parents[2]


def test_checked_in_schemas_match_the_models() -> None:
    assert schemas.main(["check", str(ROOT / "schemas")]) == 0, "run `make schemas` and commit the result"


def test_every_registered_schema_is_checked_in() -> None:
    on_disk = {p.name for p in (ROOT / "schemas").glob("*.json")}
    assert set(schemas.REGISTRY) <= on_disk
    assert on_disk <= set(schemas.REGISTRY), "a schema file with no model behind it"


def test_check_names_a_stale_or_missing_schema_and_write_fixes_it(tmp_path: Path, capsys: Any) -> None:
    assert schemas.main(["write", str(tmp_path)]) == 0
    assert schemas.main(["check", str(tmp_path)]) == 0
    (tmp_path / "run-report.schema.json").write_text("{}\n")  # edited by hand
    (tmp_path / "drift-report.schema.json").unlink()  # never written
    assert schemas.main(["check", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "stale schemas (run `make schemas`): drift-report.schema.json, run-report.schema.json" in err
    assert "config.schema.json" not in err
    assert schemas.main(["write", str(tmp_path)]) == 0
    assert schemas.main(["check", str(tmp_path)]) == 0
    assert schemas.main(["check"]) == 64
