"""IAM ``ListAccountAliases`` for ``get_aws_account_alias()`` (see :mod:`.clients`)."""

from __future__ import annotations

from orchestrator.aws.clients import ServiceClients, aws_errors
from orchestrator.aws.model import Credentials


def account_alias(clients: ServiceClients, credentials: Credentials | None) -> str:
    """The account's alias, or ``""`` when it has none (as Terragrunt: the first alias AWS lists).
    Raises AwsCallError."""
    with aws_errors():
        answer = clients.client("iam", credentials).list_account_aliases()
    aliases: list[str] = answer.get("AccountAliases") or []
    return aliases[0] if aliases else ""
