"""The AWS calls Terragrunt's config functions make, under a module's role.

:class:`AwsConfigCalls` answers ``get_aws_account_alias()`` and the KMS part of
``sops_decrypt_file()`` for a role ARN (None: the ``--iam-role`` override, else the base
credentials), with the role session from the process's :class:`CredentialCache` (so a role is
assumed once per run whatever asks for it). botocore is imported on the first call only.
Thread-safe. Raises AuthError when the role cannot be assumed and
:class:`~orchestrator.config.sops.KeyServiceError` (AWS's code and message) when the call fails.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, TypeVar

from orchestrator.aws.credentials import CredentialCache
from orchestrator.aws.model import Credentials
from orchestrator.aws.roles import RoleResolver
from orchestrator.config.sops import KeyServiceError

if TYPE_CHECKING:
    from orchestrator.aws.clients import ServiceClients

T = TypeVar("T")


class AwsConfigCalls:
    """KMS and IAM calls for config functions, per role. Thread-safe."""

    def __init__(self, cache: CredentialCache, resolver: RoleResolver, clients: Callable[[], ServiceClients]) -> None:
        self._cache = cache
        self._resolver = resolver
        self._clients = clients

    def _credentials(self, role: str | None) -> Credentials | None:
        request = self._resolver.request_for_role(role)
        return None if request is None else self._cache.get(request)

    @staticmethod
    def _call(fn: Callable[[], T]) -> T:
        from orchestrator.aws.clients import AwsCallError

        try:
            return fn()
        except AwsCallError as err:
            raise KeyServiceError(str(err)) from None

    def account_alias(self, role: str | None) -> str:
        from orchestrator.aws.iam import account_alias

        credentials = self._credentials(role)
        return self._call(lambda: account_alias(self._clients(), credentials))

    def kms_decrypt(self, role: str | None, key_arn: str, blob: bytes, context: Mapping[str, str]) -> bytes:
        from orchestrator.aws.kms import kms_decrypt

        credentials = self._credentials(role)
        return self._call(lambda: kms_decrypt(self._clients(), credentials, key_arn, blob, context))
