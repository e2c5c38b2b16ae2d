from __future__ import annotations

import ast as pyast
import json
from pathlib import Path

from orchestrator.config import files as files_mod
from orchestrator.config import parsecache as parsecache_mod
from orchestrator.config.files import FileStore
from orchestrator.config.parsecache import ParseCache
from orchestrator.hcl.ast import body_to_json
from orchestrator.hcl.parser import parse_text

TEXT = 'locals {\n  a = "x-${1 + 2}"\n}\ninputs = { b = [1, 2] }\n'


def test_round_trip_keeps_tree_and_renames_file(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path / "c")
    body = parse_text(TEXT, "one.hcl")
    cache.put(TEXT.encode(), body)
    got = cache.get(TEXT.encode(), "two.hcl")
    assert got is not None
    assert body_to_json(got) == body_to_json(body)
    assert got.attributes["inputs"].pos.file == "two.hcl"


def test_entries_are_plain_json_and_no_pickle_anywhere(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path / "c")
    cache.put(TEXT.encode(), parse_text(TEXT, "f.hcl"))
    (entry,) = list((tmp_path / "c").rglob("*.json"))
    data = json.loads(entry.read_text())
    assert data["key"] == cache.key(TEXT.encode())
    for module in (parsecache_mod, files_mod):
        tree = pyast.parse(Path(module.__file__ or "").read_text())
        imported = {a.name for n in pyast.walk(tree) if isinstance(n, pyast.Import) for a in n.names}
        imported |= {n.module or "" for n in pyast.walk(tree) if isinstance(n, pyast.ImportFrom)}
        assert not imported & {"pickle", "marshal", "shelve", "dill"}


def test_corrupt_entry_is_a_miss_and_gets_rewritten(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path / "c")
    src = tmp_path / "terragrunt.hcl"
    src.write_text(TEXT)
    entry = cache.entry_path(cache.key(TEXT.encode()))
    entry.parent.mkdir(parents=True)
    for garbage in (
        "{not json",
        '{"key": "x"}',
        json.dumps(
            {
                "key": cache.key(TEXT.encode()),
                "format": 1,
                "tgo": cache.tgo_version,
                "parser": cache.parser_version,
                "body": [1, 1, [["x", 1, 1, ["Z", 0, 0]]], []],
            }
        ),
    ):
        entry.write_text(garbage)
        assert cache.get(TEXT.encode(), "f") is None
    store = FileStore(cache)
    store.body(src)
    assert store.parse_counts == {src: 1}
    assert cache.get(TEXT.encode(), "f") is not None  # rewritten


def test_stale_entry_from_other_versions_is_ignored(tmp_path: Path) -> None:
    old = ParseCache(tmp_path / "c", tgo_version="0.0.1", parser_version="1.0")
    new = ParseCache(tmp_path / "c", tgo_version="0.0.2", parser_version="1.0")
    body = parse_text(TEXT, "f")
    old.put(TEXT.encode(), body)
    assert new.get(TEXT.encode(), "f") is None
    # Even an entry planted under the new key but written by the old version is not trusted.
    data = json.loads(old.entry_path(old.key(TEXT.encode())).read_text())
    target = new.entry_path(new.key(TEXT.encode()))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({**data, "key": new.key(TEXT.encode())}))
    assert new.get(TEXT.encode(), "f") is None


def test_edit_of_one_file_reparses_only_that_file(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path / "c")
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
    store = FileStore(ParseCache(tmp_path / "c"))
    for _ in range(2):
        try:
            store.body(src)
        except Exception as err:
            assert type(err).__name__ == "HclSyntaxError"
    assert store.parse_counts == {src: 1}
    assert not list((tmp_path / "c").rglob("*.json"))


def test_prefetch_uses_worker_processes_and_fills_cache(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path / "c")
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
