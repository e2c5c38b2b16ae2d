"""HCL's JSON syntax (``terragrunt.hcl.json``) as tgo's syntax tree.

Top-level keys are attributes except those named in ``block_types`` (name -> number of labels; a dotted
name such as ``terraform.before_hook`` applies inside that block). Labels are nested object keys; a list
of objects gives several blocks. Strings holding ``${`` or ``%{`` are parsed as templates by the
template parser handed in (the parser's, so this module needs no lark). Positions carry the file with
line 0: ``json`` gives no positions for values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from orchestrator.errors import HclSyntaxError, Pos
from orchestrator.hcl import ast

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
    """HCL's JSON syntax. Positions are the file with line 0 (JSON values carry no positions)."""

    def __init__(self, file: str, block_types: Mapping[str, int], parse_template: TemplateParser) -> None:
        self.file = file
        self.parse_template = parse_template
        self.pos = Pos(file, 0, 0)
        self.block_types = block_types

    def body(self, obj: object, path: str) -> ast.Body:
        if not isinstance(obj, dict):
            raise HclSyntaxError(f"{path or 'the document'} must be a JSON object", pos=self.pos)
        attributes: dict[str, ast.Attribute] = {}
        blocks: list[ast.Block] = []
        for key, value in obj.items():
            if key == "//":
                continue  # HCL JSON comment
            nlabels = self.block_types.get(f"{path}.{key}" if path else key)
            if nlabels is None:
                attributes[key] = ast.Attribute(key, self.expr(value), self.pos)
            else:
                blocks.extend(self.blocks(key, value, nlabels, (), f"{path}.{key}" if path else key))
        return ast.Body(attributes, tuple(blocks), self.pos)

    def blocks(self, btype: str, value: object, nlabels: int, labels: tuple[str, ...], path: str) -> list[ast.Block]:
        if isinstance(value, list):
            return [b for item in value for b in self.blocks(btype, item, nlabels, labels, path)]
        if len(labels) < nlabels:
            if not isinstance(value, dict):
                raise HclSyntaxError(f"block '{btype}' needs {nlabels} label(s) as nested object keys", pos=self.pos)
            return [b for k, v in value.items() for b in self.blocks(btype, v, nlabels, (*labels, k), path)]
        return [ast.Block(btype, labels, self.body(value, path), self.pos)]

    def expr(self, value: object) -> ast.Expr:
        if isinstance(value, str):
            if "${" in value or "%{" in value:
                return self.parse_template(value, self.file, 0, 0)
            return ast.Literal(value, self.pos)
        if isinstance(value, list):
            return ast.TupleExpr(tuple(self.expr(v) for v in value), self.pos)
        if isinstance(value, dict):
            items = tuple((self.key(k), self.expr(v)) for k, v in value.items())
            return ast.ObjectExpr(items, self.pos)
        if isinstance(value, float) and value.is_integer():
            return ast.Literal(int(value), self.pos)
        return ast.Literal(value, self.pos)

    def key(self, key: str) -> ast.Expr:
        if "${" in key:
            return self.parse_template(key, self.file, 0, 0)
        return ast.Literal(key, self.pos)
