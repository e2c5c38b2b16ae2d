"""Every repository of the compatibility corpus (tests/support/compat_corpus.py) renders through
``tgo render --all --json`` with the values Terragrunt gives."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from orchestrator.cli import main
from tests.support.compat_corpus import REPOS, lookup


def test_corpus_covers_the_usual_styles() -> None:
    assert len(REPOS) >= 8
    assert sum(len(REPOS[name]()[1]) for name in REPOS) >= 15


@pytest.mark.parametrize("name", sorted(REPOS))
def test_repository_renders_with_expected_values(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    files, expected = REPOS[name]()
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    monkeypatch.chdir(tmp_path)
    for var in ("TG_WORKING_DIR", "TG_FEATURE", "TGO_NO_RUN_CMD", "TG_BUCKET_PREFIX"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(SystemExit) as info:
        main(["render", "--all", "--json", "--no-cache"])
    out = capsys.readouterr()
    assert info.value.code == 0, out.err
    rendered = json.loads(out.out)
    assert set(expected) <= set(rendered)
    for module, values in expected.items():
        for dotted, value in values.items():
            assert lookup(rendered[module], dotted) == value, f"{module}: {dotted}"
