"""Finding the terraform binary: ``--tf-path`` / ``TG_TF_PATH`` / ``TERRAGRUNT_TFPATH``, then the
module's ``terraform_binary``, then ``terraform`` on ``PATH``. Raises ToolError when none is usable;
:func:`check_terraform` makes sure the binary found is terraform."""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Mapping
from pathlib import Path

from orchestrator.config.models import ModuleConfig
from orchestrator.errors import Pos, ToolError
from orchestrator.process import run_capture

ENV_NAMES = ("TG_TF_PATH", "TERRAGRUNT_TFPATH")
VERSION_TIMEOUT_S = 60.0


def _usable(name: str, environ: Mapping[str, str], base: Path) -> str | None:
    if "/" in name:
        path = Path(name) if Path(name).is_absolute() else base / name
        return str(path) if path.is_file() and os.access(path, os.X_OK) else None
    return shutil.which(name, path=environ.get("PATH", os.defpath))


def resolve_terraform(flag: str | None, cfg: ModuleConfig | None, environ: Mapping[str, str], cwd: Path) -> str:
    """The terraform executable for ``cfg`` (absolute path). See the module doc for precedence."""
    chosen = flag or next((environ[n] for n in ENV_NAMES if environ.get(n)), None)
    if chosen:
        where = "--tf-path / TG_TF_PATH"
        base = cwd
    elif cfg is not None and cfg.terraform_binary:
        chosen, where, base = cfg.terraform_binary, "terraform_binary", cfg.path
    else:
        chosen, where, base = "terraform", "PATH", cwd
    found = _usable(chosen, environ, base)
    if found is None:
        pos = Pos(str(cfg.config_file)) if cfg is not None and where == "terraform_binary" else None
        raise ToolError(
            f"terraform binary {chosen!r} (from {where}) was not found or is not executable",
            pos=pos,
            attr="terraform_binary" if pos else None,
            hint="install terraform, or point --tf-path / TG_TF_PATH at it",
        )
    return found


def check_terraform(path: str, environ: Mapping[str, str], cwd: Path) -> str:
    """The version ``path`` reports through ``terraform version -json``. Raises ToolError (exit 3)
    when it does not run, exits non-zero or prints no JSON object with ``terraform_version``: a
    ``--tf-path`` pointing at some other program must stop the run before anything starts."""
    env = {**environ, "CHECKPOINT_DISABLE": "1"}  # no update check: it may wait on the network
    hint = "point --tf-path / TG_TF_PATH / terraform_binary at a terraform executable"
    shown = run_capture([path, "version", "-json"], cwd=cwd, env=env, timeout=VERSION_TIMEOUT_S)
    try:
        data = json.loads(shown.stdout) if shown.returncode == 0 else None
    except ValueError:
        data = None
    version = data.get("terraform_version") if isinstance(data, dict) else None
    if not isinstance(version, str) or not version:
        said = (shown.stderr or shown.stdout).strip().splitlines()[:1]
        detail = f" (exit {shown.returncode}{': ' + said[0][:200] if said else ''})"
        raise ToolError(f"{path!r} is not terraform: `version -json` printed no terraform version{detail}", hint=hint)
    return version


class TerraformVersions:
    """Each binary's version (``terraform version -json``), asked once per path. Thread-safe."""

    def __init__(self, environ: Mapping[str, str], cwd: Path) -> None:
        self._environ = environ
        self._cwd = cwd
        self._lock = threading.Lock()
        self._known: dict[str, str | None] = {}

    def of(self, path: str) -> str | None:
        """``path``'s version; None when it cannot be told (the run then goes on as before)."""
        with self._lock:
            if path not in self._known:
                try:
                    self._known[path] = check_terraform(path, self._environ, self._cwd)
                except ToolError:
                    self._known[path] = None
            return self._known[path]
