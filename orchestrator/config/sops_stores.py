"""Reading encrypted sops files and writing their clear text, per format, as sops's stores do.

The format comes from the file name as sops's ``FormatForPath`` decides: ``.yaml``/``.yml``,
``.json``, ``.env`` (dotenv), ``.ini``, anything else binary (a JSON envelope whose ``data`` is
the whole file). Clear output:

- YAML: block style with 4-space indentation and indented sequences (sops's default), keys in
  file order; strings that would read back as another type are double-quoted, multi-line strings
  are literal blocks. Comments are not kept (sops keeps them).
- JSON: tab-indented, keys in file order, ``<``, ``>`` and ``&`` escaped as Go's encoder does.
- dotenv: ``KEY=value`` lines, newlines in values written ``\\n``.
- INI: ``[section]`` blocks of ``key = value``.
- binary: the decrypted ``data`` itself.

Scalars are typed as Go's yaml.v3 does (``yes`` stays a string, ``0o17`` is 15), so the MAC
matches sops's. Pure; raises SopsError.
"""

from __future__ import annotations

import base64
import io
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import yaml

from orchestrator.config.sops_tree import SopsError, go_float

FORMATS = ("yaml", "json", "dotenv", "ini", "binary")
_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_FLOAT_RE = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_INT_RE = re.compile(r"^[-+]?(0b[01]+|0o[0-7]+|0x[0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$")
_SPECIAL_FLOATS = {
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
}
_GO_HTML = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))
_INT64 = 2**63


def format_for_path(path: str) -> str:
    """sops's ``FormatForPath``."""
    if path.endswith((".yaml", ".yml")):
        return "yaml"
    if path.endswith(".json"):
        return "json"
    if path.endswith(".env"):
        return "dotenv"
    if path.endswith(".ini"):
        return "ini"
    return "binary"


def resolve_plain(text: str) -> Any:
    """A plain YAML scalar typed as yaml.v3 types it when decoding into an interface (no timestamps)."""
    if text in _NULL:
        return None
    if text in _BOOL:
        return _BOOL[text]
    if text in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[text]
    plain = text.replace("_", "")
    if _INT_RE.match(plain):
        sign = -1 if plain.startswith("-") else 1
        digits = plain.lstrip("+-")
        base = {"0b": 2, "0o": 8, "0x": 16}.get(digits[:2], 8 if len(digits) > 1 and digits[0] == "0" else 10)
        value = sign * int(digits[2:] if base in (2, 16) or digits[:2] == "0o" else digits, base)
        if -_INT64 <= value < _INT64:
            return value
    if _FLOAT_RE.match(plain):
        return float(plain)
    return text


class _Loader(yaml.SafeLoader):
    """Plain scalars resolved by :func:`resolve_plain`; quoted ones stay strings."""


def _scalar(loader: _Loader, node: yaml.ScalarNode) -> Any:
    return resolve_plain(node.value) if node.style is None or node.style == "" else node.value


_Loader.yaml_implicit_resolvers = {}
_Loader.add_constructor("tag:yaml.org,2002:str", _scalar)  # every plain scalar resolves to str first


@dataclass
class Document:
    """An encrypted file read: its data ``branches`` (one per YAML document) and its metadata."""

    branches: list[Any]
    metadata: dict[str, Any]


def _yaml_load(text: str) -> Document:
    try:
        docs = [d for d in yaml.load_all(text, Loader=_Loader) if d is not None]
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise SopsError(f"not valid YAML{where}") from None
    metadata: dict[str, Any] | None = None
    branches = []
    for doc in docs:
        if not isinstance(doc, dict):
            raise SopsError("a sops YAML document must be a mapping")
        if "sops" in doc:
            metadata = doc.pop("sops")
        branches.append(doc)
    return _document(branches, metadata)


def _document(branches: list[Any], metadata: Any) -> Document:
    if not isinstance(metadata, dict):
        raise SopsError("sops metadata not found (the file is not encrypted with sops)")
    return Document(branches, metadata)


def _json_load(text: str) -> Document:
    try:
        data = json.loads(text, parse_int=float)  # Go decodes every JSON number as float64
    except ValueError as err:
        raise SopsError(f"not valid JSON ({err})") from None
    if not isinstance(data, dict):
        raise SopsError("sops only reads JSON files with a top-level object")
    return _document([data], data.pop("sops", None))


