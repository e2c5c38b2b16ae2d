"""The bad-config corpus: each case under bad/<case>/ is a small tree that ``tgo validate`` must
reject with exactly one line ``file:line:col: attr: message (hint)``, exit code 3 and never a
traceback. Its ``expected`` file holds the location (``file:line:col``) on the first line and the
``attr: message`` part on the second (hints may be reworded without touching the corpus)."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.cli import main

BAD = Path(__file__).parent / "bad"
CASES = sorted(p.name for p in BAD.iterdir() if p.is_dir())


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES)
def test_bad_config_gives_one_clear_error(
    case: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = BAD / case
    location, message = (directory / "expected").read_text().strip().splitlines()
    monkeypatch.chdir(directory)
    monkeypatch.delenv("TG_WORKING_DIR", raising=False)
    with pytest.raises(SystemExit) as info:
        main(["validate", "--no-cache"])
    out = capsys.readouterr()
    assert info.value.code == 3, out.err
    assert "Traceback" not in out.err + out.out
    lines = [line for line in out.err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"error: {location}: {message}")
    # The message names a real file and a line inside it.
    file, line = location.split(":")[:2]
    assert (directory / file).is_file()
    assert 1 <= int(line) <= len((directory / file).read_text().splitlines()) + 1  # +1: end of file
