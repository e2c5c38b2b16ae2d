"""YAML scalars as Terraform's ``yamldecode`` reads them (go-cty-yaml's ``resolve.go``).

PyYAML resolves plain scalars by YAML 1.1 (``0777`` is octal 511, ``1_000`` is 1000, ``12:30`` is
750, dates become ``datetime``). go-cty-yaml does it its own way, and that is what Terraform returns:

- ``y``/``yes``/``on``/``true`` (three spellings each) are true, the ``n``/``no``/``off``/``false``
  family false, ``~``/``null``/empty null; ``.nan`` and infinities are errors here (tgo has no
  infinite numbers);
- a scalar starting with a digit or sign is a timestamp when it parses as one (written back as
  RFC 3339 without fractions: ``2002-12-14`` is ``"2002-12-14T00:00:00Z"``), else a decimal number
  with ``_`` removed (``0777`` is 777, ``012345678901`` is 12345678901, ``1_000`` is 1000), else
  ``0b...`` binary, else a string (``0x1F``, ``12:30`` stay strings);
- quoted and block scalars are strings; explicit ``!!int``/``!!float``/``!!bool``/``!!null``/
  ``!!str``/``!!timestamp``/``!!binary`` tags as go-cty-yaml reads them; other tags are errors.

Contract: :func:`load_documents` returns the decoded documents or raises yaml.YAMLError / ValueError.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import re
from typing import Any, Final

import yaml

from orchestrator.hcl.numbers import parse_number

__all__ = ["load_documents", "resolve_plain"]

_PLAIN_TAG: Final = "tag:tgo,2026:plain"
_BOOLS: Final = {
    **dict.fromkeys(["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"], True),
    **dict.fromkeys(["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"], False),
}
_NULLS: Final = frozenset(["", "~", "null", "Null", "NULL"])
_NON_FINITE: Final = frozenset(
    [".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN"]
)
_DECIMAL_RE: Final = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
_DATE_RE: Final = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_TIME_RE: Final = re.compile(r"[Tt ](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})?")


def _timestamp(src: str) -> str | None:
    """go-cty-yaml's allowed layouts, written back as Go's time.RFC3339; None when not one."""
    date = _DATE_RE.match(src)
    if date is None:
        return None
    rest = src[date.end() :]
    tz: datetime.tzinfo = datetime.UTC
    hms = (0, 0, 0)
    if rest:
        m = _TIME_RE.fullmatch(rest)
        if m is None or (rest[0] == " ") == (m.group(5) is not None):  # a space: no zone; T: a zone
            return None
        hms = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
        zone = m.group(5)
        if zone and zone != "Z":
            sign = -1 if zone[0] == "-" else 1
            tz = datetime.timezone(sign * datetime.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
    try:
        when = datetime.datetime(int(date.group(1)), int(date.group(2)), int(date.group(3)), *hms, tzinfo=tz)
    except ValueError:
        return None
    offset = when.utcoffset() or datetime.timedelta(0)
    text = when.strftime("%Y-%m-%dT%H:%M:%S")
    if not offset:
        return text + "Z"
    minutes = int(offset.total_seconds()) // 60
    direction = "-" if minutes < 0 else "+"
    return f"{text}{direction}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _number(src: str) -> Any:
    plain = src.replace("_", "")
    if _DECIMAL_RE.fullmatch(plain):
        return parse_number(plain.removeprefix("+"))
    for prefix, sign in (("0b", 1), ("-0b", -1), ("+0b", 1)):
        if plain.startswith(prefix) and plain[len(prefix) :] and set(plain[len(prefix) :]) <= {"0", "1"}:
            return sign * int(plain[len(prefix) :], 2)
    return None


def resolve_plain(src: str) -> Any:
    """The value of an untagged plain scalar, as go-cty-yaml resolves it."""
    if src in _BOOLS:
        return _BOOLS[src]
    if src in _NULLS:
        return None
    if src in _NON_FINITE:
        raise ValueError(f"{src} is not a number tgo can represent (NaN or infinity)")
    first = src[0]
    if first == ".":
        return parse_number(src) if _DECIMAL_RE.fullmatch(src) else src
    if first.isdigit() or first in "+-":
        stamp = _timestamp(src)
        if stamp is not None:
            return stamp
        number = _number(src)
        return src if number is None else number
    return src


def _tagged_number(src: str) -> Any:
    number = _number(src)
    if number is None:
        try:
            number = int(src.replace("_", ""), 0)  # Go's ParseInt(s, 0, 64): 0x, 0o, 0b prefixes
        except ValueError:
            raise ValueError(f"cannot parse {src!r} as a number") from None
    return number


class _Loader(yaml.SafeLoader):
    """A safe loader whose plain scalars all go to :func:`resolve_plain`."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode and implicit[0]:
            return _PLAIN_TAG
        return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]


def _scalar(fn: Any) -> Any:
    def construct(loader: _Loader, node: Any) -> Any:
        return fn(loader.construct_scalar(node))

    return construct


def _bool(src: str) -> bool:
    if src not in _BOOLS:
        raise ValueError(f"cannot parse {src!r} as a bool")
    return _BOOLS[src]


def _stamp(src: str) -> str:
    stamp = _timestamp(src)
    if stamp is None:
        raise ValueError(f"cannot parse {src!r} as a timestamp")
    return stamp


def _binary(src: str) -> str:
    try:
        base64.b64decode("".join(src.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"cannot parse {src!r} as binary: not valid base64") from None
    return src


def _unsupported(loader: _Loader, node: Any) -> Any:
    raise ValueError(f"unsupported tag {node.tag!r}")


_Loader.add_constructor(_PLAIN_TAG, _scalar(resolve_plain))
_Loader.add_constructor("tag:yaml.org,2002:int", _scalar(_tagged_number))
_Loader.add_constructor("tag:yaml.org,2002:float", _scalar(_tagged_number))
_Loader.add_constructor("tag:yaml.org,2002:bool", _scalar(_bool))
_Loader.add_constructor("tag:yaml.org,2002:null", _scalar(lambda _src: None))
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _scalar(_stamp))
_Loader.add_constructor("tag:yaml.org,2002:binary", _scalar(_binary))
_Loader.add_constructor(None, _unsupported)


def load_documents(source: str) -> list[Any]:
    """Every document of ``source``, scalars resolved as go-cty-yaml does."""
    return list(yaml.load_all(source, Loader=_Loader))
