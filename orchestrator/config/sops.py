"""``sops_decrypt_file(path)``: a sops-encrypted file's clear text, decrypted in this process.

The data key comes from the file's key entries, tried in sops's order: ``age`` entries with the
identities sops would use (``SOPS_AGE_KEY``, then ``SOPS_AGE_KEY_FILE``, then
``$XDG_CONFIG_HOME/sops/age/keys.txt`` or ``~/.config/sops/age/keys.txt``), then ``kms`` entries
through AWS KMS under the module's IAM role (see :class:`KmsDecrypt`). PGP, GCP KMS, Azure Key
Vault, HashiCorp Vault and Shamir key groups are not supported: such a file gives a clear error.
Values are decrypted with AES-256-GCM and the MAC is verified (:mod:`.sops_tree`); the clear text is
written in the file's format (:mod:`.sops_stores`). Nothing is written to disk.

:class:`SopsFiles` is the per-run cache: one decryption per (file, role), single-flight under a
per-key lock, so modules decrypting the same file at once wait for one decryption. Thread-safe.
Every failure is an EvalError naming the file and what to do; never a value or a key.
"""

from __future__ import annotations

import base64
import binascii
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from orchestrator.errors import EvalError, TgoError

UNSUPPORTED_KEYS = ("pgp", "gcp_kms", "azure_kv", "hc_vault")


class KeyServiceError(Exception):
    """A key service (KMS) refused or failed; the text is AWS's code and message, never a secret."""


class KmsDecrypt(Protocol):
    """KMS ``Decrypt`` under a role (None: the base credentials). Raises KeyServiceError, or a
    TgoError (AuthError) when the role cannot be assumed."""

    def __call__(self, role: str | None, key_arn: str, blob: bytes, context: Mapping[str, str]) -> bytes: ...


def age_key_sources(environ: Mapping[str, str]) -> list[tuple[str, str]]:
    """(where, text) of every age identity source sops reads, in sops's order."""
    sources = []
    if environ.get("SOPS_AGE_KEY"):
        sources.append(("SOPS_AGE_KEY", environ["SOPS_AGE_KEY"]))
    files = []
    if environ.get("SOPS_AGE_KEY_FILE"):
        files.append(("SOPS_AGE_KEY_FILE", Path(os.path.expanduser(environ["SOPS_AGE_KEY_FILE"]))))
    config_home = environ.get("XDG_CONFIG_HOME") or (
        str(Path(environ["HOME"]) / ".config") if "HOME" in environ else ""
    )
    if config_home:
        files.append(("the default keys.txt", Path(config_home) / "sops" / "age" / "keys.txt"))
    for where, path in files:
        try:
            sources.append((where, path.read_text()))
        except OSError:
            continue
    return sources


class SopsFiles:
    """Decrypted sops files of one run, by (file, role). Thread-safe; see the module doc."""

    def __init__(self, environ: Mapping[str, str], kms: KmsDecrypt | None = None) -> None:
        self._environ = environ
        self._kms = kms
        self._lock = threading.Lock()
        self._locks: dict[tuple[Path, str | None], threading.Lock] = {}
        self._done: dict[tuple[Path, str | None], str] = {}

    def decrypt(self, path: Path, shown: str, role: str | None) -> str:
        """The clear text of the sops file at ``path`` (``shown`` names it in messages), with KMS
        calls under ``role``. Raises EvalError."""
        key = (path, role)
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            found = self._done.get(key)
            if found is None:
                found = self._decrypt(path, shown, role)
                self._done[key] = found
            return found

    def _decrypt(self, path: Path, shown: str, role: str | None) -> str:
        # Imported here: yaml and cryptography take a tenth of a second to import, and only a
        # config that calls sops_decrypt_file() needs them.
        from orchestrator.config.sops_stores import EMITTERS, LOADERS, format_for_path
        from orchestrator.config.sops_tree import Rules, SopsError, check_mac, decrypt_tree

        try:
            raw = path.read_bytes()
        except OSError as err:
            raise EvalError(f"sops_decrypt_file(): cannot read {shown}: {err.strerror}") from None
        fmt = format_for_path(path.name)
        try:
            doc = LOADERS[fmt](raw.decode("utf-8"))
            rules = Rules.of(doc.metadata)
            data_key = self._data_key(doc.metadata, role)
            clear, mac = decrypt_tree(doc.branches, data_key, rules)
            check_mac(doc.metadata, data_key, mac)
            text = EMITTERS[fmt](clear)
        except UnicodeDecodeError:
            raise EvalError(f"sops_decrypt_file(): {shown} is not UTF-8 text") from None
        except SopsError as err:
            raise EvalError(
                f"sops_decrypt_file(): cannot decrypt {shown}: {err}",
                hint="check that the file was encrypted with sops and that you hold one of its keys",
            ) from None
        return text

    def _data_key(self, metadata: Mapping[str, Any], role: str | None) -> bytes:
        from orchestrator.config.sops_tree import SopsError

        if metadata.get("key_groups"):
            raise SopsError("sops files with key_groups (Shamir secret sharing) are not supported")
        failures: list[str] = []
        age_entries = [e for e in _entries(metadata, "age")]
        if age_entries:
            found = self._from_age(age_entries, failures)
            if found is not None:
                return found
        for entry in _entries(metadata, "kms"):
            found = self._from_kms(entry, role, failures)
            if found is not None:
                return found
        for kind in UNSUPPORTED_KEYS:
            for entry in _entries(metadata, kind):
                name = entry.get("fp") or entry.get("resource_id") or entry.get("vault_address") or kind
                failures.append(f"{kind} {name}: not supported by tgo")
        if not failures:
            raise SopsError("the file names no key to decrypt it with")
        raise SopsError("no key could decrypt the data key: " + "; ".join(failures))

    def _from_age(self, entries: list[dict[str, Any]], failures: list[str]) -> bytes | None:
        from orchestrator.config.sops_age import AgeError, parse_identities
        from orchestrator.config.sops_age import decrypt as age_decrypt

        identities = []
        sources = age_key_sources(self._environ)
        for where, text in sources:
            try:
                identities += parse_identities(text)
            except AgeError as err:
                failures.append(f"age identities in {where}: {err}")
        for entry in entries:
            recipient = str(entry.get("recipient", "?"))
            try:
                return age_decrypt(str(entry.get("enc", "")).encode(), identities)
            except AgeError as err:
                looked = ", ".join(w for w, _ in sources) or "no SOPS_AGE_KEY, SOPS_AGE_KEY_FILE or keys.txt"
                failures.append(f"age {recipient}: {err} (identities from {looked})")
        return None

    def _from_kms(self, entry: Mapping[str, Any], role: str | None, failures: list[str]) -> bytes | None:
        arn = str(entry.get("arn", ""))
        if self._kms is None:
            failures.append(f"kms {arn}: AWS is not available in this command")
            return None
        context = entry.get("context") or {}
        try:
            blob = base64.b64decode(str(entry.get("enc", "")), validate=True)
            return self._kms(role, arn, blob, {str(k): str(v) for k, v in dict(context).items()})
        except binascii.Error:
            failures.append(f"kms {arn}: the encrypted data key is not base64")
        except TgoError as err:
            failures.append(f"kms {arn}: {err.message}")
        except KeyServiceError as err:
            failures.append(f"kms {arn}: {err}")
        return None


def _entries(metadata: Mapping[str, Any], kind: str) -> list[dict[str, Any]]:
    found = metadata.get(kind) or []
    return [e for e in found if isinstance(e, dict)] if isinstance(found, list) else []
