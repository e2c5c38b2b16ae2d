"""Removing the credentials tgo handed out from everything it prints or writes.

Terraform prints request headers at ``TF_LOG=TRACE`` (``X-Amz-Security-Token: ...``), hooks and
``run_cmd`` commands may echo their environment: tgo knows every secret it gave those processes, so
it masks each one in every line before the line reaches the terminal, a log file or a report.

Contract of :class:`Redactor`:
- An object (one per Runtime, reached as ``runtime.console.redactor``), never module state. The
  credential cache feeds it each session it obtains (secret access key and session token; access
  key IDs are identifiers, not secrets, and stay readable for CloudTrail); ``Runtime.from_os``
  feeds it the base credentials of the environment.
- :meth:`Redactor.redact` replaces every known secret with :data:`MASK` and counts the lines it
  changed, so a command can say once, at its end, that it redacted something.
- Values shorter than :data:`MIN_SECRET_CHARS` are not treated as secrets (real ones are 40 or
  more characters; masking ``testing`` would mangle ordinary words).
- Thread-safe: :meth:`add` and :meth:`redact` may be called from any number of threads.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

MASK = "[redacted]"
MIN_SECRET_CHARS = 16
SECRET_ENV = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
NOTICE = "credentials tgo handed to terraform, hooks or run_cmd were redacted from the output, logs and report"


class Redactor:
    """Masks known secrets in text. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: tuple[str, ...] = ()  # longest first: a secret containing another is masked whole
        self._redacted = 0

    def add(self, *secrets: str | None) -> None:
        """Remember ``secrets`` (None and short values are ignored)."""
        fresh = {s for s in secrets if s and len(s) >= MIN_SECRET_CHARS}
        if not fresh:
            return
        with self._lock:
            if fresh.issubset(self._secrets):
                return
            self._secrets = tuple(sorted(fresh.union(self._secrets), key=len, reverse=True))

    def add_environment(self, environ: Mapping[str, str]) -> None:
        """The base credentials of an environment (``AWS_SECRET_ACCESS_KEY``, session tokens)."""
        self.add(*(environ.get(name) for name in SECRET_ENV))

    def redact(self, text: str) -> str:
        """``text`` with every known secret replaced by :data:`MASK`."""
        secrets = self._secrets  # a tuple swapped whole under the lock: reading it needs none
        if not secrets:
            return text
        changed = text
        for secret in secrets:
            if secret in changed:
                changed = changed.replace(secret, MASK)
        if changed is not text:
            with self._lock:
                self._redacted += 1
        return changed

    @property
    def redacted(self) -> int:
        """How many texts had a secret masked so far."""
        with self._lock:
            return self._redacted
