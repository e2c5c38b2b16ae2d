"""Parse HCL native syntax and HCL's JSON syntax into tgo's syntax tree (:mod:`orchestrator.hcl.ast`).

The only module in the project that imports ``hcl2`` or ``lark``.

Choice of input tree (measured on this machine, sample-infra/root.hcl, best of 15 runs of 10 parses):
raw lark parse ``hcl2.parses_to_tree`` 8.2 ms; python-hcl2's typed tree ``hcl2.parses`` 17.2 ms (2.1x,
it runs a round-trip-preserving transformer over the same lark tree); raw parse + our one-pass
conversion (:class:`_Converter`) 8.4 ms (1.03x raw). So we convert the raw lark tree of hcl2's grammar
(``hcl2.parser.parser()``) straight to our AST and never build hcl2's typed rules. Heredoc bodies and
``templatefile`` text are one token there, so :mod:`orchestrator.hcl.template` scans them; simple
interpolations (``${local.a.b}``) skip lark entirely.

Contract: every function here is pure and thread-safe (the lark parser is built once by hcl2 and
only read). Any syntax error raises :class:`~orchestrator.errors.HclSyntaxError` with file, line, col
and a readable message; no lark exception escapes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

from hcl2.parser import parser as _hcl2_parser
from lark import Token, Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from orchestrator.errors import HclSyntaxError, Pos
from orchestrator.hcl import ast
from orchestrator.hcl.bounds import MAX_SOURCE_BYTES
from orchestrator.hcl.jsonsyntax import DEFAULT_JSON_BLOCK_TYPES, JsonConverter
from orchestrator.hcl.numbers import parse_number
from orchestrator.hcl.syntax_messages import describe_expected, end_pos, unexpected_token
from orchestrator.hcl.syntax_scan import unclosed
from orchestrator.hcl.template import FlatPart, assemble, blank_strip_markers, heredoc_body, scan_template, unescape
from orchestrator.hcl.text import nfc

__all__ = [
    "DEFAULT_JSON_BLOCK_TYPES",
    "parse_expression",
    "parse_json_text",
    "parse_template",
    "parse_text",
]

_BINARY_OPS = {
    "DOUBLE_PIPE": "||",
    "DOUBLE_AMP": "&&",
    "DOUBLE_EQ": "==",
    "NEQ": "!=",
    "LT": "<",
    "GT": ">",
    "LEQ": "<=",
    "GEQ": ">=",
    "PLUS": "+",
    "MINUS": "-",
    "ASTERISK": "*",
    "SLASH": "/",
    "PERCENT": "%",
}
_SIMPLE_TRAVERSAL_RE = re.compile(r"\s*([A-Za-z_][\w-]*)((?:\.[A-Za-z_][\w-]*|\[[0-9]+\])*)\s*")
_STEP_RE = re.compile(r"\.([A-Za-z_][\w-]*)|\[([0-9]+)\]")
_SKIP = frozenset({"new_line_or_comment", "for_intro", "for_cond"})
# hcl2's grammar knows ``a::b::c(`` (provider functions) but not Terraform's ``core::name(``: the
# source lark reads spells it ``core__name(`` (same length, so positions hold) and the converter
# turns it back. String contents are read from the original text, so they are never changed.
_CORE_CALL_RE = re.compile(r"\bcore::(?=[A-Za-z_][\w-]*\s*\()")
_CORE_LARK = "core__"


class _Converter:
    """One pass from the raw lark tree to ast nodes. ``dline``/``dcol`` shift positions of snippets."""

    def __init__(self, file: str, dline: int = 0, dcol: int = 0, original: str | None = None) -> None:
        self.file = file
        # The source before interpolation strip markers were blanked out (see template.blank_strip_markers);
        # token text is read from here when set, so blanking never changes a string's content.
        self.original = original
        self.dline = dline
        self.dcol = dcol

    # positions -----------------------------------------------------------------------------------
    def pos(self, line: int, col: int) -> Pos:
        if line == 1:
            col += self.dcol
        return Pos(self.file, line + self.dline, col)

    def tpos(self, tree: Any) -> Pos:
        meta = tree.meta
        return self.pos(getattr(meta, "line", 1), getattr(meta, "column", 1))

    def kpos(self, tok: Token) -> Pos:
        return self.pos(tok.line or 1, tok.column or 1)

    def error(self, message: str, pos: Pos, hint: str | None = None) -> HclSyntaxError:
        return HclSyntaxError(message, pos=pos, hint=hint)

    # structure -----------------------------------------------------------------------------------
    def body(self, tree: Any) -> ast.Body:
        attributes: dict[str, ast.Attribute] = {}
        blocks: list[ast.Block] = []
        for child in tree.children:
            if not isinstance(child, Tree):
                continue
            if child.data == "attribute":
                attr = self.attribute(child)
                prev = attributes.get(attr.name)
                if prev is not None:
                    raise self.error(
                        f"attribute '{attr.name}' is defined twice (lines {prev.pos.line} and {attr.pos.line})",
                        attr.pos,
                        "remove or rename one of them",
                    )
                attributes[attr.name] = attr
            elif child.data == "block":
                blocks.append(self.block(child))
        return ast.Body(attributes, tuple(blocks), self.tpos(tree))

    def name_of(self, node: Any) -> str:
        tok = node.children[0]
        return str(tok)

    def attribute(self, tree: Any) -> ast.Attribute:
        name_node, _eq, expr = tree.children
        return ast.Attribute(self.name_of(name_node), self.expr(expr), self.tpos(tree))

    def block(self, tree: Any) -> ast.Block:
        children = [c for c in tree.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]
        body = children[-1]
        btype = self.name_of(children[0])
        labels: list[str] = []
        for lab in children[1:-1]:
            if lab.data == "string":
                value = self.string(lab)
                if not isinstance(value, ast.Literal):
                    raise self.error("block labels cannot contain interpolations", value.pos)
                labels.append(value.value)
            else:
                labels.append(self.name_of(lab))
        return ast.Block(btype, tuple(labels), self.body(body), self.tpos(tree))

    # expressions ---------------------------------------------------------------------------------
    def expr(self, tree: Any) -> ast.Expr:
        return _HANDLERS[tree.data](self, tree)

    def exprs(self, children: list[Any]) -> list[ast.Expr]:
        return [self.expr(c) for c in children if isinstance(c, Tree) and c.data not in _SKIP]

    def expr_term(self, tree: Any) -> ast.Expr:
        children = tree.children
        if len(children) == 1:
            child = children[0]
            return _HANDLERS[child.data](self, child)
        return self.exprs(children)[0]  # parenthesised

    def conditional(self, tree: Any) -> ast.Expr:
        cond, then, else_ = self.exprs(tree.children)
        return ast.Conditional(cond, then, else_, self.tpos(tree))

    def binary_op(self, tree: Any) -> ast.Expr:
        left = self.expr(tree.children[0])
        term = tree.children[1]
        op_tok = term.children[0].children[0]
        right = self.exprs(term.children[1:])[0]
        return ast.Binary(_BINARY_OPS[op_tok.type], left, right, self.tpos(tree))

    def unary_op(self, tree: Any) -> ast.Expr:
        op_tok, operand = tree.children
        inner = self.expr(operand)
        if op_tok == "-" and isinstance(inner, ast.Literal) and type(inner.value) in (int, Fraction):
            return ast.Literal(-inner.value, self.tpos(tree))
        return ast.Unary(str(op_tok), inner, self.tpos(tree))

    def int_lit(self, tree: Any) -> ast.Expr:
        return ast.Literal(int(tree.children[0]), self.tpos(tree))

    def float_lit(self, tree: Any) -> ast.Expr:
        return ast.Literal(parse_number(str(tree.children[0])), self.tpos(tree))

    def literal_value(self, tree: Any) -> ast.Expr:
        tok = tree.children[0]
        value = {"TRUE": True, "FALSE": False}.get(tok.type)
        return ast.Literal(value, self.tpos(tree))

    def identifier(self, tree: Any) -> ast.Expr:
        return ast.Var(str(tree.children[0]), self.tpos(tree))

    def template_string(self, tree: Any) -> ast.Expr:
        raw = str(tree.children[0])[2:-2]
        return ast.Literal(nfc(unescape(raw, self.tpos(tree))), self.tpos(tree))

    def tuple_(self, tree: Any) -> ast.Expr:
        return ast.TupleExpr(tuple(self.exprs(tree.children)), self.tpos(tree))

    def object_(self, tree: Any) -> ast.Expr:
        items = []
        for elem in tree.children:
            if isinstance(elem, Tree) and elem.data == "object_elem":
                key_node, _sep, value = elem.children
                items.append((self.object_key(key_node), self.expr(value)))
        return ast.ObjectExpr(tuple(items), self.tpos(tree))

    def object_key(self, key_node: Any) -> ast.Expr:
        inner = key_node.children[0]
        if inner.data == "keyword":
            return ast.Literal(str(inner.children[0]), self.tpos(inner))
        key = self.expr(inner)
        # A bare identifier is a literal key; "(name)" is an expression (parenthesised expr_term).
        if isinstance(key, ast.Var) and len(inner.children) == 1:
            return ast.Literal(key.name, key.pos)
        return key

    def function_call(self, tree: Any) -> ast.Expr:
        names = [str(c.children[0]) for c in tree.children if isinstance(c, Tree) and c.data == "identifier"]
        args: list[ast.Expr] = []
        expand = False
        for c in tree.children:
            if isinstance(c, Tree) and c.data == "arguments":
                args = self.exprs(c.children)
                expand = any(isinstance(t, Token) and t.type == "ELLIPSIS" for t in c.children)
        name = "::".join(names)
        if name.startswith(_CORE_LARK):
            name = "core::" + name[len(_CORE_LARK) :]
        return ast.Call(name, tuple(args), expand, self.tpos(tree))

    def traversal(self, tree: Any) -> ast.Expr:
        obj_node, op = tree.children
        return self.apply_op(self.expr(obj_node), op, self.tpos(tree))

    def apply_op(self, obj: ast.Expr, op: Any, pos: Pos) -> ast.Expr:
        if op.data == "get_attr":
            name = op.children[1].children[0]
            return ast.GetAttr(obj, str(name), pos)
        if op.data == "short_index":
            return ast.Index(obj, ast.Literal(int(op.children[1]), pos), pos)
        return ast.Index(obj, self.exprs(op.children)[0], pos)  # braces_index

    def splat(self, tree: Any) -> ast.Expr:
        obj_node, splat = tree.children
        pos = self.tpos(tree)
        each: ast.Expr = ast.SplatItem(pos)
        for op in splat.children[1:]:
            each = self.apply_op(each, op, self.tpos(op))
        return ast.Splat(self.expr(obj_node), each, pos)

    def for_intro(self, tree: Any) -> tuple[str | None, str, ast.Expr]:
        names = [str(c.children[0]) for c in tree.children if isinstance(c, Tree) and c.data == "identifier"]
        coll = self.exprs([c for c in tree.children if not (isinstance(c, Tree) and c.data == "identifier")])[0]
        if len(names) == 2:
            return names[0], names[1], coll
        return None, names[0], coll

    def _for_parts(self, tree: Any) -> tuple[Any, list[ast.Expr], ast.Expr | None]:
        intro = cond_tree = None
        for c in tree.children:
            if isinstance(c, Tree) and c.data == "for_intro":
                intro = c
            elif isinstance(c, Tree) and c.data == "for_cond":
                cond_tree = c
        cond = None if cond_tree is None else self.exprs(cond_tree.children)[0]
        assert intro is not None
        return intro, self.exprs(tree.children), cond

    def for_tuple(self, tree: Any) -> ast.Expr:
        intro, (value,), cond = self._for_parts(tree)
        kv, vv, coll = self.for_intro(intro)
        return ast.ForTuple(kv, vv, coll, value, cond, self.tpos(tree))

    def for_object(self, tree: Any) -> ast.Expr:
        intro, (key, value), cond = self._for_parts(tree)
        kv, vv, coll = self.for_intro(intro)
        grouping = any(isinstance(t, Token) and t.type == "ELLIPSIS" for t in tree.children)
        return ast.ForObject(kv, vv, coll, key, value, cond, grouping, self.tpos(tree))

    # strings and templates -----------------------------------------------------------------------
    def string(self, tree: Any) -> ast.Expr:
        pos = self.tpos(tree)
        parts = [c for c in tree.children if isinstance(c, Tree)]
        if not parts:
            return ast.Literal("", pos)
        if len(parts) == 1 and isinstance(parts[0].children[0], Token):
            tok = parts[0].children[0]
            return ast.Literal(nfc(self.string_chars(tok)), pos)
        flat: list[FlatPart] = [self.flat_part(p.children[0]) for p in parts]
        return assemble(flat, pos)

    def raw(self, tok: Token) -> str:
        if self.original is None:
            return str(tok)
        return self.original[tok.start_pos : tok.end_pos]

    def string_chars(self, tok: Token) -> str:
        if tok.type == "STRING_CHARS":
            return unescape(self.raw(tok), self.kpos(tok))
        return self.raw(tok)[1:]  # "$${" -> "${", "%%{" -> "%{"

    def strip_markers(self, node: Any) -> tuple[bool, bool]:
        toks = [c for c in node.children if isinstance(c, Token)]
        sl = len(toks) > 1 and toks[1].type == "STRIP_MARKER"
        sr = len(toks) > 1 and toks[-2].type == "STRIP_MARKER"
        if self.original is not None:
            start, end = node.meta.start_pos, node.meta.end_pos
            sl = sl or self.original[start + 2 : start + 3] == "~"
            sr = sr or self.original[end - 2 : end - 1] == "~"
        return sl, sr

    def flat_part(self, node: Any) -> FlatPart:
        if isinstance(node, Token):
            return FlatPart("lit", self.string_chars(node), False, False, self.kpos(node))
        sl, sr = self.strip_markers(node)
        pos = self.tpos(node)
        kind = node.data
        if kind == "interpolation":
            return FlatPart("expr", self.exprs(node.children)[0], sl, sr, pos)
        if kind == "template_if_start":
            return FlatPart("if", self.exprs(node.children)[0], sl, sr, pos)
        if kind == "template_for_start":
            names = [str(c.children[0]) for c in node.children if isinstance(c, Tree) and c.data == "identifier"]
            coll = self.exprs([c for c in node.children if not (isinstance(c, Tree) and c.data == "identifier")])[0]
            key_var, value_var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
            return FlatPart("for", (key_var, value_var, coll), sl, sr, pos)
        return FlatPart(str(kind).removeprefix("template_"), None, sl, sr, pos)

    def heredoc(self, tree: Any) -> ast.Expr:
        tok = tree.children[0]
        pos = self.tpos(tree)
        text, indent = heredoc_body(self.raw(tok), trim=tok.type == "HEREDOC_TEMPLATE_TRIM")
        return parse_template(text, self.file, pos.line + 1, 1 + indent, indent=indent)


_HANDLERS: Mapping[str, Callable[[_Converter, Any], ast.Expr]] = {
    "conditional": _Converter.conditional,
    "binary_op": _Converter.binary_op,
    "unary_op": _Converter.unary_op,
    "expr_term": _Converter.expr_term,
    "int_lit": _Converter.int_lit,
    "float_lit": _Converter.float_lit,
    "string": _Converter.string,
    "template_string": _Converter.template_string,
    "tuple": _Converter.tuple_,
    "object": _Converter.object_,
    "identifier": _Converter.identifier,
    "literal_value": _Converter.literal_value,
    "function_call": _Converter.function_call,
    "heredoc_template": _Converter.heredoc,
    "heredoc_template_trim": _Converter.heredoc,
    "index_expr_term": _Converter.traversal,
    "get_attr_expr_term": _Converter.traversal,
    "attr_splat_expr_term": _Converter.splat,
    "full_splat_expr_term": _Converter.splat,
    "for_tuple_expr": _Converter.for_tuple,
    "for_object_expr": _Converter.for_object,
}


# ------------------------------------------------------------------------------------------------
# Syntax errors


def _translate(exc: UnexpectedInput, file: str, text: str, conv: _Converter) -> HclSyntaxError:
    line = getattr(exc, "line", 0) or 0
    col = getattr(exc, "column", 0) or 0
    hint = None
    if isinstance(exc, UnexpectedToken):
        message, hint, line, col = unexpected_token(exc.token, set(exc.expected), text, line, col)
    elif isinstance(exc, UnexpectedCharacters):
        message = f"unexpected character {exc.char!r}"
    elif isinstance(exc, UnexpectedEOF):
        line, col = end_pos(text)
        message = f"unexpected end of file; expected {describe_expected(set(exc.expected))}"
    else:  # pragma: no cover - lark has no other UnexpectedInput subclasses
        message = "syntax error"
    return HclSyntaxError(message, pos=conv.pos(max(line, 1), max(col, 1)), hint=hint)


def _parse_tree(text: str, conv: _Converter) -> Any:
    try:
        return _hcl2_parser().parse(text + "\n")
    except UnexpectedInput as exc:
        raise _translate(exc, conv.file, text, conv) from None
    except LarkError as exc:  # pragma: no cover - defensive: never show lark's traceback
        raise HclSyntaxError(f"syntax error: {exc}", pos=conv.pos(1, 1)) from None


def _check_source_size(text: str, filename: str) -> None:
    if len(text) > MAX_SOURCE_BYTES:
        raise HclSyntaxError(
            f"the file is too large to be a config: {len(text):,} characters (the limit is "
            f"{MAX_SOURCE_BYTES // 2**20} MiB)",
            pos=Pos(filename, 1, 1),
            hint="keep data in files read with file(), jsondecode() or yamldecode()",
        )


def _lark_source(text: str) -> str:
    """What lark reads: ``text`` with strip markers blanked and ``core::`` calls respelt (see above)."""
    blanked = blank_strip_markers(text)
    if "core::" in blanked:
        blanked = _CORE_CALL_RE.sub(_CORE_LARK, blanked)
    return blanked


def _where_hcl_points(text: str, filename: str, exc: HclSyntaxError) -> HclSyntaxError:
    """An unclosed string or brace before lark's error position is the real error: report it where
    HCL does (the string's line end, the opening brace) instead of where lark gave up."""
    found = unclosed(text)
    if found is None or exc.pos is None or found.line > exc.pos.line:
        return exc
    hint = (
        "close it on the same line; use a heredoc (<<EOT) for text on several lines"
        if found.message.startswith("unclosed string")
        else "add the closing bracket, or check the nesting of the brackets after it"
    )
    return HclSyntaxError(found.message, pos=Pos(filename, found.line, found.col), hint=hint)


def parse_text(text: str, filename: str) -> ast.Body:
    """Parse HCL native syntax. Raises HclSyntaxError (file, line, col) for any syntax error."""
    text = text.removeprefix("\ufeff")  # editors on Windows add a byte-order mark; HCL ignores it
    _check_source_size(text, filename)
    blanked = _lark_source(text)
    conv = _Converter(filename, original=None if blanked is text else text)
    try:
        tree = _parse_tree(blanked, conv)
    except HclSyntaxError as exc:
        raise _where_hcl_points(text, filename, exc) from None
    try:
        return conv.body(tree.children[0])
    except RecursionError:
        raise HclSyntaxError("expression nested too deeply", pos=Pos(filename, 1, 1)) from None


def _simple_traversal(text: str, filename: str, line: int, col: int) -> ast.Expr | None:
    """``local.a.b`` / ``var.x[0]`` without lark: most template interpolations are just this."""
    m = _SIMPLE_TRAVERSAL_RE.fullmatch(text)
    if m is None or m.group(1) in ("true", "false", "null"):
        return None
    col += len(text) - len(text.lstrip())
    pos = Pos(filename, line, col)
    steps = _STEP_RE.findall(m.group(2))
    node: ast.Expr = ast.Var(m.group(1), pos)
    for name, index in steps:
        node = ast.GetAttr(node, name, pos) if name else ast.Index(node, ast.Literal(int(index), pos), pos)
    return node


def parse_expression(text: str, filename: str, line: int = 1, col: int = 1) -> ast.Expr:
    """Parse one expression that starts at ``line``:``col`` of ``filename`` (used for template snippets)."""
    simple = _simple_traversal(text, filename, line, col)
    if simple is not None:
        return simple
    wrapped = "_ = (" + text + "\n)"
    source = _lark_source(wrapped) if "core::" in wrapped else wrapped
    conv = _Converter(filename, line - 1, col - 1 - 5, original=None if source is wrapped else wrapped)
    tree = _parse_tree(source, conv)
    body = tree.children[0]
    attrs = [c for c in body.children if isinstance(c, Tree) and c.data in ("attribute", "block")]
    if len(attrs) != 1 or attrs[0].data != "attribute":
        raise HclSyntaxError("expected one expression", pos=Pos(filename, line, col))
    try:
        return conv.expr(attrs[0].children[2])
    except RecursionError:
        raise HclSyntaxError("expression nested too deeply", pos=Pos(filename, line, col)) from None


def parse_template(text: str, filename: str, line: int = 1, col: int = 1, *, indent: int = 0) -> ast.Expr:
    """Parse ``text`` as a bare template (heredoc body, ``templatefile``): ``${...}`` and ``%{...}``,
    with ``$${``/``%%{`` escapes and strip markers; no backslash escapes. Returns a Literal when static.
    ``text`` starts at ``line``:``col``; later lines start at column ``1 + indent``."""
    flat = scan_template(text, filename, line, col, parse_expression, indent=indent)
    return assemble(flat, Pos(filename, line, col))


def parse_json_text(text: str, filename: str, block_types: Mapping[str, int] = DEFAULT_JSON_BLOCK_TYPES) -> ast.Body:
    """Parse HCL's JSON syntax (``terragrunt.hcl.json``).

    Top-level keys are attributes except those in ``block_types`` (name -> number of labels; a dotted
    name such as ``terraform.before_hook`` applies inside that block). Labels are nested object keys;
    a list of objects gives several blocks. Strings containing ``${`` or ``%{`` are templates.
    Raises HclSyntaxError for invalid JSON (with line and column) or a wrong shape.
    """
    _check_source_size(text, filename)
    try:
        obj = json.loads(text, parse_float=parse_number)
    except json.JSONDecodeError as exc:
        raise HclSyntaxError(f"invalid JSON: {exc.msg}", pos=Pos(filename, exc.lineno, exc.colno)) from None
    except RecursionError:
        raise HclSyntaxError("JSON nested too deeply", pos=Pos(filename, 1, 1)) from None
    return JsonConverter(filename, block_types, parse_template, text).body(obj, "", Pos(filename, 1, 1))
