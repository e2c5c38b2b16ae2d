"""``get_aws_account_id()``, ``get_aws_caller_identity_arn()`` and ``get_aws_caller_identity_user_id()``
for the config loader: who a role session (or the base credentials) is.

The returned callable is thread-safe and makes at most one STS call per distinct role per cache
(none when ``AssumeRole`` already named the assumed-role user). Raises AuthError like the cache.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from orchestrator.aws.credentials import CredentialCache
from orchestrator.aws.roles import RoleResolver


def identity_factory(cache: CredentialCache, resolver: RoleResolver) -> Callable[[str | None], Mapping[str, str]]:
    """``aws_identity(role_arn)`` -> {"account_id", "arn", "user_id"}; ``None``: base credentials
    (unless ``--iam-role``/``TG_IAM_ROLE`` overrides every module). One STS call per role at most."""

    def aws_identity(role: str | None) -> Mapping[str, str]:
        return cache.identity(resolver.request_for_role(role)).as_mapping()

    return aws_identity
