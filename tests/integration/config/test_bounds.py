"""Runaway configs fail ``tgo validate`` with one config error naming the expression (exit 3),
instead of hanging or exhausting memory; an oversized config file is refused before parsing.

Each runs ``tgo`` in a child process: the timeout is only a safety net so a regression cannot hang
the suite (no duration is asserted)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.cli import run_tgo

SAFETY_NET_S = 120


def _doubling(step: Callable[[int], str], first: str, n: int = 40) -> str:
    lines = ["locals {", f"  l0 = {first}"]
    lines += [f"  l{i} = {step(i - 1)}" for i in range(1, n + 1)]
    return "\n".join([*lines, "}", f"inputs = {{ v = local.l{n} }}", ""])


CASES = {
    "concat": (
        _doubling(lambda p: f"concat(local.l{p}, local.l{p})", '["x"]'),
        "locals.l20: the value is too large: the expression builds more than 1,000,000 list or object elements",
    ),
    "string": (
        _doubling(lambda p: f'"${{local.l{p}}}${{local.l{p}}}"', '"ab"'),
        "locals.l26: the value is too large: the expression builds more than 64 MiB of strings",
    ),
    "shared_tuple": (
        _doubling(lambda p: f"[local.l{p}, local.l{p}]", '["x"]'),
        "locals.l19: the value is too large: more than 1,000,000 elements",
    ),
    "nested_for": (
        "locals {\n  r = range(1000)\n  cube = [for i in local.r : [for j in local.r : [for k in local.r : k]]]\n}\n",
        "locals.cube: the value is too large: the expression builds more than 1,000,000",
    ),
}


def _env(tmp_path: Path) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "NO_COLOR": "1"}


@pytest.mark.parametrize("case", sorted(CASES))
def test_runaway_locals_are_a_config_error(case: str, tmp_path: Path) -> None:
    source, message = CASES[case]
    module = tmp_path / "m"
    module.mkdir()
    (module / "terragrunt.hcl").write_text(source)
    res = run_tgo(_env(tmp_path), tmp_path, "validate", "--no-cache", timeout=SAFETY_NET_S)
    assert res.returncode == 3, res.stderr
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert "m/terragrunt.hcl:" in lines[0]
    assert message in lines[0]
    assert "Traceback" not in res.stderr


def test_a_50_mb_config_is_refused_with_its_size(tmp_path: Path) -> None:
    module = tmp_path / "m"
    module.mkdir()
    line = f'  k = "{"v" * 1000}"\n'
    with (module / "terragrunt.hcl").open("w") as f:
        f.write("locals {\n")
        for i in range(50 * 1024):
            f.write(line.replace("k =", f"k{i} =", 1))
        f.write("}\n")
    res = run_tgo(_env(tmp_path), tmp_path, "validate", "--no-cache", timeout=SAFETY_NET_S)
    assert res.returncode == 3, res.stderr
    assert "m/terragrunt.hcl:1:1: the file is too large to be a config" in res.stderr
    assert "(the limit is 8 MiB)" in res.stderr
    assert "Traceback" not in res.stderr
