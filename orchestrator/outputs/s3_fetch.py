"""Reading a dependency's outputs from its S3 state object: one GetObject under the dependency's own role.

Contract of :class:`S3StateSource` (thread-safe: its clients are, and it keeps no other state):
- :meth:`S3StateSource.read` returns the outputs' values, exactly what ``terraform output -json`` gives.
- It raises :class:`~orchestrator.outputs.state_reader.Unreadable` when terraform should read them
  instead: the backend is not s3 (or is declared in the module's own files), the object does not exist
  (never applied in this workspace), the state is encrypted or of another format, or S3 failed in a way
  terraform may handle differently (an unreachable endpoint, an expired token).
- It raises :class:`StateAccessDenied` when the role cannot read the object (the caller turns it into an
  error naming the dependency: a dependency's outputs never silently become its mocks), and lets a
  role that cannot be assumed raise as the credential cache raises it (an AuthError).
- Credentials come from the run's credential cache (``credentials_for``), so a role already assumed for
  terraform costs no STS call; nothing here logs or keeps them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestrator.aws.model import AssumeRequest, Credentials
from orchestrator.aws.roles import RoleResolver
from orchestrator.config.models import ModuleConfig
from orchestrator.errors import TgoError
from orchestrator.outputs.state_reader import S3Location, Unreadable, output_values, s3_location, workspace_of
from orchestrator.terraform.commands import extra_arguments
from orchestrator.terraform.workdir import working_dir_of

if TYPE_CHECKING:
    from orchestrator.aws.clients import ServiceClients

ModuleCredentials = Callable[[ModuleConfig], tuple[str | None, Credentials | None]]
"""A module's role ARN (None: the base credentials) and the credentials to read its state with."""
_DENIED = frozenset({"AccessDenied", "403", "Forbidden", "AllAccessDisabled", "InvalidAccessKeyId"})
_MISSING = frozenset({"NoSuchKey", "NoSuchBucket", "404", "NotFound"})


class StateAccessDenied(Exception):
    """The role may not read the state object. ``role`` None: the base credentials."""

    def __init__(self, location: S3Location, role: str | None, code: str) -> None:
        super().__init__(f"{code} reading {location.url}")
        self.location = location
        self.role = role
        self.code = code


def module_credentials(resolver: RoleResolver, fetch: Callable[[AssumeRequest], Credentials]) -> ModuleCredentials:
    """A module's role session from ``resolver`` (flags beat config), its credentials from ``fetch``
    (the credential cache, or the auth provider in front of it)."""

    def credentials(cfg: ModuleConfig) -> tuple[str | None, Credentials | None]:
        request = resolver.request_for(cfg)
        return (None, None) if request is None else (request.role_arn, fetch(request))

    return credentials


def get_state(clients: ServiceClients, credentials: Credentials | None, location: S3Location) -> bytes | None:
    """The state object's bytes; None when it (or its bucket) does not exist. Raises AwsCallError."""
    from orchestrator.aws.clients import AwsCallError, aws_errors

    client = clients.client(
        "s3", credentials, location.region, endpoint=location.endpoint, path_style=location.path_style
    )
    try:
        with aws_errors():
            answer = client.get_object(Bucket=location.bucket, Key=location.key)
            body: bytes = answer["Body"].read()
            return body
    except AwsCallError as err:
        if err.code in _MISSING:
            return None
        raise


@dataclass(frozen=True)
class S3StateSource:
    clients: Callable[[], ServiceClients]
    credentials_for: ModuleCredentials
    environ: Mapping[str, str]

    def read(self, cfg: ModuleConfig) -> dict[str, Any]:
        """The outputs of ``cfg`` from its state object; see the module doc for what is raised."""
        from orchestrator.aws.clients import AwsCallError

        rs = cfg.remote_state
        if rs is None:
            raise Unreadable("no remote_state block (a backend in the module's own files)")
        if rs.backend != "s3":
            raise Unreadable(f"the backend is {rs.backend}, not s3")
        if rs.encryption:
            raise Unreadable("the state is encrypted (remote_state.encryption)")
        env = {**self.environ, **extra_arguments(cfg, "output", lambda p: p.is_file()).env}
        location = s3_location(rs.config, workspace_of(_environment_file(cfg, env), env), env)
        role, credentials = self.credentials_for(cfg)
        try:
            data = get_state(self.clients(), credentials, location)
        except AwsCallError as err:
            if err.code in _DENIED:
                raise StateAccessDenied(location, role, err.code) from None
            raise Unreadable(f"S3 answered {err.code} for {location.url}") from None
        if data is None:
            raise Unreadable(f"no state object at {location.url}")
        return output_values(data)


def _environment_file(cfg: ModuleConfig, env: Mapping[str, str]) -> str | None:
    """The text of the working directory's ``.terraform/environment`` (``TF_DATA_DIR`` moves it), if any."""
    try:
        workdir = working_dir_of(cfg)
    except TgoError:
        return None
    data_dir = Path(env.get("TF_DATA_DIR") or ".terraform")
    try:
        return (workdir / data_dir / "environment").read_text()
    except OSError:
        return None
