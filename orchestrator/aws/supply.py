"""How a run's processes get their role's credentials: the broker (default) or the environment.

:class:`CredentialSupply` hands the run engine and the config loader their environment overlays:

- ``broker`` mode: a module with a role gets a profile served by the running tgo
  (:class:`~orchestrator.aws.broker.CredentialBroker`, started on first use) and its own capability
  token; static keys and everything else that would win over the profile are removed. The
  session is fetched once up front as well, so a role that cannot be assumed fails the module
  with a clear reason before terraform starts (a cache hit after pre-flight: no extra STS call).
- ``env`` mode: today's behaviour, the session's keys as ``AWS_*`` variables.
- A module with no role runs under the base credentials in both modes, unchanged.

Thread-safe: every method may be called from worker threads. :meth:`CredentialSupply.close` is
idempotent and removes the broker's directory; callers use try/finally.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Literal

from orchestrator.aws.broker import CredentialBroker
from orchestrator.aws.model import AssumeRequest, Credentials
from orchestrator.aws.roles import RoleResolver
from orchestrator.config.models import ModuleConfig
from orchestrator.errors import UsageError

CredentialMode = Literal["broker", "env"]
ModuleMode = Literal["broker", "env", "base"]
MODES: tuple[CredentialMode, ...] = ("broker", "env")
MODE_ENV = "TGO_CREDENTIALS"
DEFAULT_MODE: CredentialMode = "broker"


def parse_mode(flag: str | None, environ: Mapping[str, str]) -> CredentialMode:
    """``--credentials`` beats ``TGO_CREDENTIALS`` beats the default (broker). Raises UsageError."""
    value = flag or environ.get(MODE_ENV) or DEFAULT_MODE
    if value == "broker":
        return "broker"
    if value == "env":
        return "env"
    source = "--credentials" if flag else MODE_ENV
    raise UsageError(f"{source} must be broker or env, not {value!r}", attr=source)


class CredentialSupply:
    """Environment overlays for one process's runs, in one mode. See the module doc."""

    def __init__(
        self,
        mode: CredentialMode,
        fetch: Callable[[AssumeRequest], Credentials],
        resolver: RoleResolver,
        environ: Mapping[str, str],
        *,
        broker_factory: Callable[[], CredentialBroker],
        extra_env: Callable[[AssumeRequest | None], dict[str, str | None]] | None = None,
        fetch_for_process: Callable[[AssumeRequest], Credentials] | None = None,
    ) -> None:
        self.mode = mode
        # env mode: a process given keys cannot refresh them, so they must last (the cache's
        # ``for_new_process``, TGO_IAM_MIN_LIFETIME); the broker refreshes and needs no such floor.
        self._fetch_for_process = fetch_for_process or fetch
        self._extra_env = extra_env  # --auth-provider-cmd's envs (and base credentials)
        self._fetch = fetch
        self._resolver = resolver
        self._environ = environ
        self._broker_factory = broker_factory
        self._lock = threading.Lock()  # guards _broker
        self._broker: CredentialBroker | None = None

    def fetch(self, request: AssumeRequest) -> Credentials:
        """The session's credentials as this supply gets them (the cache, or the auth provider first)."""
        return self._fetch(request)

    def _running_broker(self) -> CredentialBroker:
        with self._lock:
            if self._broker is None:
                self._broker = self._broker_factory().start()
            return self._broker

    def _overlay(self, holder: str, request: AssumeRequest, deps: list[str]) -> dict[str, str | None]:
        if self.mode == "env":
            return self._fetch_for_process(request).environment()
        self._fetch(request)  # fail here, with the reason, rather than inside terraform
        broker = self._running_broker()
        return broker.env(broker.grant(holder, request, deps), self._environ)

    def module_env(self, module: ModuleConfig) -> dict[str, str | None]:
        """The overlay for every process of ``module`` (``{}`` without a role). Raises AuthError."""
        request = self._resolver.request_for(module)
        extra = self._extra_env(request) if self._extra_env is not None else {}
        if request is None:
            return extra
        deps = [str(d.config_path) for d in module.dependency]
        return {**extra, **self._overlay(str(module.path), request, deps)}

    def role_env(self, role: str | None) -> dict[str, str | None]:
        """The overlay for ``run_cmd`` under a bare role ARN (``{}`` for the base credentials)."""
        request = self._resolver.request_for_role(role)
        extra = self._extra_env(request) if self._extra_env is not None else {}
        if request is None:
            return extra
        return {**extra, **self._overlay(f"run_cmd:{request.role_arn}:{request.session_name}", request, [])}

    def mode_of(self, module: ModuleConfig) -> ModuleMode:
        """How ``module``'s processes got credentials: ``broker``, ``env``, or ``base`` (no role)."""
        role = self._resolver.overrides.role or module.iam_role
        return self.mode if role else "base"

    def stats(self) -> dict[str, int]:
        """``broker_requests`` and ``broker_refreshes`` (zeros when no broker ran)."""
        with self._lock:
            broker = self._broker
        return broker.stats() if broker is not None else {"broker_requests": 0, "broker_refreshes": 0}

    @property
    def broker(self) -> CredentialBroker | None:
        """The running broker, if one was started (for tests and diagnostics)."""
        with self._lock:
            return self._broker

    def close(self) -> None:
        """Stop the broker (if any) and remove its directory. Idempotent; a later use starts a
        new broker (one process may run several commands, each closing its own)."""
        with self._lock:
            broker, self._broker = self._broker, None
        if broker is not None:
            broker.close()
