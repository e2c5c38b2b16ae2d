"""One evaluation is bounded in elements and characters; a shared value counts as often as it occurs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from orchestrator.errors import EvalError, HclSyntaxError, Pos
from orchestrator.hcl.bounds import MAX_CHARS, MAX_ELEMENTS, MAX_SOURCE_BYTES, check_size
from orchestrator.hcl.parser import parse_json_text, parse_text

Ev = Callable[..., Any]
POS = Pos("t.hcl", 1, 1)


def test_shared_lists_count_every_occurrence_but_are_visited_once() -> None:
    value: list[Any] = ["x"]
    for _ in range(64):  # 2**64 leaves: only a memoised walk finishes
        value = [value, value]
    with pytest.raises(EvalError, match="the value is too large"):
        check_size(value, POS)


def test_values_under_the_limits_pass() -> None:
    check_size([["a" * 100] * 1000] * 100, POS)
    check_size({"k": "v" * (MAX_CHARS // 2)}, POS)


def test_strings_over_the_limit_fail() -> None:
    shared = "a" * (MAX_CHARS // 2 + 1)
    with pytest.raises(EvalError, match="MiB of strings"):
        check_size([shared, shared], POS)


def test_a_for_expression_stops_at_the_element_budget(ev: Ev) -> None:
    with pytest.raises(EvalError, match=f"more than {MAX_ELEMENTS:,} list or object elements"):
        ev("[for i in range(1000) : [for j in range(1000) : [for k in range(1000) : k]]]")


def test_a_template_is_refused_before_it_is_joined(ev: Ev) -> None:
    big = "a" * (MAX_CHARS // 2 + 1)
    with pytest.raises(EvalError, match="MiB of strings"):
        ev('"${s}${s}"', {"s": big})


def test_oversized_sources_are_refused() -> None:
    text = "#" * (MAX_SOURCE_BYTES + 1)
    with pytest.raises(HclSyntaxError, match="too large to be a config"):
        parse_text(text, "big.hcl")
    with pytest.raises(HclSyntaxError, match="too large to be a config"):
        parse_json_text(" " * (MAX_SOURCE_BYTES + 1), "big.hcl.json")
