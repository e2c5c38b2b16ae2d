"""Encoding functions: jsonencode/jsondecode, yamlencode/yamldecode, base64, urlencode, csvdecode.

``jsonencode`` matches Terraform byte for byte on common values: keys sorted, no spaces, ``<>&`` and
U+2028/U+2029 escaped as Go does, numbers without a trailing ``.0``. ``yamlencode`` follows Terraform's
style: block syntax, strings and keys double-quoted, multi-line strings as literal blocks.
A value holding an unknown anywhere encodes to UNKNOWN.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import csv
import datetime
import io
import json
import math
import struct
import urllib.parse
import zlib
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from orchestrator.errors import EvalError
from orchestrator.hcl.functions.coerce import format_number, is_mapping, normalize_number
from orchestrator.hcl.functions.registry import Builtin, table, want_str
from orchestrator.hcl.numbers import parse_number
from orchestrator.hcl.text import nfc
from orchestrator.hcl.values import UNKNOWN, Value

__all__ = ["FUNCTIONS", "json_encode"]

_GO_HTML_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


class _Unknown(Exception):
    """Raised inside the encoders when an unknown is found; never leaves this module."""


def _json_string(text: str) -> str:
    out = json.dumps(text, ensure_ascii=False)
    for raw, esc in _GO_HTML_ESCAPES:
        if raw in out:
            out = out.replace(raw, esc)
    return out


def _json_number(value: Any) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        raise EvalError(f"jsonencode() cannot encode the number {value}")
    return format_number(value)  # exact: 0.1 + 0.2 encodes as 0.3, as cty's big floats do


def _json(value: Value, out: list[str]) -> None:
    t = type(value)
    if t is str:
        out.append(_json_string(value))
    elif value is None:
        out.append("null")
    elif t is bool:
        out.append("true" if value else "false")
    elif t is int or t is Fraction or t is float:
        out.append(_json_number(value))
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _json(item, out)
        out.append("]")
    elif is_mapping(value):
        out.append("{")
        for i, key in enumerate(sorted(value)):
            if i:
                out.append(",")
            out.append(_json_string(str(key)))
            out.append(":")
            _json(value[key], out)
        out.append("}")
    elif value is UNKNOWN:
        raise _Unknown
    else:
        raise EvalError(f"jsonencode() cannot encode a {type(value).__name__}")


def json_encode(value: Value) -> Value:
    """Terraform's ``jsonencode``; UNKNOWN if the value holds an unknown."""
    out: list[str] = []
    try:
        _json(value, out)
    except _Unknown:
        return UNKNOWN
    return "".join(out)


def fn_jsonencode(value: Value) -> Value:
    return json_encode(value)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _normalize(value: Any) -> Value:
    if type(value) is str:
        return nfc(value)  # "e\u0308" escapes decode to a decomposed string; cty holds NFC
    if isinstance(value, float):
        return normalize_number(value)
    if isinstance(value, list):
        return [_normalize(v) for v in value]
    if isinstance(value, dict):
        return {k: _normalize(v) for k, v in value.items()}
    return value


def fn_jsondecode(text: Value) -> Value:
    source = want_str("jsondecode", 1, text)
    try:
        return _normalize(json.loads(source, parse_constant=_reject_constant, parse_float=parse_number))
    except (ValueError, RecursionError) as exc:
        raise EvalError(f"jsondecode(): invalid JSON: {exc}", hint="check the string passed to jsondecode()") from None


# ------------------------------------------------------------------------------------------------
# YAML


def _yaml_scalar(value: Value) -> str | None:
    """Inline text for scalars and empty collections; None for block nodes."""
    t = type(value)
    if value is None:
        return "null"
    if t is bool:
        return "true" if value else "false"
    if t is int or t is Fraction or t is float:
        return _json_number(value)
    if t is str:
        return None if "\n" in value and value.strip("\n") and not value.startswith(" ") else _json_string(value)
    if value is UNKNOWN:
        raise _Unknown
    if isinstance(value, list | tuple):
        return None if value else "[]"
    if is_mapping(value):
        return None if len(value) else "{}"
    raise EvalError(f"yamlencode() cannot encode a {type(value).__name__}")


