"""Decrypting age files (age-encryption.org/v1) with X25519 identities, as sops stores data keys.

Only what sops needs: an ASCII-armored (or binary) age file whose header holds X25519 stanzas,
and identities given as ``AGE-SECRET-KEY-1...`` lines (comments and blank lines ignored, as in
``keys.txt``). Other stanza types (scrypt, ssh-*, plugins) are skipped, so a file only they can open
fails with "no identity matched". Pure; :func:`decrypt` raises AgeError, never a secret in it.

Format (https://age-encryption.org/v1): header lines ``age-encryption.org/v1``, stanzas
``-> X25519 <share>`` with a wrapped file key on the following lines, then ``--- <mac>``; the payload
is a 16-byte nonce and ChaCha20-Poly1305 chunks of 64 KiB keyed by HKDF(file key, nonce, "payload").
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from hashlib import sha256

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

INTRO = b"age-encryption.org/v1\n"
ARMOR_BEGIN = "-----BEGIN AGE ENCRYPTED FILE-----"
ARMOR_END = "-----END AGE ENCRYPTED FILE-----"
SECRET_HRP = "age-secret-key-"
CHUNK = 64 * 1024
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


class AgeError(Exception):
    """An age file could not be decrypted (malformed, or no identity matched)."""


@dataclass(frozen=True)
class Identity:
    """An X25519 identity and its recipient (public key) bytes. ``repr`` hides the secret."""

    private: X25519PrivateKey
    public: bytes

    def __repr__(self) -> str:
        return "Identity(<secret>)"


def _bech32_decode(text: str) -> tuple[str, bytes]:
    """(human-readable part, data) of a Bech32 string (checksum verified). Raises AgeError."""
    low = text.lower()
    sep = low.rfind("1")
    if sep < 1 or len(low) - sep < 7 or any(c not in _BECH32 for c in low[sep + 1 :]):
        raise AgeError("malformed age identity")
    hrp, values = low[:sep], [_BECH32.index(c) for c in low[sep + 1 :]]
    if _polymod([ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp] + values) != 1:
        raise AgeError("malformed age identity (bad checksum)")
    acc = bits = 0
    out = bytearray()
    for value in values[:-6]:
        acc = (acc << 5) | value
        bits += 5
        while bits >= 8:
            bits -= 8
            out.append((acc >> bits) & 0xFF)
    return hrp, bytes(out)


def _polymod(values: list[int]) -> int:
    gen = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    for value in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ value
        for i in range(5):
            chk ^= gen[i] if (top >> i) & 1 else 0
    return chk


def parse_identities(text: str) -> list[Identity]:
    """Every ``AGE-SECRET-KEY-1...`` line of ``text`` (a keys.txt). Raises AgeError for a bad key line."""
    found = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        hrp, data = _bech32_decode(line)
        if hrp != SECRET_HRP or len(data) != 32:
            raise AgeError("not an age X25519 identity (AGE-SECRET-KEY-1...)")
        key = X25519PrivateKey.from_private_bytes(data)
        found.append(Identity(key, key.public_key().public_bytes_raw()))
    return found


def _b64(text: str) -> bytes:
    if "=" in text:
        raise AgeError("malformed age header (padded base64)")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except ValueError:
        raise AgeError("malformed age header (base64)") from None


def _hkdf(ikm: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)


def dearmor(data: bytes) -> bytes:
    """The binary age file inside an ASCII armor (or ``data`` itself when it is not armored)."""
    text = data.decode("ascii", "replace").strip()
    if not text.startswith(ARMOR_BEGIN):
        return data
    if not text.endswith(ARMOR_END):
        raise AgeError("malformed age armor (no end line)")
    body = "".join(text[len(ARMOR_BEGIN) : -len(ARMOR_END)].split())
    try:
        return base64.b64decode(body, validate=True)
    except ValueError:
        raise AgeError("malformed age armor (base64)") from None


def _header(data: bytes) -> tuple[list[tuple[list[str], bytes]], bytes, bytes, bytes]:
    """(stanzas as (args, body), header bytes the MAC covers, MAC, payload)."""
    if not data.startswith(INTRO):
        raise AgeError("not an age file (no age-encryption.org/v1 header)")
    pos = len(INTRO)
    stanzas: list[tuple[list[str], bytes]] = []
    while True:
        end = data.find(b"\n", pos)
        if end < 0:
            raise AgeError("malformed age header (truncated)")
        line = data[pos:end].decode("ascii", "replace")
        if line.startswith("--- "):
            return stanzas, data[: pos + 3], _b64(line[4:]), data[end + 1 :]
        if not line.startswith("-> "):
            raise AgeError("malformed age header")
        pos = end + 1
        body = b""
        while True:  # the body ends with its first line shorter than 64 columns
            end = data.find(b"\n", pos)
            if end < 0:
                raise AgeError("malformed age header (truncated stanza)")
            chunk = data[pos:end].decode("ascii", "replace")
            body += _b64(chunk)
            pos = end + 1
            if len(chunk) < 64:
                break
        stanzas.append((line[3:].split(" "), body))


def _unwrap(stanzas: list[tuple[list[str], bytes]], identities: Iterable[Identity]) -> bytes | None:
    for args, body in stanzas:
        if len(args) != 2 or args[0] != "X25519":
            continue
        share = _b64(args[1])
        if len(share) != 32:
            raise AgeError("malformed X25519 stanza")
        for identity in identities:
            shared = identity.private.exchange(X25519PublicKey.from_public_bytes(share))
            wrap_key = _hkdf(shared, share + identity.public, b"age-encryption.org/v1/X25519")
            try:
                return ChaCha20Poly1305(wrap_key).decrypt(bytes(12), body, None)
            except InvalidTag:
                continue
    return None


def decrypt(data: bytes, identities: Iterable[Identity]) -> bytes:
    """The plaintext of the age file ``data`` (armored or not). Raises AgeError."""
    stanzas, covered, mac, payload = _header(dearmor(data))
    file_key = _unwrap(stanzas, list(identities))
    if file_key is None:
        raise AgeError("no age identity matched any of the recipients")
    expected = hmac.new(_hkdf(file_key, b"", b"header"), covered, sha256).digest()
    if not hmac.compare_digest(expected, mac):
        raise AgeError("age header MAC mismatch (the file was modified)")
    if len(payload) < 16:
        raise AgeError("age payload truncated")
    aead = ChaCha20Poly1305(_hkdf(file_key, payload[:16], b"payload"))
    body, out, counter = payload[16:], bytearray(), 0
    step = CHUNK + 16
    while True:
        chunk, body = body[:step], body[step:]
        last = not body
        nonce = counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")
        try:
            out += aead.decrypt(nonce, chunk, None)
        except InvalidTag:
            raise AgeError("age payload could not be authenticated") from None
        if last:
            return bytes(out)
        counter += 1
