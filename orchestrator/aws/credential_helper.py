"""The ``credential_process`` helper: ask the running tgo's broker for one profile's credentials.

Run as a file by path with an isolated interpreter (``python -I -S credential_helper.py --socket
PATH PROFILE``, see :func:`orchestrator.aws.broker_protocol.helper_command`): it imports only the
standard library so it starts in ~20 ms, which matters because terraform and every provider
plugin run it. ``tgo credential-helper`` runs the same code.

Contract:
- The capability token comes from ``TGO_BROKER_TOKEN`` in the environment, never from argv.
- On success it prints the SDK's process-credential JSON on stdout and exits 0.
- On any failure it prints ONE line on stderr and exits non-zero: 2 when the broker cannot be
  reached (tgo has exited), 3 when the broker refused, 64 for bad usage. No secret is printed on
  stderr; nothing is written anywhere else.
"""

from __future__ import annotations

import json
import os
import socket
import sys

TOKEN_ENV = "TGO_BROKER_TOKEN"
PROTOCOL_VERSION = 1
TIMEOUT_S = 120.0
EXIT_UNREACHABLE = 2
EXIT_REFUSED = 3
EXIT_USAGE = 64
USAGE = "usage: credential_helper.py --socket PATH PROFILE (token in TGO_BROKER_TOKEN)"


def _fail(code: int, text: str) -> int:
    sys.stderr.write(f"tgo credential-helper: {text}\n")
    return code


def _parse(argv: list[str]) -> tuple[str, str] | None:
    if len(argv) == 3 and argv[0] == "--socket":
        return argv[1], argv[2]
    return None


def _exchange(path: str, request: bytes) -> bytes:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(TIMEOUT_S)
        conn.connect(path)
        conn.sendall(request)
        chunks = []
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
            if chunk.endswith(b"\n"):
                break
    return b"".join(chunks)


def main(argv: list[str] | None = None) -> int:
    """Run the helper; returns the exit code (see the module doc)."""
    parsed = _parse(sys.argv[1:] if argv is None else argv)
    if parsed is None:
        return _fail(EXIT_USAGE, USAGE)
    path, profile = parsed
    token = os.environ.get(TOKEN_ENV, "")
    request = json.dumps({"v": PROTOCOL_VERSION, "profile": profile, "token": token}).encode() + b"\n"
    try:
        raw = _exchange(path, request)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return _fail(
            EXIT_UNREACHABLE,
            f"cannot reach the tgo credential broker at {path} ({reason}): the tgo run that started "
            "this process has ended or this user may not use it",
        )
    try:
        answer = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _fail(EXIT_UNREACHABLE, f"the tgo credential broker at {path} closed the connection without an answer")
    if not isinstance(answer, dict) or not answer.get("ok"):
        error = answer.get("error", "refused") if isinstance(answer, dict) else "refused"
        return _fail(EXIT_REFUSED, f"the tgo credential broker refused profile {profile}: {error}")
    sys.stdout.write(json.dumps(answer["credentials"]) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
