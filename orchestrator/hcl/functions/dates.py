"""Date and time functions: timestamp, formatdate, timeadd, timecmp (RFC 3339 strings, as Terraform).

``timestamp`` reads the wall clock, so it is the one non-deterministic function besides ``uuid``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping

from orchestrator.errors import EvalError
from orchestrator.hcl.functions.registry import Builtin, table, want_str
from orchestrator.hcl.values import Value

__all__ = ["FUNCTIONS", "format_rfc3339", "parse_rfc3339"]

_RFC3339_RE = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
_DURATION_RE = re.compile(r"([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_SPEC_RE = re.compile(r"'(?:[^']|'')*'|([A-Za-z])\1*|[^A-Za-z']+")


def parse_rfc3339(fname: str, text: str) -> dt.datetime:
    if not _RFC3339_RE.fullmatch(text):
        raise EvalError(f'{fname}(): "{text}" is not an RFC 3339 timestamp', hint='write e.g. "2024-01-31T12:00:00Z"')
    try:
        return dt.datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    except ValueError as exc:
        raise EvalError(f'{fname}(): "{text}" is not a valid timestamp: {exc}') from None


def format_rfc3339(moment: dt.datetime) -> str:
    offset = moment.utcoffset() or dt.timedelta(0)
    base = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return base + ("Z" if offset == dt.timedelta(0) else moment.strftime("%z")[:3] + ":" + moment.strftime("%z")[3:])


def fn_timestamp() -> Value:
    return format_rfc3339(dt.datetime.now(dt.UTC).replace(microsecond=0))


def _zone(moment: dt.datetime, colon: bool) -> str:
    z = moment.strftime("%z") or "+0000"
    return z[:3] + ":" + z[3:] if colon else z


_TOKENS: Mapping[str, Callable[[dt.datetime], str]] = {
    "YYYY": lambda t: f"{t.year:04d}",
    "YY": lambda t: f"{t.year % 100:02d}",
    "MMMM": lambda t: t.strftime("%B"),
    "MMM": lambda t: t.strftime("%b"),
    "MM": lambda t: f"{t.month:02d}",
    "M": lambda t: str(t.month),
    "DD": lambda t: f"{t.day:02d}",
    "D": lambda t: str(t.day),
    "EEEE": lambda t: t.strftime("%A"),
    "EEE": lambda t: t.strftime("%a"),
    "hh": lambda t: f"{t.hour:02d}",
    "h": lambda t: str(t.hour),
    "HH": lambda t: f"{(t.hour % 12) or 12:02d}",
    "H": lambda t: str((t.hour % 12) or 12),
    "AA": lambda t: "AM" if t.hour < 12 else "PM",
    "aa": lambda t: "am" if t.hour < 12 else "pm",
    "mm": lambda t: f"{t.minute:02d}",
    "m": lambda t: str(t.minute),
    "ss": lambda t: f"{t.second:02d}",
    "s": lambda t: str(t.second),
    "ZZZZZ": lambda t: _zone(t, colon=True),
    "ZZZZ": lambda t: _zone(t, colon=False),
    "ZZZ": lambda t: _zone(t, colon=False) if t.utcoffset() else "UTC",
    "Z": lambda t: "Z" if not t.utcoffset() else _zone(t, colon=True),
}


def fn_formatdate(spec: Value, timestamp: Value) -> Value:
    fmt = want_str("formatdate", 1, spec)
    moment = parse_rfc3339("formatdate", want_str("formatdate", 2, timestamp))
    out = []
    for m in _SPEC_RE.finditer(fmt):
        token = m.group(0)
        if token.startswith("'"):
            out.append(token[1:-1].replace("''", "'") if token != "''" else "'")
        elif m.group(1):
            render = _TOKENS.get(token)
            if render is None:
                raise EvalError(
                    f"formatdate(): invalid date format token '{token}'", hint="quote literal text as 'text'"
                )
            out.append(render(moment))
        else:
            out.append(token)
    return "".join(out)


def parse_duration(fname: str, text: str) -> dt.timedelta:
    sign = -1.0 if text.startswith("-") else 1.0
    body = text.lstrip("+-")
    if body == "0":
        return dt.timedelta(0)
    pos, seconds = 0, 0.0
    for m in _DURATION_RE.finditer(body):
        if m.start() != pos:
            break
        seconds += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if pos != len(body) or not body:
        raise EvalError(f'{fname}(): "{text}" is not a duration', hint='write e.g. "1h30m", "10s" or "-24h"')
    return dt.timedelta(seconds=sign * seconds)


def fn_timeadd(timestamp: Value, duration: Value) -> Value:
    moment = parse_rfc3339("timeadd", want_str("timeadd", 1, timestamp))
    return format_rfc3339(moment + parse_duration("timeadd", want_str("timeadd", 2, duration)))


def fn_timecmp(a: Value, b: Value) -> Value:
    ta = parse_rfc3339("timecmp", want_str("timecmp", 1, a))
    tb = parse_rfc3339("timecmp", want_str("timecmp", 2, b))
    return (ta > tb) - (ta < tb)


FUNCTIONS: Mapping[str, Builtin] = table(fn_timestamp, fn_formatdate, fn_timeadd, fn_timecmp)
