"""What Terragrunt's newer config functions need besides the loader, one object per command run.

:class:`FunctionServices` holds the ``--source`` flag value (``get_terragrunt_source_cli_flag()``),
the sops cache (``sops_decrypt_file()``), the record of files read (``mark_as_read()`` and
friends), AWS calls for ``get_aws_account_alias()`` and KMS (built on first use, so a command
that never needs AWS never imports botocore), and how a module's working directory is named
(``get_working_dir()``, injected by the layer that prepares working copies). Thread-safe: every
part is.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from orchestrator.config.models import ModuleConfig
from orchestrator.config.reads import ReadLog
from orchestrator.config.sops import SopsFiles


class AwsCalls(Protocol):
    """The AWS side: alias and KMS under a role (None: base credentials / the override role).
    Both raise TgoError (AuthError, a role that cannot be assumed) or KeyServiceError."""

    def account_alias(self, role: str | None) -> str: ...

    def kms_decrypt(self, role: str | None, key_arn: str, blob: bytes, context: Mapping[str, str]) -> bytes: ...


class LazyAws:
    """Builds the AWS side on first use (once, under a lock)."""

    def __init__(self, build: Callable[[], AwsCalls]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._built: AwsCalls | None = None

    def get(self) -> AwsCalls:
        with self._lock:
            if self._built is None:
                self._built = self._build()
            return self._built


@dataclass
class FunctionServices:
    """See the module doc. ``environ`` is the Runtime's environment (age keys)."""

    environ: Mapping[str, str] = field(default_factory=dict)
    source: str = ""
    aws: LazyAws | None = None
    working_dir: Callable[[ModuleConfig], Path] | None = None
    reads: ReadLog = field(default_factory=ReadLog)
    sops: SopsFiles = field(init=False)
    _building: dict[int, set[Path]] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        self.sops = SopsFiles(self.environ, self._kms if self.aws is not None else None)

    def _kms(self, role: str | None, key_arn: str, blob: bytes, context: Mapping[str, str]) -> bytes:
        assert self.aws is not None
        return self.aws.get().kms_decrypt(role, key_arn, blob, context)

    def building(self, module: Path) -> bool:
        """Whether this thread is already evaluating ``module`` for ``get_working_dir()``."""
        with self._lock:
            return module in self._building.get(threading.get_ident(), set())

    def enter(self, module: Path) -> None:
        with self._lock:
            self._building.setdefault(threading.get_ident(), set()).add(module)

    def leave(self, module: Path) -> None:
        with self._lock:
            self._building.get(threading.get_ident(), set()).discard(module)
