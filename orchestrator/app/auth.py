"""Use cases for per-module IAM roles: build the AWS services of one tgo process, and ``auth check``.

:class:`AwsAuth` owns the process's :class:`~orchestrator.aws.credentials.CredentialCache` (built once
per Runtime by the CLI; never module state) and hands the run engine and the config loader the
callables they take: ``credentials_env``, ``role_env``, ``aws_identity``, ``preflight``, ``sts_stats``.
Every one of them is thread-safe. Nothing here writes a credential anywhere.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from orchestrator.app.run_select import Loader
from orchestrator.aws.auth_provider import AuthProvider, provider_env, provider_source
from orchestrator.aws.backoff import Backoff
from orchestrator.aws.broker import CredentialBroker, runtime_base
from orchestrator.aws.credentials import CredentialCache
from orchestrator.aws.functions import AwsConfigCalls
from orchestrator.aws.identity import identity_factory
from orchestrator.aws.lifetime import lifetime_lines, previous_durations
from orchestrator.aws.model import AssumeRequest, Credentials, StsClient
from orchestrator.aws.native_helper import native_helper
from orchestrator.aws.preflight import PreflightResult, format_table
from orchestrator.aws.preflight import preflight as run_preflight
from orchestrator.aws.roles import RoleOverrides, RoleResolver, default_session_name
from orchestrator.aws.supply import CredentialMode, CredentialSupply, ModuleMode
from orchestrator.config.cachekey import state_dir
from orchestrator.config.models import ModuleConfig, account_of_role
from orchestrator.discovery import discover
from orchestrator.errors import ConfigErrors, TgoError
from orchestrator.runtime import Runtime

if TYPE_CHECKING:
    from orchestrator.aws.clients import ServiceClients
    from orchestrator.outputs.s3_fetch import S3StateSource

REFRESH_MARGIN_ENV = "TGO_IAM_REFRESH_MARGIN"
DEFAULT_REFRESH_MARGIN = timedelta(minutes=5)
MIN_LIFETIME_ENV = "TGO_IAM_MIN_LIFETIME"
DEFAULT_MIN_LIFETIME = timedelta(seconds=900)


@dataclass
class AwsAuth:
    """The AWS side of one tgo process: one cache, one resolver, the callables built on them."""

    cache: CredentialCache
    resolver: RoleResolver
    runtime: Runtime
    supply: CredentialSupply
    provider: AuthProvider | None = None
    source_cache: CredentialCache | None = None
    """``--auth-provider-cmd``'s ``awsRole`` sessions, assumed with the base credentials."""
    base_expiry: Callable[[], datetime | None] = lambda: None
    previous_report: Path | None = None
    """An earlier run report (``--report-file``): its module durations feed the lifetime warning."""

    @classmethod
    def build(
        cls,
        runtime: Runtime,
        overrides: RoleOverrides,
        *,
        sts: StsClient | None = None,
        refresh_margin: timedelta | None = None,
        backoff: Backoff | None = None,
        mode: CredentialMode = "env",
        auth_provider: list[str] | None = None,
    ) -> AwsAuth:
        """Base credentials and endpoints come from ``runtime.environ``; the session name names the run.

        ``mode``: how terraform gets credentials (``env`` here; the CLI's default is ``broker``). In
        broker mode the caller must :meth:`close` (try/finally) to remove the broker's directory.
        ``auth_provider``: the ``--auth-provider-cmd`` argv, run once per role session; each role is
        then assumed with the credentials it answers (a chain, as Terragrunt does).
        """
        margin = refresh_margin if refresh_margin is not None else _seconds_from(runtime.environ, REFRESH_MARGIN_ENV)
        backoff = backoff if backoff is not None else _backoff_from(runtime.environ)
        from orchestrator.aws.sts import BotoStsClient  # botocore costs ~0.3 s: only when a command needs it

        client = sts if sts is not None else BotoStsClient(runtime.environ)

        def new_cache(source: Callable[[AssumeRequest], Credentials | None] | None = None) -> CredentialCache:
            return CredentialCache(
                client,
                runtime.clock,
                refresh_margin=margin,
                backoff=backoff,
                warn=lambda text: runtime.console.error(f"[tgo] warning: {text}"),
                # Environment-credential mode: terraform cannot refresh what it is given.
                min_lifetime=_seconds_from(runtime.environ, MIN_LIFETIME_ENV),
                redactor=runtime.console.redactor,
                source=source,
            )

        session = default_session_name(runtime.clock.now(), uuid.uuid4().hex[:8])
        resolver = RoleResolver(overrides, session, runtime.cwd)
        extra_env = None
        provider = None
        source_cache = None
        if auth_provider:
            # Terragrunt's chain: the command's credentials (or its awsRole's session, assumed with
            # the base credentials through a cache of its own) are what each iam_role is assumed with.
            provider = AuthProvider(auth_provider, runtime.environ, runtime.cwd, runtime.clock, margin=margin)
            source_cache = new_cache()
            cache = new_cache(provider_source(provider, source_cache.get, session))
            extra_env = provider_env(provider, source_cache.get, session)
        else:
            cache = new_cache()
        fetch: Callable[[AssumeRequest], Credentials] = cache.get

        def for_process(request: AssumeRequest) -> Credentials:
            return cache.get(request, for_new_process=True)

        def new_broker() -> CredentialBroker:
            return CredentialBroker(
                fetch,
                margin=margin,
                base_dir=runtime_base(runtime.environ),
                native=native_helper(state_dir(runtime), runtime.environ),
                log=lambda text: runtime.console.error(f"[tgo] {text}"),
            )

        supply = CredentialSupply(
            mode,
            fetch,
            resolver,
            runtime.environ,
            broker_factory=new_broker,
            extra_env=extra_env,
            fetch_for_process=for_process,
        )
        auth = cls(cache, resolver, runtime, supply, provider, source_cache)
        if isinstance(client, BotoStsClient):
            auth.base_expiry = client.base_expiry
        return auth

    @property
    def credentials_env(self) -> Callable[[ModuleConfig], dict[str, str | None]]:
        """Every process of a module: its role's credentials in the supply's mode (thread-safe)."""
        return self.supply.module_env

    @property
    def role_env(self) -> Callable[[str | None], dict[str, str | None]]:
        return self.supply.role_env

    @property
    def credential_mode(self) -> Callable[[ModuleConfig], ModuleMode]:
        """For the report: ``broker``, ``env``, or ``base`` (no role)."""
        return self.supply.mode_of

    def close(self) -> None:
        """Stop the credential broker, if one runs, and remove its directory (idempotent)."""
        self.supply.close()

    @property
    def aws_identity(self) -> Callable[[str | None], Mapping[str, str]]:
        return identity_factory(self.cache, self.resolver)

    def config_calls(self) -> AwsConfigCalls:
        """``get_aws_account_alias()`` and sops KMS calls for the loader, on this process's cache
        (botocore's clients are built on the first call)."""
        holder: list[ServiceClients] = []
        lock = threading.Lock()

        def clients() -> ServiceClients:
            from orchestrator.aws.clients import ServiceClients

            with lock:
                if not holder:
                    holder.append(ServiceClients(self.runtime.environ))
                return holder[0]

        return AwsConfigCalls(self.cache, self.resolver, clients)

    def state_outputs(self) -> S3StateSource:
        """Dependency outputs read from S3 state objects, each under its module's role on this process's
        cache (botocore's clients are built on the first read)."""
        from orchestrator.outputs.s3_fetch import S3StateSource, module_credentials

        holder: list[ServiceClients] = []
        lock = threading.Lock()

        def clients() -> ServiceClients:
            from orchestrator.aws.clients import ServiceClients

            with lock:
                if not holder:
                    holder.append(ServiceClients(self.runtime.environ))
                return holder[0]

        return S3StateSource(clients, module_credentials(self.resolver, self.supply.fetch), self.runtime.environ)

    def preflight(self, configs: Sequence[ModuleConfig], *, base: Path | None = None) -> PreflightResult:
        """Assume each distinct role once; raises AuthError naming failed roles and their modules."""
        return run_preflight(configs, self.cache, self.resolver, base or self.runtime.cwd)

    def preflight_and_print(self, configs: Sequence[ModuleConfig], *, base: Path | None = None) -> None:
        """The run engine's pre-flight hook: check, then print the table (nothing when no module has a role)."""
        result = self.preflight(configs, base=base)
        if result.rows:
            lines = format_table(result).splitlines()
            lines += lifetime_lines(
                result,
                self.runtime.clock.now(),
                base_expiry=self.base_expiry(),
                mode=self.supply.mode,
                durations=previous_durations(self.previous_report),
            )
            for line in lines:
                self.runtime.console.print(f"[tgo] {line}")

    def placement(self, *, ask_base: bool) -> Callable[[ModuleConfig], tuple[str | None, str | None]]:
        """The run engine's ``placement``: a module's effective role (``--iam-role`` / ``TG_IAM_ROLE`` beat
        the config) and its account (from the role ARN). A module with no role is in the account of the base
        credentials; that costs one ``GetCallerIdentity`` per process, so only with ``ask_base`` (when
        ``--account`` selects modules): otherwise its account is reported as unknown rather than asking
        AWS for a fact nobody needs. An unreachable or failing base identity also gives ``None``."""

        def place(cfg: ModuleConfig) -> tuple[str | None, str | None]:
            role = self.resolver.overrides.role or cfg.iam_role
            if role:
                return role, account_of_role(role)
            if not ask_base:
                return None, None
            try:
                return None, self.cache.identity(None).account_id
            except TgoError:
                return None, None

        return place

    def sts_stats(self) -> dict[str, int]:
        """The STS counters of both caches (summed) and the broker's."""
        stats = self.cache.stats()
        if self.source_cache is not None:
            for name, value in self.source_cache.stats().items():
                stats[name] = stats.get(name, 0) + value
        return {**stats, **self.supply.stats()}


