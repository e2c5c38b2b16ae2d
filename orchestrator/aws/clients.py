"""botocore clients for the AWS services tgo calls besides STS (KMS for sops files, IAM for the
account alias), built from the Runtime's environment snapshot and a role session's credentials.

Contract:
- :class:`EnvironSession` is a botocore session whose configuration and environment credentials
  come from an ``environ`` mapping (never ``os.environ`` for the environment-credential step).
- :class:`ServiceClients` builds one client per (service, region, credentials), lazily, under a lock
  (botocore sessions are not thread-safe; clients are). ``AWS_ENDPOINT_URL_<SERVICE>`` beats
  ``AWS_ENDPOINT_URL``, which is how tests reach a moto server.
- Credentials are held in memory only; clients are keyed by the access key id, never logged.
- Failures are raised as :class:`~orchestrator.aws.model.StsError`-like :class:`AwsCallError` with
  AWS's code and message (no request detail, so no secret).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import botocore.config
import botocore.credentials
import botocore.exceptions
import botocore.session
from botocore.configprovider import BOTOCORE_DEFAUT_SESSION_VARIABLES, ConfigChainFactory, ConfigValueStore

from orchestrator.aws.model import Credentials

DEFAULT_REGION = "us-east-1"
CONNECT_TIMEOUT = 10
READ_TIMEOUT = 30


class AwsCallError(Exception):
    """An AWS call failed: ``code`` and ``message`` as AWS gave them (no secret)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class EnvironSession(botocore.session.Session):
    """A botocore session whose configuration and environment credentials come from ``environ``."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._tgo_environ = dict(environ)
        super().__init__()
        resolver = self.get_component("credential_provider")
        resolver.providers = [
            botocore.credentials.EnvProvider(environ=self._tgo_environ)
            if p.METHOD == botocore.credentials.EnvProvider.METHOD
            else p
            for p in resolver.providers
        ]

    def _register_config_store(self) -> None:
        chain = ConfigChainFactory(session=self, environ=self._tgo_environ)
        mapping = {
            name: chain.create_config_chain(
                instance_name=name,
                env_var_names=env,
                config_property_names=config,
                default=default,
                conversion_func=conversion,
            )
            for name, (config, env, default, conversion) in BOTOCORE_DEFAUT_SESSION_VARIABLES.items()
        }
        components: Any = self.__dict__["_components"]  # botocore keeps no public hook for this
        components.register_component("config_store", ConfigValueStore(mapping=mapping))


def service_endpoint(environ: Mapping[str, str], service: str) -> str | None:
    """``AWS_ENDPOINT_URL_<SERVICE>`` beats ``AWS_ENDPOINT_URL``; None: AWS's own endpoint."""
    return environ.get(f"AWS_ENDPOINT_URL_{service.upper()}") or environ.get("AWS_ENDPOINT_URL") or None


class ServiceClients:
    """botocore clients by (service, region, credentials). Thread-safe."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = dict(environ)
        self._lock = threading.Lock()  # guards the lazily built session and the client table
        self._session: EnvironSession | None = None
        self._clients: dict[tuple[str, str, str | None, str | None, bool], Any] = {}
        self.default_region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
        self._config = botocore.config.Config(
            retries={"total_max_attempts": 3, "mode": "standard"},
            connect_timeout=CONNECT_TIMEOUT,
            read_timeout=READ_TIMEOUT,
        )

    def client(
        self,
        service: str,
        credentials: Credentials | None,
        region: str | None = None,
        *,
        endpoint: str | None = None,
        path_style: bool = False,
    ) -> Any:
        """A client of ``service`` with ``credentials`` (None: the base credentials chain).

        ``endpoint`` beats the environment's endpoint; ``path_style``: S3 addressing by path (a
        backend's ``force_path_style``)."""
        region = region or self.default_region
        endpoint = endpoint or service_endpoint(self._environ, service)
        key = (service, region, credentials.access_key_id if credentials else None, endpoint, path_style)
        with self._lock:
            found = self._clients.get(key)
            if found is not None:
                return found
            if self._session is None:
                self._session = EnvironSession(self._environ)
            kwargs: dict[str, Any] = {}
            if credentials is not None:
                kwargs = {
                    "aws_access_key_id": credentials.access_key_id,
                    "aws_secret_access_key": credentials.secret_access_key,
                    "aws_session_token": credentials.session_token,
                }
            config = self._config
            if path_style:
                config = config.merge(botocore.config.Config(s3={"addressing_style": "path"}))
            made = self._session.create_client(
                service,
                region_name=region,
                endpoint_url=endpoint,
                config=config,
                **kwargs,
            )
            self._clients[key] = made
            return made


@contextlib.contextmanager
def aws_errors() -> Iterator[None]:
    """Turn botocore exceptions into :class:`AwsCallError` (code and message only)."""
    try:
        yield
    except botocore.exceptions.ClientError as exc:
        error = exc.response.get("Error", {})
        raise AwsCallError(error.get("Code", "Unknown"), error.get("Message", "")) from None
    except botocore.exceptions.NoCredentialsError:
        raise AwsCallError(
            "NoCredentials", "no AWS credentials found (environment, profile, SSO, instance role)"
        ) from None
    except botocore.exceptions.BotoCoreError as exc:
        raise AwsCallError(type(exc).__name__, str(exc)) from None
