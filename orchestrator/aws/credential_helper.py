"""The ``credential_process`` helper: ask the running tgo's broker for one profile's credentials.

Run as a file by path with an isolated interpreter (``python -I -S credential_helper.py --socket
PATH PROFILE``, see :func:`orchestrator.aws.broker_protocol.helper_command`). Terraform and every
provider plugin run it, so it is built to start fast (~25 ms of CPU): only the standard library's
C modules (``_socket``, no ``socket``, no ``json``); the request is formatted by hand (profile names
and tokens are plain ASCII) and the broker's answer is printed as it came. ``tgo credential-helper``
runs the same code.

Contract:
- The capability token comes from ``TGO_BROKER_TOKEN`` in the environment, never from argv.
- On success it prints the SDK's process-credential JSON on stdout and exits 0.
- On any failure it prints ONE line on stderr and exits non-zero: 2 when the broker cannot be
  reached (tgo has exited), 3 when the broker refused, 64 for bad usage. No secret is printed on
  stderr; nothing is written anywhere else.
"""

from __future__ import annotations

import _socket
import os
import sys

TOKEN_ENV = "TGO_BROKER_TOKEN"
PROTOCOL_VERSION = 1
TIMEOUT_S = 120.0
EXIT_UNREACHABLE = 2
EXIT_REFUSED = 3
EXIT_USAGE = 64
USAGE = "usage: credential_helper.py --socket PATH PROFILE (token in TGO_BROKER_TOKEN)"
_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def _fail(code: int, text: str) -> int:
    sys.stderr.write(f"tgo credential-helper: {text}\n")
    sys.stderr.flush()
    return code


def _parse(argv: list[str]) -> tuple[str, str] | None:
    if len(argv) == 3 and argv[0] == "--socket" and argv[2] and set(argv[2]) <= _SAFE:
        return argv[1], argv[2]
    return None


def request_line(profile: str, token: str) -> bytes:
    """The request (the broker's parse_request reads it as JSON). A token that is not plain ASCII
    letters and digits is sent as empty: the broker then says there is none."""
    if not set(token) <= _SAFE:
        token = ""
    return f'{{"v": {PROTOCOL_VERSION}, "profile": "{profile}", "token": "{token}"}}\n'.encode()


def _exchange(path: str, request: bytes) -> bytes:
    conn = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        conn.settimeout(TIMEOUT_S)
        conn.connect(path)
        conn.sendall(request)
        chunks: list[bytes] = []
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> int:
    """Run the helper; returns the exit code (see the module doc)."""
    parsed = _parse(sys.argv[1:] if argv is None else argv)
    if parsed is None:
        return _fail(EXIT_USAGE, USAGE)
    path, profile = parsed
    try:
        answer = _exchange(path, request_line(profile, os.environ.get(TOKEN_ENV, "")))
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return _fail(
            EXIT_UNREACHABLE,
            f"cannot reach the tgo credential broker at {path} ({reason}): the tgo run that started "
            "this process has ended or this user may not use it",
        )
    if answer.startswith(b"OK\n"):
        sys.stdout.write(answer[3:].decode("utf-8", "replace"))
        sys.stdout.flush()
        return 0
    if answer.startswith(b"ERR "):
        reason = answer[4:].decode("utf-8", "replace").strip()
        return _fail(EXIT_REFUSED, f"the tgo credential broker refused profile {profile}: {reason}")
    return _fail(EXIT_UNREACHABLE, f"the tgo credential broker at {path} closed the connection without an answer")


if __name__ == "__main__":
    sys.exit(main())
