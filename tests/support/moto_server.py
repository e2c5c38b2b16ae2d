"""A real moto server on 127.0.0.1 for tests (STS, IAM, S3, DynamoDB on one port).

``MotoServer`` starts ``moto.server.ThreadedMotoServer`` on a free port. ``env()`` gives the
environment a tgo process (and terraform) needs to reach it with obviously fake base credentials.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

from moto.server import ThreadedMotoServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class MotoServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MotoServer:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def env(self) -> dict[str, str]:
        """Base credentials and endpoints; the keys are fake and only moto accepts them."""
        return {
            "AWS_ENDPOINT_URL": self.url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
        }


@contextmanager
def moto_server() -> Iterator[MotoServer]:
    srv = MotoServer().start()
    try:
        yield srv
    finally:
        srv.stop()
