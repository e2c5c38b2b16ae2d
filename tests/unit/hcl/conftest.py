"""Helpers for the HCL layer's tests: parse one expression and evaluate it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from orchestrator.hcl.ast import Expr
from orchestrator.hcl.evaluator import EvalContext, evaluate
from orchestrator.hcl.parser import parse_text


def parse_expr(src: str) -> Expr:
    return parse_text(f"x = {src}\n", "test.hcl").attributes["x"].expr


def make_eval(base_dir: Path) -> Callable[..., Any]:
    def ev(
        src: str,
        variables: Mapping[str, Any] | None = None,
        functions: Mapping[str, Callable[..., Any]] | None = None,
    ) -> Any:
        ctx = EvalContext(variables=variables or {}, functions=functions or {}, base_dir=base_dir)
        return evaluate(parse_expr(src), ctx)

    return ev


@pytest.fixture(scope="session")
def ev(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Any]:
    """``ev("1 + 1") == 2``; file functions resolve against an empty session directory."""
    return make_eval(tmp_path_factory.mktemp("hcl-eval"))