def _literal(text: str, indent: int) -> tuple[str, list[str]]:
    stripped = text.rstrip("\n")
    trailing = len(text) - len(stripped)
    header = "|-" if trailing == 0 else ("|" if trailing == 1 else "|+")
    pad = " " * indent
    lines = [pad + ln if ln else "" for ln in stripped.split("\n")]
    lines.extend([""] * (trailing - 1 if trailing > 1 else 0))
    return header, lines


def _yaml_child(prefix: str, value: Value, indent: int, seq_in_map: bool) -> list[str]:
    inline = _yaml_scalar(value)
    if inline is not None:
        return [f"{prefix} {inline}"]
    if type(value) is str:
        header, lines = _literal(value, indent + 2)
        return [f"{prefix} {header}", *lines]
    if isinstance(value, list | tuple):
        return [prefix, *_yaml_seq(value, indent if seq_in_map else indent + 2)]
    return [prefix, *_yaml_map(value, indent + 2)]


def _yaml_map(value: Mapping[str, Value], indent: int) -> list[str]:
    lines: list[str] = []
    pad = " " * indent
    for key in sorted(value):
        lines.extend(_yaml_child(f"{pad}{_json_string(str(key))}:", value[key], indent, seq_in_map=True))
    return lines


def _yaml_seq(value: list[Value] | tuple[Value, ...], indent: int) -> list[str]:
    lines: list[str] = []
    pad = " " * indent
    for item in value:
        inline = _yaml_scalar(item)
        if inline is not None:
            lines.append(f"{pad}- {inline}")
        elif type(item) is str:
            header, body = _literal(item, indent + 2)
            lines.extend([f"{pad}- {header}", *body])
        else:
            sub = _yaml_map(item, indent + 2) if is_mapping(item) else _yaml_seq(item, indent + 2)
            lines.append(f"{pad}- {sub[0][indent + 2 :]}")
            lines.extend(sub[1:])
    return lines


def fn_yamlencode(value: Value) -> Value:
    try:
        inline = _yaml_scalar(value)
        if inline is not None:
            # A bare plain scalar ends its document explicitly, as go-cty-yaml (Terraform) emits it.
            plain = value is None or type(value) in (bool, int, Fraction, float)
            return inline + ("\n...\n" if plain else "\n")
        if type(value) is str:
            header, lines = _literal(value, 2)
            return "\n".join([header, *lines]) + "\n"
        lines = _yaml_map(value, 0) if is_mapping(value) else _yaml_seq(value, 0)
    except _Unknown:
        return UNKNOWN
    return "\n".join(lines) + "\n"


