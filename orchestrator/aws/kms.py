"""KMS Decrypt for sops data keys, with a role session's credentials (see :mod:`.clients`)."""

from __future__ import annotations

from collections.abc import Mapping

from orchestrator.aws.clients import ServiceClients, aws_errors
from orchestrator.aws.model import Credentials


def region_of(key_arn: str) -> str | None:
    """The region named in a KMS key ARN (``arn:aws:kms:<region>:...``); None when it names none."""
    parts = key_arn.split(":")
    return parts[3] or None if len(parts) > 4 and parts[0] == "arn" else None


def kms_decrypt(
    clients: ServiceClients,
    credentials: Credentials | None,
    key_arn: str,
    blob: bytes,
    context: Mapping[str, str],
) -> bytes:
    """The plaintext of ``blob`` encrypted under ``key_arn`` with encryption ``context``, as sops asks
    for it (``KeyId`` and the context given). Raises AwsCallError."""
    client = clients.client("kms", credentials, region_of(key_arn))
    params: dict[str, object] = {"CiphertextBlob": blob, "KeyId": key_arn}
    if context:
        params["EncryptionContext"] = dict(context)
    with aws_errors():
        answer = client.decrypt(**params)
    plaintext: bytes = answer["Plaintext"]
    return plaintext