def _unflatten(flat: dict[str, str]) -> dict[str, Any]:
    """sops's ``UnflattenMetadata``: ``age__list_0__map_recipient`` -> ``{"age": [{"recipient": ...}]}``."""
    out: dict[str, Any] = {}
    for key, value in flat.items():
        tokens: list[str | int] = []
        for i, part in enumerate(re.split(r"(__map_|__list_)", key)):
            if i == 0:
                tokens.append(part)
            elif i % 2 == 0:
                tokens.append(int(part) if re.split(r"(__map_|__list_)", key)[i - 1] == "__list_" else part)
        node: Any = out
        for token, nxt in zip(tokens, [*tokens[1:], None], strict=True):
            if nxt is None:
                _put(node, token, value.replace("\\n", "\n"))
            else:
                child = _get(node, token)
                if child is None:
                    child = [] if isinstance(nxt, int) else {}
                    _put(node, token, child)
                node = child
    return out


def _get(node: Any, token: str | int) -> Any:
    if isinstance(node, list):
        return node[token] if isinstance(token, int) and token < len(node) else None
    return node.get(token)


def _put(node: Any, token: str | int, value: Any) -> None:
    if isinstance(node, list) and isinstance(token, int):
        node.extend([None] * (token + 1 - len(node)))
        node[token] = value
    else:
        node[token] = value


def _dotenv_load(text: str) -> Document:
    data: dict[str, Any] = {}
    flat: dict[str, str] = {}
    for number, line in enumerate(text.split("\n"), 1):
        if not line or line.startswith("#"):
            continue
        key, eq, value = line.partition("=")
        if not eq:
            raise SopsError(f"invalid dotenv line {number}")
        if key.startswith("sops_"):
            flat[key[5:]] = value
        else:
            data[key] = value.replace("\\n", "\n")
    return _document([data], _unflatten(flat) if flat else None)


def _ini_load(text: str) -> Document:
    sections: dict[str, dict[str, Any]] = {}
    current: dict[str, Any] | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1].strip(), {})
        elif "=" in line and current is not None:
            key, _, value = line.partition("=")
            current[key.strip()] = value.strip()
        else:
            raise SopsError(f"invalid INI line {number}")
    flat = sections.pop("sops", None)
    return _document([sections], _unflatten(flat) if flat else None)


LOADERS: dict[str, Callable[[str], Document]] = {
    "yaml": _yaml_load,
    "json": _json_load,
    "dotenv": _dotenv_load,
    "ini": _ini_load,
    "binary": _json_load,
}


def go_json_float(value: float) -> str:
    """Go's encoding/json float64: fixed notation unless tiny or huge, exponent without padding."""
    if math.isnan(value) or math.isinf(value):
        raise SopsError("cannot write NaN or infinity as JSON")
    if value and (abs(value) < 1e-6 or abs(value) >= 1e21):
        return re.sub(r"e([-+])0(\d)$", r"e\1\2", repr(value))
    return go_float(value)


def _json_string(text: str) -> str:
    out = json.dumps(text, ensure_ascii=False)
    for raw, escaped in _GO_HTML:
        out = out.replace(raw, escaped)
    return out


def _json_pretty(node: Any, depth: int, out: list[str]) -> None:
    """sops's encodeTree + json.Indent with a tab: keys in order, one item per line."""
    pad = "\t" * (depth + 1)
    if isinstance(node, dict | list) and not node:
        out.append("{}" if isinstance(node, dict) else "[]")
    elif isinstance(node, dict):
        out.append("{")
        for i, (key, value) in enumerate(node.items()):
            out.append(("," if i else "") + "\n" + pad + _json_string(key) + ": ")
            _json_pretty(value, depth + 1, out)
        out.append("\n" + "\t" * depth + "}")
    elif isinstance(node, list):
        out.append("[")
        for i, value in enumerate(node):
            out.append(("," if i else "") + "\n" + pad)
            _json_pretty(value, depth + 1, out)
        out.append("\n" + "\t" * depth + "]")
    elif isinstance(node, bool):
        out.append("true" if node else "false")
    elif node is None:
        out.append("null")
    elif isinstance(node, int):
        out.append(str(node))
    elif isinstance(node, float):
        out.append(go_json_float(node))
    elif isinstance(node, bytes):
        out.append(json.dumps(base64.b64encode(node).decode()))
    else:
        out.append(_json_string(str(node)))