def _from_yaml(value: Any) -> Value:
    if isinstance(value, float):
        if not math.isfinite(value):
            raise EvalError("yamldecode(): infinite and NaN numbers are not supported")
        return normalize_number(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        raise EvalError("yamldecode(): binary values are not supported")
    if isinstance(value, list):
        return [_from_yaml(v) for v in value]
    if isinstance(value, dict):
        return {_yaml_key(k): _from_yaml(v) for k, v in value.items()}
    return value


def _yaml_key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    if isinstance(key, int | float | Fraction):
        return format_number(key)
    if isinstance(key, str):
        return key
    raise EvalError("yamldecode(): mapping keys must be scalars")


def fn_yamldecode(text: Value) -> Value:
    source = want_str("yamldecode", 1, text)
    # Imported here: PyYAML takes a twentieth of a second to import and few configs decode YAML.
    import yaml

    from orchestrator.hcl.functions.yamlscalars import load_documents

    try:
        docs = load_documents(source)
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        raise EvalError(f"yamldecode(): invalid YAML: {exc}".splitlines()[0]) from None
    if len(docs) > 1:
        raise EvalError("yamldecode(): the string holds several YAML documents; only one is allowed")
    return _from_yaml(docs[0]) if docs else None


# ------------------------------------------------------------------------------------------------
# base64, url, csv


def fn_base64encode(text: Value) -> Value:
    return base64.b64encode(want_str("base64encode", 1, text).encode()).decode()


def fn_base64decode(text: Value) -> Value:
    source = want_str("base64decode", 1, text)
    try:
        raw = base64.b64decode(source, validate=True)
    except (binascii.Error, ValueError):
        raise EvalError("base64decode(): the string is not valid base64") from None
    try:
        return raw.decode()
    except UnicodeDecodeError:
        raise EvalError(
            "base64decode(): the decoded bytes are not valid UTF-8", hint="use filebase64() for binary"
        ) from None


def fn_urlencode(text: Value) -> Value:
    return urllib.parse.quote_plus(want_str("urlencode", 1, text), safe="")


def fn_csvdecode(text: Value) -> Value:
    source = want_str("csvdecode", 1, text)
    try:
        rows = list(csv.reader(io.StringIO(source), strict=True))
    except csv.Error as exc:
        raise EvalError(f"csvdecode(): invalid CSV: {exc}") from None
    if not rows:
        raise EvalError("csvdecode(): the CSV has no header row")
    header, *data = rows
    out = []
    for n, row in enumerate(data, start=2):
        if len(row) != len(header):
            raise EvalError(f"csvdecode(): line {n} has {len(row)} fields; the header has {len(header)}")
        out.append(dict(zip(header, row, strict=True)))
    return out


def _codec(fname: str, value: Value) -> str:
    name = want_str(fname, 2, value)
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise EvalError(
            f'{fname}(): "{name}" is not a supported IANA encoding name or alias',
            hint='use e.g. "UTF-8", "UTF-16LE" or "windows-1252"',
        ) from None


def fn_textencodebase64(text: Value, encoding: Value) -> Value:
    codec = _codec("textencodebase64", encoding)
    try:
        return base64.b64encode(want_str("textencodebase64", 1, text).encode(codec)).decode()
    except UnicodeError:
        raise EvalError(
            f"textencodebase64(): the given string contains characters that cannot be represented in {codec}"
        ) from None


def fn_textdecodebase64(text: Value, encoding: Value) -> Value:
    codec = _codec("textdecodebase64", encoding)
    source = want_str("textdecodebase64", 1, text)
    try:
        raw = base64.b64decode(source, validate=True)
    except (binascii.Error, ValueError):
        raise EvalError("textdecodebase64(): the given value is not valid base64") from None
    try:
        return raw.decode(codec)
    except UnicodeError:
        raise EvalError(
            f"textdecodebase64(): the given string contains symbols that are not defined for {codec}"
        ) from None


# Go's compress/gzip as Terraform's base64gzip calls it: a header with no name or time and OS
# "unknown", the deflate stream sync-flushed, then Go's closing empty stored block.
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
_GO_FINAL_BLOCK = b"\x01\x00\x00\xff\xff"


def fn_base64gzip(text: Value) -> Value:
    data = want_str("base64gzip", 1, text).encode()
    deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = deflate.compress(data) + deflate.flush(zlib.Z_SYNC_FLUSH) + _GO_FINAL_BLOCK
    trailer = struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)
    return base64.b64encode(_GZIP_HEADER + body + trailer).decode()


FUNCTIONS: Mapping[str, Builtin] = table(
    fn_jsondecode,
    fn_yamldecode,
    fn_base64encode,
    fn_base64decode,
    fn_urlencode,
    fn_csvdecode,
    fn_textencodebase64,
    fn_textdecodebase64,
    fn_base64gzip,
    unknown_ok=(fn_jsonencode, fn_yamlencode),
)
