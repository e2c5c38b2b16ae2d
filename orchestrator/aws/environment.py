"""Callables the run engine and the config loader take, built on one cache and one resolver.

- :func:`module_env_factory`: the environment overlay for every terraform/hook process of a module.
- :func:`role_env_factory`: the same for ``run_cmd`` given a bare role ARN.

Both are for environment-credential mode: each call starts a process that cannot refresh what it
gets, so the session must last (``for_new_process``, see CredentialCache). Each returned callable
is thread-safe (the cache is) and raises AuthError when the role cannot be
assumed; the run engine treats that as a failure of the module, not of the run.
"""

from __future__ import annotations

from collections.abc import Callable

from orchestrator.aws.credentials import CredentialCache
from orchestrator.aws.roles import RoleResolver
from orchestrator.config.models import ModuleConfig


def module_env_factory(
    cache: CredentialCache, resolver: RoleResolver
) -> Callable[[ModuleConfig], dict[str, str | None]]:
    """``credentials_env(module)``: the role's AWS_* variables and ``AWS_PROFILE: None``, or ``{}``
    when the module has no role. Call it right before each process: it refreshes when needed."""

    def credentials_env(module: ModuleConfig) -> dict[str, str | None]:
        request = resolver.request_for(module)
        if request is None:
            return {}
        return cache.get(request, for_new_process=True).environment()

    return credentials_env


def role_env_factory(cache: CredentialCache, resolver: RoleResolver) -> Callable[[str | None], dict[str, str | None]]:
    """``role_env(role_arn)`` for ``run_cmd``: like :func:`module_env_factory` for a bare role."""

    def role_env(role: str | None) -> dict[str, str | None]:
        request = resolver.request_for_role(role)
        if request is None:
            return {}
        return cache.get(request, for_new_process=True).environment()

    return role_env
