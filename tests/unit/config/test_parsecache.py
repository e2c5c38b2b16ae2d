from __future__ import annotations

import ast as pyast
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from orchestrator.config import files as files_mod
from orchestrator.config import parsecache as parsecache_mod
from orchestrator.config.files import FileStore
from orchestrator.config.parsecache import HEADER, ParseCache
from orchestrator.hcl.ast import body_to_json
from orchestrator.hcl.parser import parse_text

SECRET = b"k" * 32
TEXT = 'locals {\n  a = "x-${1 + 2}"\n}\ninputs = { b = [1, 2] }\n'


def test_round_trip_keeps_tree_and_renames_file(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path / "c", secret=SECRET)
    body = parse_text(TEXT, "one.hcl")
    cache.put(TEXT.encode(), body)
    got = cache.get(TEXT.encode(), "two.hcl")
    assert got is not None
    assert body_to_json(got) == body_to_json(body)
    assert got.attributes["inputs"].pos.file == "two.hcl"


def test_entries_are_plain_json_and_no_pickle_anywhere(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path / "c", secret=SECRET)
    cache.put(TEXT.encode(), parse_text(TEXT, "f.hcl"))
    (entry,) = list((tmp_path / "c").rglob("*.json"))
    data = json.loads(entry.read_bytes().split(b"\n", 1)[1])
    assert data["key"] == cache.key(TEXT.encode())
    for module in (parsecache_mod, files_mod):
        tree = pyast.parse(Path(module.__file__ or "").read_text())
        imported = {a.name for n in pyast.walk(tree) if isinstance(n, pyast.Import) for a in n.names}
        imported |= {n.module or "" for n in pyast.walk(tree) if isinstance(n, pyast.ImportFrom)}
        assert not imported & {"pickle", "marshal", "shelve", "dill"}


def test_corrupt_entry_is_a_miss_and_gets_rewritten(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path / "c", secret=SECRET)
    src = tmp_path / "terragrunt.hcl"
    src.write_text(TEXT)
    entry = cache.entry_path(cache.key(TEXT.encode()))
    entry.parent.mkdir(parents=True)
    malformed = json.dumps(
        {
            "key": cache.key(TEXT.encode()),
            "format": 1,
            "tgo": cache.tgo_version,
            "parser": cache.parser_version,
            "body": [1, 1, [["x", 1, 1, ["Z", 0, 0]]], []],
        }
    ).encode()
    for garbage in (
        b"{not json",
        b'{"key": "x"}',
        HEADER + cache.tag(b"{not json") + b"\n{not json",
        HEADER + cache.tag(malformed) + b"\n" + malformed,  # authentic but not a tree
    ):
        entry.write_bytes(garbage)
        assert cache.get(TEXT.encode(), "f") is None
    store = FileStore(cache)
    store.body(src)
    assert store.parse_counts == {src: 1}
    assert cache.get(TEXT.encode(), "f") is not None  # rewritten


def test_stale_entry_from_other_versions_is_ignored(tmp_path: Path) -> None:
    old = ParseCache(tmp_path / "c", secret=SECRET, tgo_version="0.0.1", parser_version="1.0")
    new = ParseCache(tmp_path / "c", secret=SECRET, tgo_version="0.0.2", parser_version="1.0")
    body = parse_text(TEXT, "f")
    old.put(TEXT.encode(), body)
    assert new.get(TEXT.encode(), "f") is None
    # Even an entry planted under the new key but written by the old version is not trusted.
    data = json.loads(old.entry_path(old.key(TEXT.encode())).read_bytes().split(b"\n", 1)[1])
    target = new.entry_path(new.key(TEXT.encode()))
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps({**data, "key": new.key(TEXT.encode())}).encode()
    target.write_bytes(HEADER + new.tag(payload) + b"\n" + payload)  # correctly tagged, still stale
    assert new.get(TEXT.encode(), "f") is None


def test_edit_of_one_file_reparses_only_that_file(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path / "c", secret=SECRET)
    paths = []
    for i in range(5):
        p = tmp_path / f"f{i}.hcl"
        p.write_text(f"inputs = {{ n = {i} }}\n")
        paths.append(p)
    first = FileStore(cache)
    for p in paths:
        first.body(p)
    assert sum(first.parse_counts.values()) == 5
    paths[2].write_text("inputs = { n = 42 }\n")
    second = FileStore(cache)
    bodies = [second.body(p) for p in paths]
    assert second.parse_counts == {paths[2]: 1}
    assert bodies[2].attributes["inputs"].pos.file == str(paths[2])


def test_syntax_error_is_memoized_not_cached(tmp_path: Path) -> None:
    src = tmp_path / "bad.hcl"
    src.write_text("inputs = {\n")
    store = FileStore(ParseCache(tmp_path / "c", secret=SECRET))
    for _ in range(2):
        try:
            store.body(src)
        except Exception as err:
            assert type(err).__name__ == "HclSyntaxError"
    assert store.parse_counts == {src: 1}
    assert not list((tmp_path / "c").rglob("*.json"))


