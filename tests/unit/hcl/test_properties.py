"""Property tests: any expression or text gives a value or a TgoError, never another exception; the
JSON form of any parsed tree round-trips and evaluates the same."""

from __future__ import annotations

import json
import math
import os
from fractions import Fraction
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestrator.errors import TgoError
from orchestrator.hcl.ast import body_from_json, body_to_json
from orchestrator.hcl.evaluator import EvalContext, evaluate
from orchestrator.hcl.functions import BUILTINS
from orchestrator.hcl.functions.coerce import is_mapping
from orchestrator.hcl.parser import parse_json_text, parse_template, parse_text
from orchestrator.hcl.values import UNKNOWN

# Non-deterministic functions cannot be compared across two evaluations; fileset could walk the disk.
FUNCTION_NAMES = [*sorted(set(BUILTINS) - {"uuid", "timestamp", "fileset"}), "try", "can", "nope"]
VARIABLES = {
    "local": {
        "a": 1,
        "f": 2.5,
        "s": "str",
        "l": [1, "two", None, {"k": "v"}],
        "m": {"k": "v", "n": 2, "l": [1, 2]},
        "u": UNKNOWN,
        "n": None,
        "b": True,
    },
    "x": 5,
}
CTX = EvalContext(VARIABLES, {}, Path(__file__).parent / "no-such-dir")
SETTINGS = settings(
    max_examples=int(os.environ.get("TGO_HYPOTHESIS_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _quote(text: str) -> str:
    body = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + body.replace("${", "$${").replace("%{", "%%{") + '"'


def _float(value: float) -> str:
    text = repr(abs(value))
    return text if "e" in text or "." in text else text + ".0"


LEAVES = st.one_of(
    st.integers(-1000, 1000).map(str),
    st.floats(0, 1e6, allow_nan=False).map(_float),
    st.sampled_from(["true", "false", "null"]),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=6).map(_quote),
    st.sampled_from(
        ["local", "local.a", "local.f", "local.s", "local.l", "local.m", "local.u", "local.n", "x", "k", "v"]
    ),
    st.sampled_from(["local.zz", "nope", "local.m.k", "local.l[3].k", "local.m.l[*]"]),
)
BINARY = ["+", "-", "*", "/", "%", "==", "!=", "<", ">", "<=", ">=", "&&", "||"]


def _call(parts: tuple[str, list[str], bool]) -> str:
    name, args, expand = parts
    return f"{name}({', '.join(args)}{'...' if expand and args else ''})"


def _object(items: list[tuple[str, str]]) -> str:
    return "{" + ", ".join(f"{k} = {v}" for k, v in items) + "}"


def _extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    keys = st.one_of(st.sampled_from(["a", "b", '"c d"']), children.map(lambda c: f"({c})"))
    return st.one_of(
        st.tuples(children, st.sampled_from(BINARY), children).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(st.sampled_from(["-", "!"]), children).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(children, children, children).map(lambda t: f"({t[0]} ? {t[1]} : {t[2]})"),
        st.lists(children, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.lists(st.tuples(keys, children), max_size=3).map(_object),
        st.tuples(children, children).map(lambda t: f"[for k, v in {t[0]} : {t[1]}]"),
        st.tuples(children, children, children).map(lambda t: f"[for v in {t[0]} : {t[1]} if {t[2]}]"),
        st.tuples(children, children, children, st.booleans()).map(
            lambda t: f"{{for k, v in {t[0]} : {t[1]} => {t[2]}{'...' if t[3] else ''}}}"
        ),
        children.map(lambda c: f"({c})[*].k"),
        children.map(lambda c: f"({c}).k"),
        st.tuples(children, children).map(lambda t: f"({t[0]})[{t[1]}]"),
        st.tuples(st.sampled_from(FUNCTION_NAMES), st.lists(children, max_size=3), st.booleans()).map(_call),
        st.lists(children, max_size=3).map(lambda xs: '"' + "".join(f"a${{{x}}}" for x in xs) + '"'),
        st.tuples(children, children).map(lambda t: f'"%{{ if {t[0]} ~}} y${{{t[1]}}} %{{~ else }}n%{{ endif }}"'),
        children.map(lambda c: f'"%{{ for k, v in {c} }}${{k}}=${{v}},%{{ endfor }}"'),
    )


EXPRESSIONS = st.recursive(LEAVES, _extend, max_leaves=12)


def _is_value(value: Any) -> bool:
    if value is None or value is UNKNOWN or type(value) in (bool, int, str, Fraction):
        return True
    if type(value) is float:
        return not math.isnan(value)
    if isinstance(value, list):
        return all(_is_value(v) for v in value)
    if is_mapping(value):
        return all(type(k) is str and _is_value(v) for k, v in value.items())
    return False


def _outcome(expr: Any) -> tuple[str, Any]:
    try:
        value = evaluate(expr, CTX)
    except TgoError as exc:
        assert exc.pos is not None, exc.format()
        return ("error", exc.message)
    assert _is_value(value), value
    return ("value", json.dumps(value, default=repr, sort_keys=True))


@SETTINGS
@given(EXPRESSIONS, st.booleans())
def test_random_expressions_give_a_value_or_a_tgo_error(src: str, heredoc: bool) -> None:
    text = f"x = <<EOT\n${{{src}}}\nEOT\n" if heredoc else f"x = {src}\n"
    try:
        body = parse_text(text, "prop.hcl")
    except TgoError as exc:
        assert exc.pos is not None and exc.pos.line >= 1, exc.format()
        return
    expr = body.attributes["x"].expr
    outcome = _outcome(expr)
    restored = body_from_json(json.loads(json.dumps(body_to_json(body))), "prop.hcl")
    assert restored == body
    assert _outcome(restored.attributes["x"].expr) == outcome


HCL_TOKENS = st.sampled_from(
    [
        "a", "b", " ", "\n", "=", "{", "}", "[", "]", "(", ")", '"', "${", "%{", "}", "~", ",", ".", "*", "...",
        "=>", ":", "?", "1", "2.5", "-", "+", "!", "&&", "for", "in", "if", "endif", "else", "endfor", "<<EOT\n",
        "EOT\n", "#", "//", "/*", "*/", "\\", "null", "true", "local", "x(", "$", "%", "'", "\t", "é",
    ]
)  # fmt: skip


@SETTINGS
@given(st.one_of(st.text(max_size=80), st.lists(HCL_TOKENS, max_size=40).map("".join)))
def test_random_text_parses_or_raises_a_syntax_error(text: str) -> None:
    try:
        body = parse_text(text, "fuzz.hcl")
    except TgoError as exc:
        assert exc.pos is not None and exc.pos.file == "fuzz.hcl", exc.format()
        return
    for attr in body.attributes.values():
        _outcome(attr.expr)


@settings(max_examples=100, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=10),
        lambda c: st.lists(c) | st.dictionaries(st.text(max_size=5), c),
    )
)
def test_random_json_documents_parse_or_raise(doc: Any) -> None:
    try:
        body = parse_json_text(json.dumps({"inputs": doc, "locals": doc}), "fuzz.hcl.json")
    except TgoError:
        return
    _outcome(body.attributes["inputs"].expr)


@SETTINGS
@given(st.lists(st.one_of(HCL_TOKENS, st.text(max_size=3)), max_size=30).map("".join))
def test_random_template_text_parses_or_raises(text: str) -> None:
    try:
        expr = parse_template(text, "fuzz.tpl")
    except TgoError as exc:
        assert exc.pos is not None and exc.pos.file == "fuzz.tpl", exc.format()
        return
    _outcome(expr)
