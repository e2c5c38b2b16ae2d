"""The sample provider ``tgo/tgo`` 0.1.0: ``tgo_s3_object`` for offline drift demos, and ``tgo_sleep``
(creating it takes ``seconds`` seconds) for tests that interrupt terraform mid-apply.

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
import signal
import sys
import threading
import time
from typing import Any

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
        return [S3Object, Sleep]

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


class Sleep(Resource):
    """``tgo_sleep``: creating it takes ``seconds`` seconds and touches nothing else. For tests that need
    terraform itself busy mid-apply (holding its state lock), e.g. to interrupt it."""

    def __init__(self, provider: TgoProvider) -> None:
        self.provider = provider

    @classmethod
    def get_name(cls) -> str:
        return "sleep"

    @classmethod
    def get_schema(cls) -> schema.Schema:
        return schema.Schema(
            version=0,
            attributes=[
                schema.Attribute("id", types.String(), computed=True),
                schema.Attribute("seconds", types.Number(), required=True, requires_replace=True),
            ],
        )

    def create(self, ctx: CreateContext, planned: State) -> State | None:
        log(f"sleeping {planned['seconds']} s")
        time.sleep(float(planned["seconds"]))
        return {**planned, "id": f"slept-{planned['seconds']}"}

    def read(self, ctx: ReadContext, current: State) -> State | None:
        return current

    def plan(self, ctx: PlanContext, current: State | None, planned: State) -> State | None:
        return planned

    def update(self, ctx: UpdateContext, current: State, planned: State) -> State | None:
        return planned

    def delete(self, ctx: DeleteContext, current: State) -> None:
        return None


def _keep_serving_after_stop() -> None:
    """Make ``StopProvider`` what it is for Go providers: a request to wrap up, acknowledged while calls
    in flight go on (terraform waits for them, state lock held). The ``tf`` runner shuts its server down
    on it instead, which ends every interrupted apply at once. Only go-plugin's Shutdown stops it here."""
    from tf import runner  # the runner's private interceptor is the only place this is decided

    original = runner._ShutdownInterceptor.intercept_service

    def intercept_service(self: Any, continuation: Any, details: Any) -> Any:
        if details.method == "/tfplugin6.Provider/StopProvider":
            return continuation(details)
        return original(self, continuation, details)

    runner._ShutdownInterceptor.intercept_service = intercept_service  # type: ignore[method-assign]


def main() -> None:
    # Like every Go provider (go-plugin's Serve eats interrupts): a Ctrl-C at the terminal reaches the
    # whole process group, and it is terraform's to handle, not the plugin's.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _keep_serving_after_stop()
    if os.environ.get("TGO_SAMPLE_PROVIDER_IGNORE_SIGTERM"):  # tests: a plugin that will not stop by itself
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    run_provider(TgoProvider(), sys.argv)


if __name__ == "__main__":
    main()
