"""The credential broker's I/O: a unix socket in a fresh private directory, served by threads.

The rules (profiles, tokens, wire format, environment) are in :mod:`orchestrator.aws.broker_protocol`;
this module only moves bytes, checks the peer and manages files.

Contract of :class:`CredentialBroker`:
- :meth:`start` creates a fresh 0700 directory (under ``$XDG_RUNTIME_DIR``, else ``$TMPDIR``, else
  ``/tmp``) holding the socket, the AWS config file and an empty shared-credentials file.
- Each connection is served on its own thread: the peer's uid (``SO_PEERCRED``) must be tgo's own;
  the request's token must grant the profile; then ``fetch`` (the CredentialCache: single-flight,
  backoff, chaining clamp) gives the credentials, answered with ``Expiration`` moved earlier by the
  refresh margin. A refusal is logged through ``log`` with a reason that names no secret.
- :meth:`close` is idempotent and safe from any thread; it stops serving and removes the directory.
  Callers use ``with broker:`` or try/finally, so an error or Ctrl-C removes it too.
- Thread-safe: every public method may be called from any thread.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import struct
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from pathlib import Path
from types import TracebackType

from orchestrator.aws import broker_protocol as proto
from orchestrator.aws.model import AssumeRequest, Credentials
from orchestrator.errors import AuthError, TgoError

MAX_SOCKET_PATH = 107  # sun_path is 108 bytes on Linux, with the terminating NUL
SOCKET_SUFFIX = len("/tgo-12345678/") + len(proto.SOCKET_NAME)  # what mkdtemp and the socket add
READ_TIMEOUT_S = 10.0
HELPER = Path(__file__).resolve().with_name("credential_helper.py")


def runtime_base(environ: Mapping[str, str]) -> Path:
    """Where the private directory goes: ``$XDG_RUNTIME_DIR`` (a per-user tmpfs), else the temp dir."""
    for name in ("XDG_RUNTIME_DIR", "TMPDIR"):
        value = environ.get(name)
        if value and Path(value).is_dir():
            return Path(value)
    return Path(tempfile.gettempdir())


def _peer_uid(conn: socket.socket) -> int | None:
    """The connecting process's uid, or None where the platform cannot say (no SO_PEERCRED)."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return None
    raw = conn.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", raw)
    return int(uid)


