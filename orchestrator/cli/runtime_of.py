"""The Runtime of one tgo invocation, sharing the entry point's Redactor.

The entry point (:func:`orchestrator.cli.main`) makes one :class:`~orchestrator.redaction.Redactor`
per invocation and hands it to click as ``obj``; every command builds its Runtime with
:func:`cli_runtime`, so the credentials the command learns (each role session it obtains) are also
masked in the fatal error the entry point prints at exit, which is outside any command's console."""

from __future__ import annotations

import click

from orchestrator.redaction import Redactor
from orchestrator.runtime import Runtime


def invocation_redactor() -> Redactor | None:
    """The Redactor of this invocation; None when a command is invoked outside the entry point."""
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    found = obj.get("redactor") if isinstance(obj, dict) else None
    return found if isinstance(found, Redactor) else None


def cli_runtime() -> Runtime:
    """:meth:`Runtime.from_os` with this invocation's Redactor."""
    return Runtime.from_os(redactor=invocation_redactor())
