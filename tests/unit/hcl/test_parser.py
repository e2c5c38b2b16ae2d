"""The parser: every construct becomes the right node with the right position; syntax errors are
HclSyntaxError with file, line and column; the JSON form round-trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestrator.errors import HclSyntaxError, Pos
from orchestrator.hcl import ast
from orchestrator.hcl.ast import body_from_json, body_to_json
from orchestrator.hcl.parser import parse_json_text, parse_template, parse_text
from orchestrator.hcl.syntax_scan import unclosed

from .conftest import parse_expr

SAMPLE = Path(__file__).resolve().parents[3] / "sample-infra"

CONFIG = """\
# comment
include "root" {
  path = find_in_parent_folders("root.hcl")
}

locals {
  env    = "dev"
  count  = 3 * (1 + 2)
  names  = [for i, n in ["a", "b"] : "${n}-${i}" if i >= 0]
  byname = { for k, v in { a = 1 } : v => k... }
  ids    = local.things[*].id
  legacy = local.things.*.id
  first  = local.things[0].id
  short  = local.things.0
  cond   = local.env == "prod" ? "p" : "np"
  neg    = -local.count
  tmpl   = "x-%{ if local.env != "" }${local.env}%{ else }none%{ endif }"
  loop   = "%{ for k, v in local.m ~} ${k}=${v} %{~ endfor }"
  doc    = <<-EOT
    hello ${local.env}
      nested
    EOT
}

dependency "vpc" {
  config_path = "../vpc"
  mock_outputs = {
    vpc_id = "vpc-123"
  }
}

