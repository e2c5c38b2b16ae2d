"""The committed stack repository (sample-infra-stacks/) copied to tmp_path, with the source map that
points its catalog URLs at the copy's local catalog."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from orchestrator.runtime import Console, Runtime
from tests.support.console import Captured

SAMPLE = Path(__file__).resolve().parents[3] / "sample-infra-stacks"
CATALOG_URL = "git::https://github.com/acme/infra-catalog.git"
MODULES_URL = "git::https://github.com/acme/infra-modules.git"


@dataclass(frozen=True)
class StackRepo:
    root: Path

    @property
    def live(self) -> Path:
        return self.root / "live"

    @property
    def source_map(self) -> str:
        return f"{CATALOG_URL}={self.root / 'catalog'},{MODULES_URL}={self.root / 'catalog' / 'modules'}"

    def env(self, **extra: str) -> dict[str, str]:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TG_SOURCE_MAP": self.source_map, "NO_COLOR": "1"}
        env.update(extra)
        return env

    def runtime(self, cwd: Path | None = None) -> Runtime:
        out = Captured()
        console = Console(out=out, err=out, color=False)  # type: ignore[arg-type]
        return Runtime(environ=self.env(), cwd=cwd or self.live, console=console)


def copy_sample(dest: Path) -> StackRepo:
    shutil.copytree(SAMPLE, dest, ignore=shutil.ignore_patterns(".terragrunt-stack", ".terragrunt-cache", ".tgo"))
    return StackRepo(dest)


@pytest.fixture
def repo(tmp_path: Path) -> StackRepo:
    return copy_sample(tmp_path / "repo")
