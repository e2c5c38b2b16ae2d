"""The pure parts of `tgo hcl fmt`: which files, the diff, reading terraform's syntax errors, and
that only changed files are written (with a fake formatter)."""

from __future__ import annotations

from pathlib import Path

from orchestrator.app.hclfmt import FmtOptions, format_tree, hcl_files, unified_diff
from orchestrator.terraform.fmt import Formatted, syntax_error

STDERR = """
Error: Unclosed configuration block

  on <stdin> line 4, in locals:
   4: locals {

There is no closing brace for this block before the end of the file.
"""


def test_hcl_files_skip_hidden_boilerplate_and_named_dirs(tmp_path: Path) -> None:
    rels = ("a.hcl", "x/b.hcl", "x/c.tf", ".git/d.hcl", "x/.terragrunt-stack/e.hcl", "_boilerplate/f.hcl", "v/g.hcl")
    for rel in rels:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    found = [p.relative_to(tmp_path).as_posix() for p in hcl_files(tmp_path, ["v"])]
    assert found == ["a.hcl", "x/b.hcl"]


def test_syntax_error_reads_line_summary_and_detail() -> None:
    err = syntax_error(STDERR, Path("live/root.hcl"))
    assert err.format().startswith(
        "live/root.hcl:4: Unclosed configuration block: There is no closing brace for this block"
    )


def test_unified_diff_labels_and_missing_newline() -> None:
    diff = unified_diff("a=1", "a = 1\n", "p/t.hcl")
    assert diff == "--- old/p/t.hcl\n+++ new/p/t.hcl\n@@ -1 +1 @@\n-a=1\n\\ No newline at end of file\n+a = 1\n"


def test_only_changed_files_are_written_and_check_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "same.hcl").write_text("a = 1\n")
    (tmp_path / "ugly.hcl").write_text("a=1\n")
    (tmp_path / "bad.hcl").write_text("a =\n")

    def fmt(text: str, path: Path) -> Formatted:
        if text == "a =\n":
            return Formatted(None, syntax_error("Error: Invalid expression\n\n  on <stdin> line 1:\n", path))
        return Formatted(text.replace("a=1", "a = 1"))

    checked = format_tree(FmtOptions(tmp_path, check=True, diff=True), fmt)
    statuses = [(r.path.name, r.status) for r in checked]
    assert statuses == [("bad.hcl", "error"), ("same.hcl", "unchanged"), ("ugly.hcl", "changed")]
    assert (tmp_path / "ugly.hcl").read_text() == "a=1\n" and checked[2].diff is not None
    written = format_tree(FmtOptions(tmp_path), fmt)
    assert written[2].diff is None and (tmp_path / "ugly.hcl").read_text() == "a = 1\n"
    assert (tmp_path / "bad.hcl").read_text() == "a =\n"


def test_a_file_that_is_not_utf8_is_an_error_and_left_alone(tmp_path: Path) -> None:
    (tmp_path / "latin.hcl").write_bytes(b'a = 1\nb = "caf\xe9"\n')
    [res] = format_tree(FmtOptions(tmp_path), lambda text, path: Formatted(text + "changed"))
    assert res.status == "error" and res.error is not None
    assert res.error.format().startswith(f"{tmp_path / 'latin.hcl'}:2: not UTF-8 text")
    assert (tmp_path / "latin.hcl").read_bytes() == b'a = 1\nb = "caf\xe9"\n'
