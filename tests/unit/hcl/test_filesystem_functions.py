"""File functions resolve relative paths against the context's base_dir and never crash on bad files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from orchestrator.errors import EvalError

from .conftest import make_eval


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "a.txt").write_text("hello\n")
    (tmp_path / "conf" / "sub").mkdir()
    (tmp_path / "conf" / "sub" / "b.txt").write_text("b")
    (tmp_path / "conf" / "sub" / "c.json").write_text("{}")
    (tmp_path / "conf" / "bin.dat").write_bytes(b"\xff\xfe")
    (tmp_path / "conf" / "t.tpl").write_text(
        "name=${name}\n%{ for i, p in ports ~}\nport${i}=${p}\n%{ endfor ~}\nup=${upper(name)}\n"
    )
    (tmp_path / "conf" / "bad.tpl").write_text("x=${\n")
    (tmp_path / "conf" / "uses_file.tpl").write_text('${file("a.txt")}')
    return tmp_path / "conf"


def test_file_functions(tree: Path) -> None:
    ev = make_eval(tree)
    assert ev('file("a.txt")') == "hello\n"
    assert ev(f'file("{tree}/sub/b.txt")') == "b"
    assert ev('fileexists("a.txt")') is True
    assert ev('fileexists("missing.txt")') is False
    assert ev('fileset(".", "*.txt")') == ["a.txt"]
    assert ev('fileset(".", "**/*.txt")') == ["a.txt", "sub/b.txt"]
    assert ev('fileset("sub", "*")') == ["b.txt", "c.json"]
    assert ev('fileset("nowhere", "*")') == []
    assert ev('filebase64("bin.dat")') == "//4="
    assert ev('filemd5("a.txt")') == "b1946ac92492d2347c6235b4d2611184"
    assert ev('filesha256("sub/b.txt")') == ev('sha256("b")')
    assert ev('abspath("sub/../a.txt")') == f"{tree}/a.txt"
    assert ev('pathexpand("~/x")').endswith("/x") and not ev('pathexpand("~/x")').startswith("~")


def test_templatefile_renders_with_its_own_variables(tree: Path) -> None:
    ev = make_eval(tree)
    result = ev('templatefile("t.tpl", {name = "web", ports = [80, 443]})')
    assert result == "name=web\nport0=80\nport1=443\nup=WEB\n"
    assert ev('templatefile("uses_file.tpl", {})') == "hello\n"


@pytest.mark.parametrize(
    ("src", "message"),
    [
        ('file("missing.txt")', 'file(): no file exists at "'),
        ('file("sub")', "is a directory, not a file"),
        ('file("bin.dat")', "file(): the file is not valid UTF-8"),
        ('fileexists("sub")', "is a directory, not a file"),
        ('templatefile("t.tpl", {})', "unknown variable 'name'"),
        ('templatefile("t.tpl", "x")', "templatefile() argument 2 must be an object, got string"),
        ('templatefile("bad.tpl", {})', "templatefile(): "),
    ],
)
def test_file_function_errors(tree: Path, src: str, message: str) -> None:
    ev: Any = make_eval(tree)
    with pytest.raises(EvalError) as exc:
        ev(src)
    assert message in exc.value.message, exc.value.format()
    assert exc.value.pos is not None