def test_prefetch_uses_worker_processes_and_fills_cache(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path / "c", secret=SECRET)
    paths = []
    for i in range(files_mod.MIN_FILES_FOR_POOL + 2):
        p = tmp_path / f"m{i}.hcl"
        p.write_text(f'locals {{ x = "{i}" }}\n')
        paths.append(p)
    store = FileStore(cache)
    store.prefetch(paths)
    assert store.parse_counts == dict.fromkeys(paths, 1)
    assert store.body(paths[3]).attributes == {}  # locals is a block
    assert len(list((tmp_path / "c").rglob("*.json"))) == len(paths)
    warm = FileStore(cache)
    warm.prefetch(paths)
    assert warm.parse_counts == {}


def _forged_entry(cache: ParseCache, text: str, forged: str, tag: bytes | None) -> bytes:
    """An entry for ``text`` holding the tree of ``forged``: untagged (the plain JSON anyone can
    compute, the content key being public) or with ``tag``."""
    data = {
        "key": cache.key(text.encode()),
        "format": 1,
        "tgo": cache.tgo_version,
        "parser": cache.parser_version,
        "body": body_to_json(parse_text(forged, "f")),
    }
    payload = json.dumps(data).encode()
    return payload if tag is None else HEADER + tag + b"\n" + payload


def test_entry_without_a_valid_tag_is_ignored_and_rewritten(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path / "c", secret=SECRET)
    forged = 'locals { x = run_cmd("sh", "-c", "id") }\n'
    attacker = ParseCache(tmp_path / "c", secret=b"a" * 32)  # knows everything but the user's key
    entry = cache.entry_path(cache.key(TEXT.encode()))
    entry.parent.mkdir(parents=True)
    src = tmp_path / "terragrunt.hcl"
    src.write_text(TEXT)
    for blob in (
        _forged_entry(cache, TEXT, forged, None),
        _forged_entry(cache, TEXT, forged, b"0" * 64),
        _forged_entry(attacker, TEXT, forged, attacker.tag(_forged_entry(cache, TEXT, forged, None))),
    ):
        entry.write_bytes(blob)
        assert cache.get(TEXT.encode(), "f") is None
        store = FileStore(cache)
        assert "run_cmd" not in json.dumps(body_to_json(store.body(src)))
        assert store.parse_counts == {src: 1}
        assert entry.read_bytes().startswith(HEADER) and b"run_cmd" not in entry.read_bytes()  # rewritten
        assert cache.get(TEXT.encode(), "f") is not None


def test_oversized_entry_is_discarded_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = ParseCache(tmp_path / "c", secret=SECRET)
    cache.put(TEXT.encode(), parse_text(TEXT, "f"))
    entry = cache.entry_path(cache.key(TEXT.encode()))
    with entry.open("r+b") as fh:  # a valid entry padded past the bound (sparse: costs no disk)
        fh.truncate(parsecache_mod.MAX_ENTRY_BYTES + 1)
    reads: list[str] = []

    def reader(name: str) -> Any:
        return lambda *a, **k: reads.append(name) or b""

    for owner, name in ((os, "fdopen"), (os, "read"), (Path, "read_bytes"), (Path, "read_text"), (Path, "open")):
        monkeypatch.setattr(owner, name, reader(name))
    assert cache.get(TEXT.encode(), "f") is None
    assert reads == []
    monkeypatch.undo()
    cache.put(TEXT.encode(), parse_text(TEXT, "f"))
    assert entry.stat().st_size < 10_000 and cache.get(TEXT.encode(), "f") is not None


def test_symlinks_in_the_cache_are_not_followed(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path / "c", secret=SECRET)
    elsewhere = ParseCache(tmp_path / "other", secret=SECRET)
    elsewhere.put(TEXT.encode(), parse_text(TEXT, "f"))
    real = elsewhere.entry_path(elsewhere.key(TEXT.encode()))
    entry = cache.entry_path(cache.key(TEXT.encode()))
    entry.parent.mkdir(parents=True)
    entry.symlink_to(real)  # an authentic entry, but behind a symlink
    assert cache.get(TEXT.encode(), "f") is None
    entry.unlink()
    entry.parent.rmdir()
    entry.parent.symlink_to(real.parent, target_is_directory=True)
    assert cache.get(TEXT.encode(), "f") is None
    before = real.read_bytes()
    cache.put(TEXT.encode(), parse_text("inputs = {}\n", "f"))
    assert not entry.parent.is_symlink() and entry.parent.is_dir()  # replaced, not written through
    assert real.read_bytes() == before
    assert cache.get(TEXT.encode(), "f") is not None


def test_cache_directories_are_private_and_writes_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "umask", os.umask)
    old = os.umask(0o022)
    try:
        cache = ParseCache(tmp_path / "deep" / "c", secret=SECRET)
        cache.put(TEXT.encode(), parse_text(TEXT, "f"))
    finally:
        os.umask(old)
    entry = cache.entry_path(cache.key(TEXT.encode()))
    assert stat.S_IMODE((tmp_path / "deep" / "c").stat().st_mode) == 0o700
    assert stat.S_IMODE(entry.parent.stat().st_mode) == 0o700
    assert [p.name for p in entry.parent.iterdir()] == [entry.name]  # no temporary file left behind
    # A failing write leaves the previous entry whole and no temporary file.
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError("disk full")))
    cache.put(TEXT.encode(), parse_text("inputs = {}\n", "f"))
    assert [p.name for p in entry.parent.iterdir()] == [entry.name]
    assert cache.get(TEXT.encode(), "f") is not None
