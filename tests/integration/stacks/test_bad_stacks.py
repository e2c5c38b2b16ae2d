"""The stack part of the bad-input corpus: each case under bad/<case>/ holds a ``live/`` directory
(the working dir) and what it uses; ``tgo stack generate`` must reject it with exactly one line
``file:line:col: attr: message (hint)``, exit 3, no traceback, and generate nothing. ``expected``
holds the location (relative to the case) and the ``attr: message`` part."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from orchestrator.cli import main

BAD = Path(__file__).parent / "bad"
CASES = sorted(p.name for p in BAD.iterdir() if p.is_dir())


def _tree(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if ".tgo" not in p.parts}


@pytest.mark.parametrize("case", CASES)
def test_bad_stack_gives_one_clear_error_and_generates_nothing(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / case
    shutil.copytree(BAD / case, root)
    location, message = (root / "expected").read_text().strip().splitlines()
    before = _tree(root)
    monkeypatch.chdir(root)
    monkeypatch.delenv("TG_WORKING_DIR", raising=False)
    monkeypatch.delenv("TG_SOURCE_MAP", raising=False)
    with pytest.raises(SystemExit) as info:
        main(["stack", "generate", "--working-dir", "live"])
    out = capsys.readouterr()
    assert info.value.code == 3, out.err
    assert "Traceback" not in out.err + out.out
    lines = [line for line in out.err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"error: {location}: {message}"), lines[0]
    file, line = location.split(":")[:2]
    assert 1 <= int(line) <= len((root / file).read_text().splitlines())
    assert _tree(root) == before, "nothing generated"


def test_corpus_covers_the_issue() -> None:
    assert {
        "absolute_path",
        "dotdot_escape",
        "duplicate_unit_names",
        "duplicate_paths",
        "unit_source_without_terragrunt_hcl",
        "unknown_values_key",
        "stack_recursion",
        "both_files_in_one_directory",
        "autoinclude",
    } <= set(CASES)
