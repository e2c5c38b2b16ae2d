"""Credentials on a side that runs tasks for another process (a Dask worker): obtained there, from
that side's own base identity (its environment, instance profile, IRSA: botocore's chain over the
given environment), never received over the wire.

:class:`WorkerCredentials` holds one :class:`~orchestrator.aws.credentials.CredentialCache` for the
worker and turns a task's :class:`~orchestrator.execution.task.RoleSession` into the environment
overlay terraform gets, the same way as a local run: ``broker`` mode serves a ``credential_process``
profile from this process (a :class:`~orchestrator.aws.broker.CredentialBroker`, started on first
use), ``env`` mode hands the session's keys as ``AWS_*`` variables. A task without a role runs
under the base identity unchanged.

Contract: ``overlay`` raises AuthError (RoleAssumeError) when the role cannot be assumed; the task
runner turns that into a failed module. Every session obtained is added to ``redactor``.
Thread-safe; :meth:`close` is idempotent and removes the broker's directory.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import timedelta

from orchestrator.aws.broker import CredentialBroker, runtime_base
from orchestrator.aws.credentials import CredentialCache
from orchestrator.aws.model import AssumeRequest, StsClient
from orchestrator.aws.roles import default_session_name
from orchestrator.aws.supply import CredentialMode
from orchestrator.config.models import ModuleConfig
from orchestrator.execution.task import RoleSession
from orchestrator.redaction import Redactor
from orchestrator.runtime import Clock

DEFAULT_MARGIN = timedelta(minutes=5)
DEFAULT_MIN_LIFETIME = timedelta(seconds=900)


class WorkerCredentials:
    """One worker's credential cache and (broker mode) broker. See the module doc."""

    def __init__(
        self,
        environ: Mapping[str, str],
        clock: Clock,
        *,
        mode: CredentialMode,
        run_id: str,
        redactor: Redactor,
        sts: StsClient | None = None,
        margin: timedelta = DEFAULT_MARGIN,
        min_lifetime: timedelta = DEFAULT_MIN_LIFETIME,
    ) -> None:
        if sts is None:
            from orchestrator.aws.sts import BotoStsClient  # botocore: only on a worker that runs tasks

            sts = BotoStsClient(environ)
        self.mode = mode
        self._environ = dict(environ)
        self._margin = margin
        self._session = default_session_name(clock.now(), run_id)
        self.cache = CredentialCache(
            sts,
            clock,
            refresh_margin=margin,
            min_lifetime=min_lifetime if mode == "env" else timedelta(0),
            redactor=redactor,
        )
        self._lock = threading.Lock()  # guards _broker
        self._broker: CredentialBroker | None = None

    def request(self, role: RoleSession) -> AssumeRequest:
        return AssumeRequest(
            role_arn=role.role_arn,
            session_name=role.session_name or self._session,
            duration_seconds=role.duration,
        )

    def overlay(self, role: RoleSession | None, cfg: ModuleConfig) -> dict[str, str | None]:
        """The environment overlay for every process of ``cfg``'s module under ``role``."""
        if role is None:
            return {}
        request = self.request(role)
        if self.mode == "env":
            return self.cache.get(request, for_new_process=True).environment()
        self.cache.get(request)  # fail here, with the reason, rather than inside terraform
        broker = self._running_broker()
        deps = [str(d.config_path) for d in cfg.dependency]
        return broker.env(broker.grant(str(cfg.path), request, deps), self._environ)

    def _running_broker(self) -> CredentialBroker:
        with self._lock:
            if self._broker is None:
                self._broker = CredentialBroker(
                    self.cache.get, margin=self._margin, base_dir=runtime_base(self._environ)
                ).start()
            return self._broker

    def assume_role_calls(self) -> int:
        return self.cache.stats()["assume_role_calls"]

    def close(self) -> None:
        with self._lock:
            broker, self._broker = self._broker, None
        if broker is not None:
            broker.close()
