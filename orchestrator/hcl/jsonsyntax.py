"""HCL's JSON syntax (``terragrunt.hcl.json``) as tgo's syntax tree.

Top-level keys are attributes except those named in ``block_types`` (name -> number of labels; a dotted
name such as ``terraform.before_hook`` applies inside that block). Labels are nested object keys; a list
of objects gives several blocks. Strings holding ``${`` or ``%{`` are parsed as templates by the
template parser handed in (the parser's, so this module needs no lark). Each node is placed at the
object key it sits under.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping

from orchestrator.errors import HclSyntaxError, Pos
from orchestrator.hcl import ast
from orchestrator.hcl.text import nfc

__all__ = ["DEFAULT_JSON_BLOCK_TYPES", "JsonConverter"]

TemplateParser = Callable[[str, str, int, int], ast.Expr]

DEFAULT_JSON_BLOCK_TYPES: Mapping[str, int] = {
    "include": 1,
    "locals": 0,
    "dependency": 1,
    "dependencies": 0,
    "terraform": 0,
    "remote_state": 0,
    "generate": 1,
    "feature": 1,
    "exclude": 0,
    "errors": 0,
    "engine": 0,
    "catalog": 0,
    "terraform.extra_arguments": 1,
    "terraform.before_hook": 1,
    "terraform.after_hook": 1,
    "terraform.error_hook": 1,
    "errors.retry": 1,
    "errors.ignore": 1,
}


class JsonConverter:
    """HCL's JSON syntax. JSON values carry no positions, so every node gets the position of the object
    key it sits under: keys are found in the source in document order, which is the order this converter
    visits them (dicts keep the document's order). Not thread-safe: one converter per document."""

    def __init__(
        self, file: str, block_types: Mapping[str, int], parse_template: TemplateParser, text: str = ""
    ) -> None:
        self.file = file
        self.parse_template = parse_template
        self.block_types = block_types
        self.text = text
        self.cursor = 0
        self.line = 1
        self.line_start = 0
        self.last = Pos(file, 1, 1)

    def key_pos(self, key: str) -> Pos:
        m = re.compile(re.escape(json.dumps(key, ensure_ascii=False)) + r"\s*:").search(self.text, self.cursor)
        if m is None:
            return self.last  # an escaped spelling of the key: keep the previous position
        start = m.start()
        newlines = self.text.count("\n", self.cursor, start)
        if newlines:
            self.line += newlines
            self.line_start = self.text.rfind("\n", 0, start) + 1
        self.cursor = m.end()
        self.last = Pos(self.file, self.line, start - self.line_start + 1)
        return self.last

    def body(self, obj: object, path: str, pos: Pos) -> ast.Body:
        if not isinstance(obj, dict):
            raise HclSyntaxError(f"{path or 'the document'} must be a JSON object", pos=pos)
        attributes: dict[str, ast.Attribute] = {}
        blocks: list[ast.Block] = []
        for key, value in obj.items():
            kpos = self.key_pos(key)
            if key == "//":
                self.expr(value, kpos)  # HCL JSON comment: visited only to keep key positions in step
                continue
            nlabels = self.block_types.get(f"{path}.{key}" if path else key)
            if nlabels is None:
                attributes[key] = ast.Attribute(key, self.expr(value, kpos), kpos)
            else:
                blocks.extend(self.blocks(key, value, nlabels, (), f"{path}.{key}" if path else key, kpos))
        return ast.Body(attributes, tuple(blocks), pos)

    def blocks(  # noqa: PLR0917 - recursive helper carrying the block being assembled
        self, btype: str, value: object, nlabels: int, labels: tuple[str, ...], path: str, pos: Pos
    ) -> list[ast.Block]:
        if isinstance(value, list):
            return [b for item in value for b in self.blocks(btype, item, nlabels, labels, path, pos)]
        if len(labels) < nlabels:
            if not isinstance(value, dict):
                raise HclSyntaxError(f"block '{btype}' needs {nlabels} label(s) as nested object keys", pos=pos)
            out: list[ast.Block] = []
            for k, v in value.items():
                out.extend(self.blocks(btype, v, nlabels, (*labels, k), path, self.key_pos(k)))
            return out
        return [ast.Block(btype, labels, self.body(value, path, pos), pos)]

    def expr(self, value: object, pos: Pos) -> ast.Expr:
        if isinstance(value, str):
            if "${" in value or "%{" in value:
                return self.parse_template(value, self.file, pos.line, pos.col)
            return ast.Literal(nfc(value), pos)
        if isinstance(value, list):
            return ast.TupleExpr(tuple(self.expr(v, pos) for v in value), pos)
        if isinstance(value, dict):
            items = []
            for k, v in value.items():
                kpos = self.key_pos(k)
                items.append((self.key(k, kpos), self.expr(v, kpos)))
            return ast.ObjectExpr(tuple(items), pos)
        return ast.Literal(value, pos)  # numbers arrive parsed by numbers.parse_number

    def key(self, key: str, pos: Pos) -> ast.Expr:
        if "${" in key:
            return self.parse_template(key, self.file, pos.line, pos.col)
        return ast.Literal(key, pos)
