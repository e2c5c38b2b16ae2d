"""Which AWS account a module belongs to, and ``--account ID|NAME`` selectors.

Convention (configurable): a live tree names its accounts in ``account.hcl`` files, each with
``locals { account_name = "prod"  account_id = "444444444444" }``, read by the modules through
``read_terragrunt_config(find_in_parent_folders("account.hcl"))``. tgo reads the same files directly:
every ``account.hcl`` under the working directory is one known account. The file name and the two local
names come from :class:`AccountConvention` (``TGO_ACCOUNT_FILE``, ``TGO_ACCOUNT_ID_LOCAL``,
``TGO_ACCOUNT_NAME_LOCAL``).

A module's account is the account of its role (after precedence), which the run engine already knows;
this module only maps names to IDs and IDs back to names.

Contract: :func:`resolve_selectors` raises :class:`~orchestrator.errors.UsageError` for a name no
account file declares (listing the known ones); :func:`known_accounts` raises
:class:`~orchestrator.errors.ConfigError` (file:line:col) when an account file is malformed or two
files disagree. Account files whose locals cannot be evaluated without Terragrunt functions are
skipped, not guessed. Everything is pure apart from reading the files; thread-safe.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from orchestrator.errors import ConfigError, Pos, TgoError, UsageError
from orchestrator.hcl.ast import Body
from orchestrator.hcl.evaluator import EvalContext, evaluate

ACCOUNT_ID_RE = re.compile(r"^\d{12}$")
_SKIP_DIRS = frozenset({".terragrunt-cache", ".terraform", "node_modules"})


@dataclass(frozen=True)
class AccountConvention:
    file: str = "account.hcl"
    id_local: str = "account_id"
    name_local: str = "account_name"

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> AccountConvention:
        return cls(
            file=environ.get("TGO_ACCOUNT_FILE") or "account.hcl",
            id_local=environ.get("TGO_ACCOUNT_ID_LOCAL") or "account_id",
            name_local=environ.get("TGO_ACCOUNT_NAME_LOCAL") or "account_name",
        )


@dataclass(frozen=True, slots=True)
class Account:
    id: str
    name: str | None
    file: Path


@runtime_checkable
class TreeReader(Protocol):
    """A command's view of the tree it loads (``ConfigLoader``): the tree is walked once and each file
    parsed once (from the parse cache when warm), for the account files too."""

    def hcl_files(self, root: Path) -> Sequence[Path]:
        """Every ``*.hcl`` file under the resolved ``root`` (hidden directories and caches skipped)."""
        ...

    def body(self, path: Path) -> Body:
        """The syntax tree of ``path``. Raises HclSyntaxError, or ConfigError when unreadable."""
        ...


def _parse(path: Path) -> Body:
    from orchestrator.hcl.parser import parse_text  # python-hcl2 is slow to import: only when used

    return parse_text(path.read_text(), str(path))


def _locals(path: Path, parse: Callable[[Path], Body] = _parse) -> dict[str, object]:
    """The locals of ``path`` that evaluate with Terraform built-ins and other locals only."""
    body = parse(path)
    exprs = {a.name: a for b in body.blocks if b.type == "locals" for a in b.body.attributes.values()}
    values: dict[str, object] = {}
    progress = True
    while progress:  # locals may refer to each other in any order
        progress = False
        for name, attr in exprs.items():
            if name in values:
                continue
            try:
                values[name] = evaluate(attr.expr, EvalContext({"local": values}, {}, path.parent))
                progress = True
            except TgoError:
                continue
    return values


def read_account_file(
    path: Path, convention: AccountConvention, parse: Callable[[Path], Body] = _parse
) -> Account | None:
    """The account an account file declares, or None when it names no literal account id."""
    values = _locals(path, parse)
    account_id = values.get(convention.id_local)
    if account_id is None:
        return None
    account_id = str(account_id)
    if not ACCOUNT_ID_RE.match(account_id):
        raise ConfigError(
            f"{account_id!r} is not a 12-digit account id",
            pos=Pos(str(path)),
            attr=f"locals.{convention.id_local}",
            hint="write the account id as a 12-digit string",
        )
    name = values.get(convention.name_local)
    return Account(account_id, None if name is None else str(name), path)


def _skipped(path: Path, root: Path) -> bool:
    return any(part.startswith(".") or part in _SKIP_DIRS for part in path.relative_to(root).parent.parts)


def find_account_files(root: Path, convention: AccountConvention, reader: TreeReader | None = None) -> list[Path]:
    """The account files under ``root``; from ``reader``'s walk when it lists files of that name."""
    if reader is not None and convention.file.endswith(".hcl"):
        resolved = root.resolve()
        listed = reader.hcl_files(resolved)
        return sorted(p for p in listed if p.name == convention.file and not _skipped(p, resolved))
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in _SKIP_DIRS)
        if convention.file in filenames:
            found.append(Path(dirpath) / convention.file)
    return sorted(found)