inputs = merge(local.base, { extra = true }, local.more...)
"""


@pytest.fixture(scope="module")
def body() -> ast.Body:
    return parse_text(CONFIG, "live/terragrunt.hcl")


def _local(body: ast.Body, name: str) -> ast.Expr:
    locals_block = next(b for b in body.blocks if b.type == "locals")
    return locals_block.body.attributes[name].expr


def test_blocks_labels_and_attributes(body: ast.Body) -> None:
    assert [(b.type, b.labels) for b in body.blocks] == [
        ("include", ("root",)),
        ("locals", ()),
        ("dependency", ("vpc",)),
    ]
    assert list(body.attributes) == ["inputs"]
    dep = body.blocks[2]
    assert dep.pos == Pos("live/terragrunt.hcl", 25, 1)
    assert dep.body.attributes["config_path"].pos == Pos("live/terragrunt.hcl", 26, 3)
    assert dep.body.attributes["config_path"].expr == ast.Literal("../vpc", Pos("live/terragrunt.hcl", 26, 17))


def test_positions_of_expressions(body: ast.Body) -> None:
    count = _local(body, "count")
    assert isinstance(count, ast.Binary) and count.op == "*"
    assert count.pos == Pos("live/terragrunt.hcl", 8, 12)
    assert isinstance(count.right, ast.Binary) and count.right.op == "+"


def test_for_expressions(body: ast.Body) -> None:
    names = _local(body, "names")
    assert isinstance(names, ast.ForTuple)
    assert (names.key_var, names.value_var) == ("i", "n")
    assert isinstance(names.cond, ast.Binary) and names.cond.op == ">="
    byname = _local(body, "byname")
    assert isinstance(byname, ast.ForObject) and byname.grouping and byname.key_var == "k"


def test_splats_and_traversals(body: ast.Body) -> None:
    for name in ("ids", "legacy"):
        splat = _local(body, name)
        assert isinstance(splat, ast.Splat)
        assert isinstance(splat.each, ast.GetAttr) and isinstance(splat.each.obj, ast.SplatItem)
        assert splat.each.name == "id"
    first = _local(body, "first")
    assert isinstance(first, ast.GetAttr) and isinstance(first.obj, ast.Index)
    short = _local(body, "short")
    assert isinstance(short, ast.Index) and short.key.value == 0  # type: ignore[union-attr]


def test_conditional_unary_and_call_expansion(body: ast.Body) -> None:
    assert isinstance(_local(body, "cond"), ast.Conditional)
    neg = _local(body, "neg")
    assert isinstance(neg, ast.Unary) and neg.op == "-"
    call = body.attributes["inputs"].expr
    assert isinstance(call, ast.Call) and call.name == "merge" and call.expand_last and len(call.args) == 3


def test_template_directives_are_assembled(body: ast.Body) -> None:
    tmpl = _local(body, "tmpl")
    assert isinstance(tmpl, ast.Template)
    assert tmpl.parts[0] == ast.Literal("x-", tmpl.parts[0].pos)
    directive = tmpl.parts[1]
    assert isinstance(directive, ast.TemplateIf) and directive.else_ is not None
    loop = _local(body, "loop")
    assert isinstance(loop, ast.Template) and isinstance(loop.parts[0], ast.TemplateFor)


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ('"a %{ if true ~}   b   %{~ endif } c"', "a b c"),
        ('"a ${~ "x" ~}   c"', "ax"[0:1] + "x" + "c"),
        ('"  ${"x"}  "', "  x  "),
        ('"a\\nb\\t\\"q\\" \\\\ \\u00e9"', 'a\nb\t"q" \\ é'),
        ('"$${literal} %%{literal}"', "${literal} %{literal}"),
        ('"%{ for x in [1, 2] }${x},%{ endfor }"', "1,2,"),
    ],
)
def test_template_semantics(ev: object, src: str, expected: str) -> None:
    assert ev(src) == expected  # type: ignore[operator]


def test_heredocs(ev: object) -> None:
    plain = parse_text("a = <<EOT\n  keep\n    this\nEOT\n", "h.hcl").attributes["a"].expr
    assert plain == ast.Literal("  keep\n    this\n", plain.pos)
    trimmed = parse_text("a = <<-EOT\n    x\n      y\n\n    z\n    EOT\n", "h.hcl").attributes["a"].expr
    assert isinstance(trimmed, ast.Literal) and trimmed.value == "x\n  y\n\nz\n"
    src = 'a = <<-EOT\n  v=${1 + 1}\n  %{ for s in ["p", "q"] ~}\n  ${s}\n  %{ endfor ~}\n  EOT\n'
    expr = parse_text(src, "h.hcl").attributes["a"].expr
    from orchestrator.hcl.evaluator import EvalContext, evaluate

    assert evaluate(expr, EvalContext({}, {}, Path("."))) == "v=2\np\nq\n"
    assert isinstance(expr, ast.Template) and expr.parts[1].pos == Pos("h.hcl", 2, 7)
    loop = expr.parts[3]
    assert isinstance(loop, ast.TemplateFor) and loop.pos == Pos("h.hcl", 3, 3)
    assert loop.body.parts[0] == ast.Var("s", Pos("h.hcl", 4, 5))  # columns count the removed indentation


def test_object_keys_bare_identifiers_are_literal_parenthesised_are_expressions() -> None:
    obj = parse_expr('{ a = 1, "b" = 2, (c) = 3, d: 4 }')
    assert isinstance(obj, ast.ObjectExpr)
    keys = [k for k, _ in obj.items]
    assert [type(k) for k in keys] == [ast.Literal, ast.Literal, ast.Var, ast.Literal]
    assert [getattr(k, "value", getattr(k, "name", None)) for k in keys] == ["a", "b", "c", "d"]


def test_numbers_and_literals() -> None:
    assert parse_expr("1.5e3") == ast.Literal(1500, parse_expr("1.5e3").pos)
    assert parse_expr("2.5").value == 2.5  # type: ignore[union-attr]
    assert parse_expr("null").value is None  # type: ignore[union-attr]
    assert parse_expr("true").value is True  # type: ignore[union-attr]
    assert parse_expr("-3").value == -3  # type: ignore[union-attr]


def test_byte_order_mark_and_crlf_are_accepted() -> None:
    body = parse_text('\ufeffa = 1\r\nb = "x"\r\n', "win.hcl")
    assert list(body.attributes) == ["a", "b"]
    assert body.attributes["b"].pos.line == 2


def test_duplicate_attribute_names_both_lines() -> None:
    with pytest.raises(HclSyntaxError) as exc:
        parse_text("a = 1\nb = 2\na = 3\n", "dup.hcl")
    assert exc.value.pos == Pos("dup.hcl", 3, 1)
    assert "lines 1 and 3" in exc.value.message


@pytest.mark.parametrize(
    ("src", "line", "col", "message"),
    [
        ("a = }\n", 1, 5, "unexpected '}'; expected an expression"),
        ("a = 1\nb = \n", 2, 5, "expected an expression"),
        # HCL points at the opening brace of an unclosed block, and at the end of the line a quoted
        # string is left open on (hclsyntax: "Unclosed configuration block", "Unterminated template string").
        ("a {\n  b = 1\n", 1, 3, "unclosed block: no closing '}'"),
        ('a = "abc\n', 1, 9, "unclosed string"),
        ('a = "abc\nb = "x"\nc = 1\n', 1, 9, "unclosed string"),
        ('a = "${x} and ${ y }\n', 1, 21, "unclosed string"),
        ('a = "${ {k = "}"}.k }"\nb {\n  c {\n  }\n', 2, 3, "unclosed block"),
        ("x = 1\nlocals {\n  a = {\n    b = 1\n  }\n# }\n", 2, 8, "unclosed block"),
        ("a = { b = 1\n", 1, 5, "unclosed object: no closing '}'"),
        ("a = [1, 2\n", 1, 5, "unclosed list: no closing ']'"),
        ("a = f(1,\n", 1, 6, "unclosed parenthesis"),
        ('a = <<EOT\n{ "\nEOT\nb {\n', 4, 3, "unclosed block"),
        ("= 1\n", 1, 1, "unexpected '='"),
        ("a = f(1,,2)\n", 1, 9, "unexpected ','"),
        ('a = "\\q"\n', 1, 6, "invalid escape sequence"),
        ('a = "%{ if true }x"\n', 1, 6, "without a matching %{ endif }"),
        ('a = "x%{ endif }"\n', 1, 7, "unexpected %{ endif }"),
        ("a = <<EOT\n${\nEOT\n", 2, 1, "unclosed"),
        ('block "${x}" {}\n', 1, 10, "labels cannot contain interpolations"),
        ("a = <<EOT\nabc\n", 1, 5, "unclosed heredoc"),
        ("a = 'x'\n", 1, 5, "HCL strings use double quotes"),
        ("a = {for x in y : x}\n", 1, 20, "unexpected '}'; expected '=>'"),
        ('include "root"\n  path = 1\n}\n', 2, 3, "unexpected 'path'; expected '{'"),
        ("a == 1\n", 1, 3, "expected '=' (an attribute) or '{' (a block)"),
    ],
)
def test_syntax_errors_have_file_line_col(src: str, line: int, col: int, message: str) -> None:
    with pytest.raises(HclSyntaxError) as exc:
        parse_text(src, "bad.hcl")
    err = exc.value
    assert err.pos is not None and err.pos.file == "bad.hcl"
    assert (err.pos.line, err.pos.col) == (line, col), err.format()
    assert message in err.message
    assert "Traceback" not in err.format() and "lark" not in err.format().lower()


def test_parse_template_static_and_dynamic() -> None:
    assert parse_template("plain text", "t.tpl") == ast.Literal("plain text", Pos("t.tpl", 1, 1))
    expr = parse_template("line1\nhi ${name}!", "t.tpl")
    assert isinstance(expr, ast.Template)
    assert expr.parts[1] == ast.Var("name", Pos("t.tpl", 2, 6))


# ------------------------------------------------------------------------------------------------
# JSON syntax


def test_json_syntax_blocks_attributes_and_templates() -> None:
    doc = {
        "include": {"root": {"path": '${find_in_parent_folders("root.hcl")}'}},
        "locals": {"env": "dev", "n": 2},
        "dependency": {"vpc": {"config_path": "../vpc", "mock_outputs": {"id": "x"}}, "db": {"config_path": "../db"}},
        "terraform": {"source": "../m", "before_hook": {"h": {"commands": ["plan"], "execute": ["echo"]}}},
        "inputs": {"name": "${local.env}-x", "list": [1, 2.0, True, None]},
        "//": "a comment",
    }
    body = parse_json_text(json.dumps(doc), "terragrunt.hcl.json")
    assert list(body.attributes) == ["inputs"]
    kinds = [(b.type, b.labels) for b in body.blocks]
    assert kinds == [
        ("include", ("root",)),
        ("locals", ()),
        ("dependency", ("vpc",)),
        ("dependency", ("db",)),
        ("terraform", ()),
    ]
    assert isinstance(body.blocks[0].body.attributes["path"].expr, ast.Call)
    terraform = body.blocks[4].body
    assert [(b.type, b.labels) for b in terraform.blocks] == [("before_hook", ("h",))]
    inputs = body.attributes["inputs"].expr
    assert isinstance(inputs, ast.ObjectExpr)
    name_expr = inputs.items[0][1]
    assert isinstance(name_expr, ast.Template)
    mock = body.blocks[2].body.attributes["mock_outputs"].expr
    assert isinstance(mock, ast.ObjectExpr)


def test_json_syntax_positions_are_those_of_the_keys() -> None:
    text = '{\n  "locals": {\n    "a": 1,\n    "b": {"c": "${local.a}"}\n  },\n  "inputs": {"x": [1]}\n}\n'
    body = parse_json_text(text, "t.json")
    locals_block = body.blocks[0]
    assert locals_block.pos == Pos("t.json", 2, 3)
    assert locals_block.body.attributes["a"].pos == Pos("t.json", 3, 5)
    inner = locals_block.body.attributes["b"].expr
    assert isinstance(inner, ast.ObjectExpr) and inner.items[0][0].pos == Pos("t.json", 4, 11)
    assert body.attributes["inputs"].pos == Pos("t.json", 6, 3)


def test_json_syntax_custom_block_types_and_errors() -> None:
    body = parse_json_text('{"thing": {"a": {"b": {"x": 1}}}}', "f.json", block_types={"thing": 2})
    assert body.blocks[0].labels == ("a", "b")
    with pytest.raises(HclSyntaxError) as exc:
        parse_json_text('{"a": 1,\n "b": }', "f.json")
    assert exc.value.pos == Pos("f.json", 2, 7)
    with pytest.raises(HclSyntaxError):
        parse_json_text("[1]", "f.json")


# ------------------------------------------------------------------------------------------------
# JSON form of the tree (parse cache)


def _all_sample_files() -> list[Path]:
    return sorted(SAMPLE.rglob("*.hcl"))


def test_json_round_trip_of_every_construct(body: ast.Body) -> None:
    data = json.loads(json.dumps(body_to_json(body)))
    assert body_from_json(data, "live/terragrunt.hcl") == body


@pytest.mark.parametrize("path", _all_sample_files(), ids=lambda p: str(p.relative_to(SAMPLE)))
def test_json_round_trip_sample_tree(path: Path) -> None:
    parsed = parse_text(path.read_text(), str(path))
    assert body_from_json(json.loads(json.dumps(body_to_json(parsed))), str(path)) == parsed


def test_json_form_takes_the_file_name_on_load(body: ast.Body) -> None:
    loaded = body_from_json(body_to_json(body), "elsewhere.hcl")
    assert loaded.blocks[0].pos == Pos("elsewhere.hcl", 2, 1)


@pytest.mark.parametrize(
    "bad",
    [
        None,
        "text",
        [1, 1],
        [1, 1, [["a", 1, 1, ["?", 1, 1]]], []],
        [1, 1, [["a", 1, 1, ["L", 1, 1, {"x": 1}]]], []],
        [1, 1, [["a", 1, 1, ["nope", 1, 1]]], []],
        [1, 1, [["a", "1", 1, ["L", 1, 1, 1]]], []],
        [1, 1, [["a", 1, 1, ["C", 1, 1, "f", "notalist", False]]], []],
        [1, 1, [], [["b", ["x", 2], 1, 1, [1, 1, [], []]]]],
        [1, 1, [["a", 1, 1, [["L"], 1, 1, 1]]], []],
    ],
)
def test_malformed_json_form_raises_value_error(bad: object) -> None:
    with pytest.raises(ValueError):
        body_from_json(bad, "x.hcl")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='ab ={}[]()"$%~\\\n#/*<EOT-', max_size=40))
def test_the_unclosed_scan_ends_and_points_inside_the_text(text: str) -> None:
    found = unclosed(text)
    if found is not None:
        assert 1 <= found.line <= text.count("\n") + 1
        assert found.col >= 1
    try:
        parse_text(text, "fuzz.hcl")
    except HclSyntaxError as exc:
        assert exc.pos is not None and exc.pos.line >= 1
