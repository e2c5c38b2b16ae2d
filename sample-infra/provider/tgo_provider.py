"""The sample provider ``tgo/tgo`` 0.1.0: one resource, ``tgo_s3_object``, for offline drift demos.

``tgo_s3_object`` writes ``content`` to ``s3://<bucket>/<key>`` on the S3 endpoint named by
``AWS_ENDPOINT_URL`` (the moto server), path-style, with the credentials terraform gave this process
(``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` / ``AWS_SESSION_TOKEN``). ``caller_arn`` is the
ARN ``sts get-caller-identity`` returned for those credentials when the object was written, which
proves which role created it. Read refreshes ``content`` and ``etag`` from S3, so an object edited
outside terraform shows up as drift, and a deleted object leaves the state.

Contract: stdout belongs to the go-plugin handshake, so everything here logs to stderr only.
AWS calls go through :mod:`aws_http` (SigV4 over urllib): importing boto3 would cost ~0.5 s of CPU in
every plugin process, and terraform starts 2-5 of them per command.
"""

from __future__ import annotations

import os
import sys
import threading
import time

from tf import schema, types
from tf.iface import (
    Config,
    CreateContext,
    DataSource,
    DeleteContext,
    PlanContext,
    Provider,
    ReadContext,
    Resource,
    State,
    UpdateContext,
)
from tf.runner import run_provider
from tf.utils import Diagnostics

from aws_http import AwsError, AwsHttp, CredentialChain

VERSION = "0.1.0"
DEFAULT_REGION = "us-east-1"


def log(message: str) -> None:
    print(f"[tgo-provider] {message}", file=sys.stderr, flush=True)


class TgoProvider(Provider):
    """Holds the provider config and the caller ARN of this process (thread-safe: one lock)."""

    def __init__(self) -> None:
        self.region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
        self._caller_arn: str | None = None
        self._lock = threading.Lock()
        self._chain = CredentialChain(dict(os.environ))  # one per process: credential_process answers are cached

    def get_model_prefix(self) -> str:
        return "tgo_"

    def full_name(self) -> str:
        return "registry.terraform.io/tgo/tgo"

    def get_provider_schema(self, diags: Diagnostics) -> schema.Schema:
        return schema.Schema(
            version=0,
            attributes=[schema.Attribute("region", types.String(), optional=True)],
        )

    def validate_config(self, diags: Diagnostics, config: Config) -> None:
        return None

    def configure_provider(self, diags: Diagnostics, config: Config) -> None:
        if config.get("region"):
            self.region = config["region"]

    def get_data_sources(self) -> list[type[DataSource]]:
        return []

    def get_resources(self) -> list[type[Resource]]:
        return [S3Object]

    def aws(self) -> AwsHttp:
        return AwsHttp(dict(os.environ), self.region, self._chain)

    def caller_arn(self) -> str:
        """The ARN of the credentials this process runs with (one STS call per process)."""
        with self._lock:
            if self._caller_arn is None:
                self._caller_arn = self.aws().caller_arn()
            return self._caller_arn


class S3Object(Resource):
    def __init__(self, provider: TgoProvider) -> None:
        self.provider = provider

    @classmethod
    def get_name(cls) -> str:
        return "s3_object"

    @classmethod
    def get_schema(cls) -> schema.Schema:
        return schema.Schema(
            version=0,
            attributes=[
                schema.Attribute("id", types.String(), computed=True),
                schema.Attribute("bucket", types.String(), required=True, requires_replace=True),
                schema.Attribute("key", types.String(), required=True, requires_replace=True),
                schema.Attribute("content", types.String(), required=True),
                # Seconds to wait before writing: an apply that outlives its credentials (broker tests).
                schema.Attribute("write_delay_seconds", types.Number(), optional=True),
                schema.Attribute("etag", types.String(), computed=True),
                schema.Attribute("caller_arn", types.String(), computed=True),
            ],
        )

    def _put(self, diags: Diagnostics, state: State) -> State | None:
        delay = state.get("write_delay_seconds")
        if delay:
            log(f"waiting {delay} s before writing s3://{state['bucket']}/{state['key']}")
            time.sleep(float(delay))
        try:
            etag = self.provider.aws().put_object(state["bucket"], state["key"], state["content"].encode())
            arn = self.provider.caller_arn()
        except (AwsError, OSError) as exc:  # every AWS failure becomes a diagnostic terraform shows
            diags.add_error(f"cannot write s3://{state['bucket']}/{state['key']}", str(exc))
            return None
        return {**state, "id": f"{state['bucket']}/{state['key']}", "etag": etag, "caller_arn": arn}

    def create(self, ctx: CreateContext, planned: State) -> State | None:
        return self._put(ctx.diagnostics, planned)

    def read(self, ctx: ReadContext, current: State) -> State | None:
        try:
            body, etag = self.provider.aws().get_object(current["bucket"], current["key"])
        except AwsError as exc:
            if exc.code in {"NoSuchKey", "NoSuchBucket"}:
                log(f"s3://{current['bucket']}/{current['key']} is gone ({exc.code}); removing it from state")
                return None
            ctx.diagnostics.add_error(f"cannot read s3://{current['bucket']}/{current['key']}", str(exc))
            return current
        except OSError as exc:
            ctx.diagnostics.add_error(f"cannot read s3://{current['bucket']}/{current['key']}", str(exc))
            return current
        return {**current, "content": body.decode("utf-8", errors="replace"), "etag": etag}

    def plan(self, ctx: PlanContext, current: State | None, planned: State) -> State | None:
        # A new write changes the etag and may come from another role: both are known after apply.
        if current is not None and ctx.changed_fields & {"content", "bucket", "key"}:
            planned = {**planned, "etag": types.Unknown, "caller_arn": types.Unknown}
        return planned

    def update(self, ctx: UpdateContext, current: State, planned: State) -> State | None:
        return self._put(ctx.diagnostics, planned)

    def delete(self, ctx: DeleteContext, current: State) -> None:
        try:
            self.provider.aws().delete_object(current["bucket"], current["key"])
        except (AwsError, OSError) as exc:
            ctx.diagnostics.add_error(f"cannot delete s3://{current['bucket']}/{current['key']}", str(exc))


def main() -> None:
    run_provider(TgoProvider(), sys.argv)


if __name__ == "__main__":
    main()
