"""sops pieces against files written by other implementations, and sops's typing and MAC rules.

``sops_age_vector.yaml`` is a file encrypted by sops 3.11.0 with age (encrypted_regex), published
with its age identity in a public sops + age walkthrough; its data key is opened with tgo's age
code and its values with tgo's AES-GCM code, and must give the clear text that walkthrough shows.
(Its MAC, as published, does not authenticate, so the MAC check is tested with files written by
tests/support/sops_writer.py instead.)
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pyrage import encrypt as age_encrypt
from pyrage import x25519

from orchestrator.config.sops_age import AgeError, decrypt, parse_identities
from orchestrator.config.sops_stores import LOADERS, go_yaml_float, resolve_plain
from orchestrator.config.sops_tree import Rules, decrypt_tree, go_float, leaf_bytes
from tests.support.sops_writer import armor

VECTOR = Path(__file__).parent / "sops_age_vector.yaml"
VECTOR_KEY = "AGE-SECRET-KEY-1ZU2XLLK73TEAY4Z4JQFDJH4VUA796QTN3GJ246YJKV2C5N7Z7TUSM24TWZ"  # published test key


def test_published_sops_age_file_decrypts_to_its_clear_text() -> None:
    doc = LOADERS["yaml"](VECTOR.read_text())
    identities = parse_identities(f"# public key: age1lz4x...\n{VECTOR_KEY}\n")
    assert len(identities) == 1
    key = decrypt(doc.metadata["age"][0]["enc"].encode(), identities)
    clear, _ = decrypt_tree(doc.branches, key, Rules.of(doc.metadata))
    assert clear == [
        {
            "database": {"host": "localhost", "username": "app", "password": "abcd_1234"},
            "api": {"timeout": 30, "access_token": "dummy12345"},
            "service": [
                {"name": "foo", "client_secret": "abcdef123456"},
                {"name": "bar", "client_secret": "uvwxyz456789"},
            ],
        }
    ]


def test_age_files_from_pyrage_and_wrong_identities() -> None:
    mine, other = x25519.Identity.generate(), x25519.Identity.generate()
    payload = bytes(range(256)) * 300  # more than one 64 KiB chunk
    sealed = age_encrypt(payload, [other.to_public(), mine.to_public()])
    assert decrypt(sealed, parse_identities(str(mine))) == payload
    assert decrypt(armor(sealed).encode(), parse_identities(str(mine))) == payload
    with pytest.raises(AgeError, match="no age identity matched"):
        decrypt(sealed, parse_identities(str(x25519.Identity.generate())))
    with pytest.raises(AgeError, match="payload could not be authenticated"):
        decrypt(sealed[:-1] + bytes([sealed[-1] ^ 1]), parse_identities(str(mine)))
    with pytest.raises(AgeError, match="identity"):
        parse_identities("AGE-SECRET-KEY-1NOTAKEY")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("yes", "yes"),  # YAML 1.1 booleans stay strings in yaml.v3
        ("on", "on"),
        ("True", True),
        ("null", None),
        ("~", None),
        ("0o17", 15),
        ("0x1F", 31),
        ("017", 15),  # Go's ParseInt with base 0: a leading 0 is octal
        ("1_000", 1000),
        ("1.5", 1.5),
        (".inf", float("inf")),
        ("2026-01-02", "2026-01-02"),  # timestamps stay strings when decoding into an interface
    ],
)
def test_yaml_scalars_are_typed_as_yaml_v3(text: str, value: object) -> None:
    assert resolve_plain(text) == value
    assert type(resolve_plain(text)) is type(value)


def test_mac_bytes_and_floats_as_go_writes_them() -> None:
    assert leaf_bytes(True) == b"True" and leaf_bytes(False) == b"False"
    assert leaf_bytes(30) == b"30" and leaf_bytes(30.0) == b"30"
    assert go_float(1e21) == "1000000000000000000000" and go_float(0.000001) == "0.000001"
    assert go_yaml_float(1e21) == "1e+21" and go_yaml_float(1.5) == "1.5" and go_yaml_float(100.0) == "100"


def test_rules_follow_the_metadata() -> None:
    assert Rules.of({}).encrypted(["a", "b"])
    assert not Rules.of({}).encrypted(["a_unencrypted", "b"])
    assert not Rules.of({"encrypted_regex": "^pass"}).encrypted(["user"])
    assert Rules.of({"encrypted_regex": "^pass"}).encrypted(["db", "password"])
    assert not Rules.of({"unencrypted_regex": "^pub"}).encrypted(["public"])
    assert Rules.of({"encrypted_suffix": "_enc"}).encrypted(["key_enc"])
