"""``constraint_check(version, constraint)``: version constraints as hashicorp/go-version checks them.

Terragrunt parses the version with ``version.NewSemver`` and the constraint with
``version.NewConstraint``; this module follows go-version's rules exactly:

- a version is ``v?N(.N)*`` with an optional pre-release (``-rc1``, ``-beta.2``) and build metadata
  (``+abc``, ignored when comparing); fewer than three segments are padded with zeros;
- a constraint is a comma-separated list of ``op version`` (``=``, ``!=``, ``>``, ``<``, ``>=``, ``<=``,
  ``~>``, or no operator for ``=``); every one must hold;
- a pre-release version only satisfies a constraint that names a pre-release of the same
  ``major.minor.patch`` (``1.2.3-beta`` is not ``>= 1.0.0``); ``~>`` with a pre-release only matches
  pre-releases;
- ``~> 1.2`` allows ``1.x`` from ``1.2``; ``~> 1.2.3`` allows ``1.2.x`` from ``1.2.3``.

Pure; :func:`constraint_check` raises EvalError for a malformed version or constraint.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from orchestrator.errors import EvalError

_VERSION_BODY = (
    r"v?([0-9]+(\.[0-9]+)*?)"
    r"(-([0-9]+[0-9A-Za-z\-~]*(\.[0-9A-Za-z\-~]+)*)|(-?([A-Za-z\-~]+[0-9A-Za-z\-~]*(\.[0-9A-Za-z\-~]+)*)))?"
    r"(\+([0-9A-Za-z\-~]+(\.[0-9A-Za-z\-~]+)*))?"
)
# NewSemver: a pre-release must follow a "-" (NewVersion also takes "1.2.3beta").
_SEMVER_BODY = _VERSION_BODY.replace(r"|(-?([A-Za-z", r"|(-([A-Za-z")
_VERSION_RE = re.compile(f"^{_VERSION_BODY}$", re.ASCII)
_SEMVER_RE = re.compile(f"^{_SEMVER_BODY}$", re.ASCII)
_SPACE = r"[\t\n\f\r ]*"  # Go's \s
_CONSTRAINT_RE = re.compile(f"^{_SPACE}(~>|>=|<=|!=|=|>|<|){_SPACE}({_VERSION_BODY}){_SPACE}$", re.ASCII)
_INT64_MAX = 2**63 - 1


@dataclass(frozen=True)
class Version:
    """A parsed version: ``segments`` padded to three, ``given`` how many were written."""

    segments: tuple[int, ...]
    given: int
    pre: str
    metadata: str

    def text(self) -> str:
        out = ".".join(str(s) for s in self.segments)
        out += f"-{self.pre}" if self.pre else ""
        return out + (f"+{self.metadata}" if self.metadata else "")


def parse_version(text: str, *, semver: bool = False) -> Version:
    """go-version's ``NewVersion`` (``semver=True``: ``NewSemver``). Raises ValueError."""
    match = (_SEMVER_RE if semver else _VERSION_RE).match(text)
    if match is None:
        raise ValueError(f"malformed version: {text}")
    segments = [int(s) for s in match.group(1).split(".")]
    if any(s > _INT64_MAX for s in segments):
        raise ValueError(f"error parsing version: {text}: value out of range")
    given = len(segments)
    segments += [0] * (3 - len(segments))
    pre = match.group(7) or match.group(4) or ""
    return Version(tuple(segments), given, pre, match.group(10) or "")


def _compare_part(a: str, b: str) -> int:
    if a == b:
        return 0
    a_num, b_num = a.isdigit(), b.isdigit()  # strconv.ParseInt on [0-9A-Za-z-~] parts
    if a == "":
        return -1 if b_num else 1
    if b == "":
        return 1 if a_num else -1
    if a_num and not b_num:
        return -1
    if b_num and not a_num:
        return 1
    if not a_num:
        return 1 if a > b else -1
    return 1 if int(a) > int(b) else -1


def _compare_pre(a: str, b: str) -> int:
    if a == b:
        return 0
    left, right = a.split("."), b.split(".")
    for i in range(max(len(left), len(right))):
        got = _compare_part(left[i] if i < len(left) else "", right[i] if i < len(right) else "")
        if got:
            return got
    return 0


def compare(v: Version, o: Version) -> int:
    """-1, 0 or 1 as go-version's ``Version.Compare`` (build metadata ignored)."""
    if v.text() == o.text():
        return 0
    if v.segments == o.segments:
        if not v.pre and not o.pre:
            return 0
        if not v.pre:
            return 1
        if not o.pre:
            return -1
        return _compare_pre(v.pre, o.pre)
    for i in range(max(len(v.segments), len(o.segments))):
        if i >= len(v.segments):
            return -1 if any(o.segments[i:]) else 0
        if i >= len(o.segments):
            return 1 if any(v.segments[i:]) else 0
        if v.segments[i] != o.segments[i]:
            return -1 if v.segments[i] < o.segments[i] else 1
    return 0


def _pre_ok(v: Version, c: Version) -> bool:
    if c.pre and v.pre:
        return v.segments == c.segments
    return not (v.pre and not c.pre)


def _pessimistic(v: Version, c: Version) -> bool:
    if not _pre_ok(v, c) or (c.pre and not v.pre) or compare(v, c) < 0:
        return False
    size = len(c.segments)
    if size > len(v.segments):
        return False
    if any(v.segments[i] != c.segments[i] for i in range(c.given - 1)):
        return False
    return c.segments[size - 1] <= v.segments[size - 1]


_OPERATORS: dict[str, Callable[[Version, Version], bool]] = {
    "": lambda v, c: compare(v, c) == 0,
    "=": lambda v, c: compare(v, c) == 0,
    "!=": lambda v, c: compare(v, c) != 0,
    ">": lambda v, c: _pre_ok(v, c) and compare(v, c) == 1,
    "<": lambda v, c: _pre_ok(v, c) and compare(v, c) == -1,
    ">=": lambda v, c: _pre_ok(v, c) and compare(v, c) >= 0,
    "<=": lambda v, c: _pre_ok(v, c) and compare(v, c) <= 0,
    "~>": _pessimistic,
}


def parse_constraints(text: str) -> list[tuple[str, Version]]:
    """go-version's ``NewConstraint``: (operator, version) per comma-separated part. Raises ValueError."""
    out = []
    for single in text.split(","):
        match = _CONSTRAINT_RE.match(single)
        if match is None:
            raise ValueError(f"Malformed constraint: {single}")
        out.append((match.group(1), parse_version(match.group(2))))
    return out


def constraint_check(*args: object) -> bool:
    """Terragrunt's ``constraint_check(version, constraint)``. Raises EvalError for bad arguments."""
    if len(args) != 2:
        raise EvalError(f"constraint_check() takes 2 arguments (version, constraint), got {len(args)}")
    version, constraint = args
    if not isinstance(version, str) or not isinstance(constraint, str):
        raise EvalError("constraint_check() arguments must be strings")
    try:
        parsed = parse_version(version, semver=True)
    except ValueError as err:
        raise EvalError(
            f"constraint_check(): invalid version {version!r}: {err}", hint="use a version like 1.2.3 or 1.2.3-rc1"
        ) from None
    try:
        constraints = parse_constraints(constraint)
    except ValueError as err:
        raise EvalError(
            f"constraint_check(): invalid constraint {constraint!r}: {err}",
            hint='use comma-separated operator/version pairs such as ">= 1.2, < 2.0" or "~> 1.4"',
        ) from None
    return all(_OPERATORS[op](parsed, check) for op, check in constraints)