class CredentialBroker:
    """Serves role-session credentials to the processes of one tgo run. See the module doc."""

    def __init__(
        self,
        fetch: Callable[[AssumeRequest], Credentials],
        *,
        margin: timedelta,
        base_dir: Path,
        python: str | None = None,
        native: Path | None = None,
        allowed_uid: int | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self._fetch = fetch
        self.margin = margin
        self._base_dir = base_dir
        # The compiled helper when there is one (see native_helper), else the isolated interpreter.
        self.helper: tuple[str, ...] = (
            (str(native),) if native is not None else (python or sys.executable, "-I", "-S", str(HELPER))
        )
        self._uid = os.getuid() if allowed_uid is None else allowed_uid
        self._log = log or (lambda _text: None)
        self.grants = proto.Grants()
        self._lock = threading.Lock()  # guards the fields below and config file rewrites
        self.files: proto.BrokerFiles | None = None
        self._server: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._closed = False
        self._requests = 0
        self._refreshes = 0
        self._served: dict[str, str] = {}  # profile -> access key id last served

    # -- lifecycle --------------------------------------------------------------------------------

    def start(self) -> CredentialBroker:
        """Create the directory and files, then serve. Raises AuthError when it cannot."""
        base = self._base_dir
        if len(str(base)) + SOCKET_SUFFIX > MAX_SOCKET_PATH:
            base = Path("/tmp")  # a deep TMPDIR would make the socket path too long to bind
        try:
            directory = Path(tempfile.mkdtemp(prefix="tgo-", dir=base))  # mode 0700
            os.chmod(directory, 0o700)
            files = proto.BrokerFiles(directory)
            files.empty_credentials.write_text("")
            server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            server.bind(str(files.socket))
            os.chmod(files.socket, 0o600)
            server.listen(128)
        except OSError as exc:
            raise AuthError(
                f"cannot start the credential broker in {base}: {exc.strerror or exc}",
                hint="set XDG_RUNTIME_DIR or TMPDIR to a writable directory, or use --credentials env",
            ) from None
        with self._lock:
            self.files, self._server = files, server
            self._write_config()
        self._thread = threading.Thread(target=self._serve, name="tgo-credential-broker", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving and remove the directory (idempotent)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            server, files = self._server, self.files
        if server is not None:
            with contextlib.suppress(OSError):
                server.shutdown(socket.SHUT_RDWR)
            server.close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        if files is not None:
            shutil.rmtree(files.directory, ignore_errors=True)

    def __enter__(self) -> CredentialBroker:
        return self.start()

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    # -- grants -----------------------------------------------------------------------------------

    def grant(self, holder: str, request: AssumeRequest, dependencies: Iterable[str] = ()) -> proto.ModuleGrant:
        """Register ``holder``'s role session (rewriting the config file for a new profile)."""
        grant, new = self.grants.register(holder, request, dependencies)
        if new:
            with self._lock:
                self._write_config()
        return grant

    def env(self, grant: proto.ModuleGrant, environ: Mapping[str, str]) -> dict[str, str | None]:
        """The environment overlay for a process holding ``grant``."""
        if self.files is None:
            raise TgoError("the credential broker is not running")
        return proto.broker_env(grant, self.files, environ)

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {"broker_requests": self._requests, "broker_refreshes": self._refreshes}

    def _write_config(self) -> None:
        """Atomically replace the config file (callers hold ``_lock``): readers never see half a file."""
        if self.files is None or self._closed:
            return
        commands = {name: proto.helper_command(self.helper, self.files.socket, name) for name in self.grants.profiles()}
        tmp = self.files.directory / (proto.CONFIG_FILE_NAME + ".tmp")
        tmp.write_text(proto.config_text(commands))
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.files.config)

    # -- serving ----------------------------------------------------------------------------------

    def _serve(self) -> None:
        server = self._server
        assert server is not None
        while True:
            try:
                conn, _addr = server.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self._handle, args=(conn,), name="tgo-broker-conn", daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.settimeout(READ_TIMEOUT_S)
                answer = self._answer(conn)
                conn.sendall(answer)
            except OSError:
                return  # the client went away; nothing to tell anyone

    def _answer(self, conn: socket.socket) -> bytes:
        raw = _read_line(conn)  # read first: closing with unread data would reset the connection
        with self._lock:
            self._requests += 1
        uid = _peer_uid(conn)
        if uid is not None and uid != self._uid:
            self._log(f"credential broker: refused a request from uid {uid} (only uid {self._uid} may ask)")
            return proto.answer_refused("this user may not use this tgo run's credential broker")
        try:
            profile, token = proto.parse_request(raw)
            request = self.grants.authorize(profile, token)
        except (proto.ProtocolError, PermissionError) as exc:
            self._log(f"credential broker: refused: {exc}")
            return proto.answer_refused(str(exc))
        try:
            creds = self._fetch(request)
        except TgoError as exc:
            self._log(f"credential broker: {profile}: {exc.format()}")
            return proto.answer_refused(exc.format())
        with self._lock:
            previous = self._served.get(profile)
            if previous is not None and previous != creds.access_key_id:
                self._refreshes += 1
            self._served[profile] = creds.access_key_id
        return proto.answer_ok(creds, self.margin)


def _read_line(conn: socket.socket) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size <= proto.MAX_REQUEST_BYTES:
        chunk = conn.recv(4096)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if chunk.endswith(b"\n"):
            break
    return b"".join(chunks)
