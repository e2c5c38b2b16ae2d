"""The parse-cache key: outside the cache, private to the user, or supplied by TGO_CACHE_KEY."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from orchestrator.config.cachekey import cache_key, state_dir
from orchestrator.errors import UsageError
from tests.unit.config.conftest import make_runtime


def test_key_is_created_private_in_the_state_dir_and_reused(tmp_path: Path) -> None:
    runtime = make_runtime(tmp_path, {"XDG_STATE_HOME": str(tmp_path / "state"), "HOME": str(tmp_path / "h")})
    key = cache_key(runtime)
    path = tmp_path / "state" / "tgo" / "cache.key"
    assert key is not None and len(key) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert cache_key(runtime) == key
    assert os.listdir(path.parent) == ["cache.key"]  # no temporary file left


def test_home_fallback_and_no_home_means_no_cache(tmp_path: Path) -> None:
    assert state_dir(make_runtime(tmp_path, {"HOME": "/h", "XDG_STATE_HOME": "rel"})) == Path("/h/.local/state/tgo")
    assert cache_key(make_runtime(tmp_path, {})) is None


def test_supplied_key_wins_and_writes_nothing(tmp_path: Path) -> None:
    env = {"TGO_CACHE_KEY": "s" * 40, "XDG_STATE_HOME": str(tmp_path / "state")}
    assert cache_key(make_runtime(tmp_path, env)) == b"s" * 40
    assert not (tmp_path / "state").exists()
    with pytest.raises(UsageError, match="at least 32"):
        cache_key(make_runtime(tmp_path, {"TGO_CACHE_KEY": "short"}))


@pytest.mark.parametrize("unsafe", ["group-readable", "symlink"])
def test_unsafe_key_file_is_not_used(tmp_path: Path, unsafe: str) -> None:
    state = tmp_path / "state" / "tgo"
    state.mkdir(parents=True)
    key_file = state / "cache.key"
    if unsafe == "symlink":
        (tmp_path / "planted").write_text("p" * 64)
        key_file.symlink_to(tmp_path / "planted")
    else:
        key_file.write_text("p" * 64)
        key_file.chmod(0o640)
    assert cache_key(make_runtime(tmp_path, {"XDG_STATE_HOME": str(tmp_path / "state")})) is None
