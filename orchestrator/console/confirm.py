"""The question before ``run-all apply`` / ``destroy``: what will happen, where. Pure.

It names the command (``DESTROY`` in capitals for ``destroy`` and ``apply -destroy``), the number of
modules per account (named from account.hcl when known) and lists the modules when the whole
question fits on the screen; otherwise only the counts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

DESTROY_FLAGS = frozenset({"-destroy", "--destroy"})


def is_destroy(command: str, args: Sequence[str]) -> bool:
    return command == "destroy" or (command == "apply" and any(a in DESTROY_FLAGS for a in args))


def _plural(n: int) -> str:
    return f"{n} module{'s' if n != 1 else ''}"


def confirm_lines(
    command: str, args: Sequence[str], modules: Sequence[str], account_of: Callable[[str], str | None], height: int
) -> list[str]:
    """The question's lines (without the final ``Continue?``). ``account_of`` labels a module's
    account (None: unknown); ``height``: the terminal's lines."""
    words = " ".join(["terraform", command, *args])
    if is_destroy(command, args):
        head = f"tgo will DESTROY the resources of {_plural(len(modules))} ({words}):"
    else:
        head = f"tgo will run `{words}` in {_plural(len(modules))}:"
    by_account: dict[str, list[str]] = defaultdict(list)
    for module in modules:
        by_account[account_of(module) or "account unknown"].append(module)
    fits = 1 + len(by_account) + len(modules) + 2 <= height
    lines = [head]
    for account in sorted(by_account):
        lines.append(f"  {account}: {_plural(len(by_account[account]))}")
        if fits:
            lines += [f"    {m}" for m in by_account[account]]
    if not fits:
        lines.append("  (the list does not fit on the screen; `tgo find` lists them)")
    return lines
