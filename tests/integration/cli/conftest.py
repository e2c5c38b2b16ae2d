"""Fixtures for CLI tests that run the real ``tgo`` in a child process: an environment with the
pinned terraform and nothing else from the developer's shell."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.terraform import terraform_env, terraform_path

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def tgo_env(tmp_path: Path) -> dict[str, str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    env.update(terraform_env(tmp_path / "home"))
    env["TG_TF_PATH"] = str(terraform_path())
    return env