def known_accounts(
    root: Path, convention: AccountConvention | None = None, reader: TreeReader | None = None
) -> list[Account]:
    """Every account declared under ``root``, one per id. ConfigError if one name maps to two ids.
    ``reader``: list and parse the files through the command's loader (one walk, the parse cache)."""
    conv = convention or AccountConvention()
    by_id: dict[str, Account] = {}
    by_name: dict[str, Account] = {}
    for path in find_account_files(root, conv, reader):
        account = read_account_file(path, conv, reader.body if reader is not None else _parse)
        if account is None:
            continue
        if account.name and account.name in by_name and by_name[account.name].id != account.id:
            other = by_name[account.name]
            raise ConfigError(
                f"account name {account.name!r} is both {other.id} ({other.file}) and {account.id}",
                attr=f"locals.{conv.name_local}",
                hint=f"in {path}: give each account a unique name",
            )
        by_id.setdefault(account.id, account)
        if account.name:
            by_name[account.name] = account
    return sorted(by_id.values(), key=lambda a: a.id)


def resolve_selectors(selectors: Sequence[str], accounts: Iterable[Account]) -> tuple[str, ...]:
    """``--account`` values (IDs or names) as account IDs, in the given order, without duplicates."""
    known = list(accounts)
    names = {a.name: a.id for a in known if a.name}
    out: list[str] = []
    for sel in selectors:
        value = sel.strip()
        if ACCOUNT_ID_RE.match(value):
            account_id = value
        elif value in names:
            account_id = names[value]
        else:
            listed = ", ".join(f"{a.name} ({a.id})" for a in known if a.name) or "none found"
            raise UsageError(
                f"unknown account {value!r}",
                attr="--account",
                hint=f"pass a 12-digit account id or a name from the account files: {listed}",
            )
        if account_id not in out:
            out.append(account_id)
    return tuple(out)


def names_by_id(accounts: Iterable[Account]) -> dict[str, str]:
    return {a.id: a.name for a in accounts if a.name}


def account_by_location(root: Path, convention: AccountConvention | None = None) -> Callable[[str], str | None]:
    """A function from a module's path (relative to ``root``) to its account's label (``name (id)``
    or ``id``), from the nearest account file above it; None when there is none. A file that does not
    evaluate is left out here (``--account`` and ``validate`` report it)."""
    conv = convention or AccountConvention()
    labels: dict[Path, str] = {}
    for path in find_account_files(root, conv):
        try:
            account = read_account_file(path, conv)
        except TgoError:
            continue
        if account is not None:
            labels[path.parent] = f"{account.name} ({account.id})" if account.name else account.id

    def label(module: str) -> str | None:
        here = root / module
        for parent in (here, *here.parents):
            if parent in labels:
                return labels[parent]
            if parent == root:
                return None
        return None

    return label