STS_ATTEMPTS_ENV = "TGO_STS_MAX_ATTEMPTS"


def _backoff_from(environ: Mapping[str, str]) -> Backoff | None:
    """``TGO_STS_MAX_ATTEMPTS``: how many times a throttled STS call is tried in all (default 8)."""
    try:
        attempts = int(environ.get(STS_ATTEMPTS_ENV) or 0)
    except ValueError:
        return None
    return Backoff(max_attempts=attempts) if attempts >= 1 else None


_DEFAULTS = {REFRESH_MARGIN_ENV: DEFAULT_REFRESH_MARGIN, MIN_LIFETIME_ENV: DEFAULT_MIN_LIFETIME}


def _seconds_from(environ: Mapping[str, str], name: str) -> timedelta:
    """``name`` in seconds (negative: 0); its default when unset or not a number."""
    value = environ.get(name)
    if not value:
        return _DEFAULTS[name]
    try:
        return timedelta(seconds=max(0, int(value)))
    except ValueError:
        return _DEFAULTS[name]


def load_configs(loader: Loader, working_dir: Path) -> list[ModuleConfig]:
    """Every module under ``working_dir``, loaded with ``loader``. Raises ConfigErrors."""
    tree = loader.load_tree(discover(working_dir, walk=getattr(loader, "walk", None)))
    if tree.errors:
        raise ConfigErrors.collect(tree.errors)
    return [tree.configs[p] for p in sorted(tree.configs)]


def auth_check(loader: Loader, working_dir: Path, auth: AwsAuth) -> PreflightResult:
    """``tgo auth check``: load the tree, assume each distinct role once. Raises AuthError/ConfigErrors."""
    return auth.preflight(load_configs(loader, working_dir), base=working_dir)