def _json_emit(branches: list[Any]) -> str:
    out: list[str] = []
    _json_pretty(branches[0], 0, out)
    return "".join(out) + "\n"


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return go_float(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


def _dotenv_emit(branches: list[Any]) -> str:
    lines = []
    for key, value in branches[0].items():
        if isinstance(value, dict | list):
            raise SopsError(f"cannot use complex value in dotenv file: {key}")
        lines.append(f"{key}={_scalar_text(value).replace(chr(10), chr(92) + 'n')}\n")
    return "".join(lines)


def _ini_emit(branches: list[Any]) -> str:
    out = []
    for name, section in branches[0].items():
        out.append(f"[{name}]\n")
        out.extend(f"{key} = {_scalar_text(value)}\n" for key, value in section.items())
        out.append("\n")
    return "".join(out)


def go_yaml_float(value: float) -> str:
    """yaml.v3's float: Go's ``FormatFloat(f, 'g', -1, 64)`` (exponent from 1e21 up or below 1e-4)."""
    if math.isnan(value):
        return ".nan"
    if value in (math.inf, -math.inf):
        return ".inf" if value > 0 else "-.inf"
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    assert isinstance(exponent, int)
    exp = len(digits) + exponent - 1
    if value == 0 or -4 <= exp < 21:
        return go_float(value)
    mantissa = str(digits[0]) + ("." + "".join(map(str, digits[1:])) if len(digits) > 1 else "")
    return f"{'-' if sign else ''}{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"


def _yaml_scalar(value: Any, indent: int) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_yaml_float(value)
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    if "\n" in text:
        chomp = "" if text.endswith("\n") and not text.endswith("\n\n") else ("+" if text.endswith("\n") else "-")
        pad = " " * (indent + 4)
        body = "\n".join(pad + line if line else "" for line in text.rstrip("\n").split("\n"))
        return f"|{chomp}\n{body}"
    if not isinstance(resolve_plain(text), str):
        return json.dumps(text, ensure_ascii=False)
    analysis = yaml.emitter.Emitter(io.StringIO()).analyze_scalar(text)
    if analysis.allow_block_plain and not analysis.multiline:
        return text
    if analysis.allow_single_quoted:
        return "'" + text.replace("'", "''") + "'"
    return json.dumps(text, ensure_ascii=False)


def _yaml_node(node: Any, indent: int, out: list[str]) -> None:
    """Block YAML as yaml.v3 writes it with sops's indentation of 4: ``key:`` then the value
    indented by 4, list items as ``- `` with the item's further lines aligned after the dash."""
    pad = " " * indent
    if isinstance(node, dict):
        for key, value in node.items():
            head = f"{pad}{_yaml_scalar(str(key), indent)}:"
            if isinstance(value, dict | list) and value:
                out.append(head + "\n")
                _yaml_node(value, indent + 4, out)
            else:
                out.append(f"{head} {_yaml_collection_or_scalar(value, indent)}\n")
    else:
        for item in node:
            if isinstance(item, dict | list) and item:
                inner: list[str] = []
                _yaml_node(item, indent + 2, inner)
                text = "".join(inner)
                out.append(pad + "- " + text[indent + 2 :])
            else:
                out.append(f"{pad}- {_yaml_collection_or_scalar(item, indent)}\n")


def _yaml_collection_or_scalar(value: Any, indent: int) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _yaml_scalar(value, indent)


def _yaml_emit(branches: list[Any]) -> str:
    docs = []
    for branch in branches:
        out: list[str] = []
        _yaml_node(branch, 0, out)
        docs.append("".join(out) or "{}\n")
    return "---\n".join(docs)


def _binary_emit(branches: list[Any]) -> str:
    data = branches[0].get("data") if isinstance(branches[0], dict) else None
    if isinstance(data, bytes):
        return data.decode("utf-8")
    if not isinstance(data, str):
        raise SopsError("no binary data found in the sops envelope")
    return data


EMITTERS: dict[str, Callable[[list[Any]], str]] = {
    "yaml": _yaml_emit,
    "json": _json_emit,
    "dotenv": _dotenv_emit,
    "ini": _ini_emit,
    "binary": _binary_emit,
}
