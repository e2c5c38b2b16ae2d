"""Fixtures for the config engine's unit tests: tiny trees written to tmp_path, a fake Runtime."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from orchestrator.config.loader import ConfigLoader
from orchestrator.runtime import Console, Runtime

WriteTree = Callable[[Mapping[str, str]], Path]


@pytest.fixture
def write_tree(tmp_path: Path) -> WriteTree:
    """Write {relative path: content} under tmp_path (content dedented); returns tmp_path."""

    def write(files: Mapping[str, str]) -> Path:
        for rel, content in files.items():
            path = tmp_path / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(content))
        return tmp_path

    return write


def make_runtime(cwd: Path, env: Mapping[str, str] | None = None) -> Runtime:
    return Runtime(environ=dict(env or {}), cwd=cwd, console=Console(io.StringIO(), io.StringIO()))


@pytest.fixture
def loader(tmp_path: Path) -> ConfigLoader:
    return ConfigLoader(make_runtime(tmp_path, {"HOME": str(tmp_path)}))
