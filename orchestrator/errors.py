"""Every failure tgo reports to a user is a :class:`TgoError`.

Contract:
- Exceptions are for bad input (configs, flags, graphs) and bugs. A terraform module that fails
  is a value in the run report, never an exception.
- Each error carries where it happened (``file``, ``line``, ``col``), what it is about (``attr``,
  an attribute path such as ``dependency.vpc.config_path``), and ``hint``, what to do about it.
- :meth:`TgoError.format` renders one line a user can act on: ``file:line:col: attr: message (hint)``.
- The CLI maps :attr:`TgoError.exit_code` to the process exit code; nothing else does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CHANGES = 2
EXIT_CONFIG = 3
EXIT_USAGE = 64
EXIT_INTERRUPTED = 130


@dataclass(frozen=True, slots=True)
class Pos:
    """A place in a source file; ``line`` and ``col`` are 1-based (0 when unknown)."""

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.col}" if self.col else f"{self.file}:{self.line}"
        return self.file


class TgoError(Exception):
    """Root of every error tgo shows to a user. Not raised for failed terraform runs."""

    exit_code = EXIT_CONFIG

    def __init__(
        self,
        message: str,
        *,
        pos: Pos | None = None,
        attr: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos
        self.attr = attr
        self.hint = hint

    def with_context(self, *, pos: Pos | None = None, attr: str | None = None) -> TgoError:
        """Fill in a position or attribute path that was not known where the error was raised."""
        if self.pos is None or (self.pos.line == 0 and pos is not None and pos.line):
            self.pos = pos
        if self.attr is None:
            self.attr = attr
        return self

    def format(self) -> str:
        parts = []
        if self.pos is not None:
            parts.append(f"{self.pos}:")
        if self.attr:
            parts.append(f"{self.attr}:")
        parts.append(self.message)
        text = " ".join(parts)
        if self.hint:
            text += f" ({self.hint})"
        return text

    def __str__(self) -> str:
        return self.format()


class UsageError(TgoError):
    """Bad flags or arguments on the command line (exit 64)."""

    exit_code = EXIT_USAGE


class HclSyntaxError(TgoError):
    """A file is not valid HCL."""


class EvalError(TgoError):
    """An expression could not be evaluated (unknown variable, bad function argument, type error)."""


class ReferenceCycleError(EvalError):
    """A value depends on itself (e.g. ``local.a -> local.b -> local.a``). ``try()`` and ``can()`` never
    swallow it: a cycle is a mistake in the config, not a value that is merely missing."""


class ConfigError(TgoError):
    """A config is well-formed HCL but not a valid tgo/Terragrunt config."""


class GraphError(TgoError):
    """The module graph is invalid: a cycle, or a dependency that holds no module."""


class AuthError(TgoError):
    """A role could not be assumed, or base credentials are missing or expired (exit 1)."""

    exit_code = EXIT_FAILED


class ToolError(TgoError):
    """A required external tool (terraform, git) is missing or unusable (exit 3, nothing ran)."""


class ConfigErrors(TgoError):
    """Several errors collected over a whole tree; the CLI prints each one on its own line."""

    def __init__(self, errors: Sequence[TgoError]) -> None:
        self.errors = list(errors)
        count = len(self.errors)
        super().__init__(f"{count} configuration error{'s' if count != 1 else ''}")

    def format(self) -> str:
        return "\n".join(e.format() for e in self.errors)

    @classmethod
    def collect(cls, errors: Iterable[TgoError]) -> ConfigErrors:
        """Flatten nested collections so each error is printed once."""
        flat: list[TgoError] = []
        for err in errors:
            flat.extend(err.errors if isinstance(err, ConfigErrors) else [err])
        return cls(flat)


def relpath(path: Path | str, base: Path | None = None) -> str:
    """A path for messages: relative to ``base`` (or the cwd) when below it, else absolute."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to((base or Path.cwd()).resolve()))
    except ValueError:
        return str(p)
