"""Use cases of the ``stack`` commands: generate, clean, output; and the stack part of ``run-all``.

Each function takes the Runtime and plain options and returns data or raises TgoError (ConfigErrors
for a tree's worth of problems: nothing is written then). Nothing here prints.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestrator.config.context import FileContext
from orchestrator.config.loader import ConfigLoader
from orchestrator.config.models import ModuleConfig
from orchestrator.config.tgfunctions import Host, TerragruntFunctions
from orchestrator.config.values import STACK_FILE
from orchestrator.discovery import TreeWalk, config_files_under
from orchestrator.errors import ConfigError, ConfigErrors, Pos, relpath
from orchestrator.hcl.ast import Body
from orchestrator.hcl.evaluator import Function
from orchestrator.process import ProcessGroup
from orchestrator.runtime import Runtime
from orchestrator.stacks.plan import StackPlan, find_stack_files, plan_stacks
from orchestrator.stacks.sources import SourceFetcher
from orchestrator.stacks.write import WriteReport, clean, write_plan

__all__ = ["GenerateResult", "clean_stacks", "generate", "plan_generation", "stack_outputs", "write_plan"]
from orchestrator.terraform.binary import resolve_terraform
from orchestrator.terraform.executor import CredentialsEnv, ModuleExecutor
from orchestrator.terraform.source import source_map_from_env


@dataclass(frozen=True)
class GenerateResult:
    plan: StackPlan
    report: WriteReport


class LoaderStackReader:
    """Stack and values files read through a config loader: its parse memo (and cache), its messages'
    file names, and Terragrunt's functions bound to the stack file's directory."""

    def __init__(self, loader: ConfigLoader, host: Host) -> None:
        self.loader = loader
        self.host = host

    def body(self, path: Path) -> Body:
        return self.loader.files.body(path)

    def display(self, path: Path) -> str:
        return self.loader.display(path)

    def prefetch(self, paths: list[Path]) -> None:
        self.loader.files.prefetch(paths)

    def functions(self, stack_file: Path) -> Mapping[str, Function]:
        ctx = FileContext(
            terragrunt_dir=stack_file.parent,
            config_file=stack_file,
            original_dir=stack_file.parent,
            chain=(stack_file,),
        )
        return TerragruntFunctions(ctx, self.host)


def _reader(runtime: Runtime, working_dir: Path) -> LoaderStackReader:
    # A loader of its own: generation creates files that a loader reused afterwards might remember
    # as missing (its filesystem answers are memoized for one run). Parsed stack files go to the
    # same on-disk cache as validate's, so an unchanged regeneration parses nothing.
    from orchestrator.app.config import open_parse_cache
    from orchestrator.config.module import ModuleLoad

    loader = ConfigLoader(runtime, cache=open_parse_cache(runtime, working_dir))
    return LoaderStackReader(loader, ModuleLoad(loader.services, None, None))


def plan_generation(runtime: Runtime, working_dir: Path) -> StackPlan:
    """Every stack under ``working_dir`` evaluated and checked; nothing written. Raises ConfigErrors."""
    fetcher = SourceFetcher(
        working_dir / ".tgo" / "stack-sources", runtime.environ, source_map_from_env(runtime.environ)
    )
    return plan_stacks(working_dir, _reader(runtime, working_dir), fetcher)


def generate(runtime: Runtime, working_dir: Path) -> GenerateResult:
    """``tgo stack generate``: plan (see :func:`plan_generation`), then write what changed."""
    plan = plan_generation(runtime, working_dir)
    return GenerateResult(plan, write_plan(plan))


def generate_if_any(runtime: Runtime, working_dir: Path, walk: TreeWalk | None = None) -> GenerateResult | None:
    """What ``run-all`` does first: generate when the tree holds a stack file (else None, no cost
    beyond one walk). ``walk``: the command's walks (the tree is walked once; forgotten after
    generating, since units were written)."""
    listed = config_files_under(working_dir, walk) if walk is not None else None
    if not find_stack_files(working_dir, listed):
        return None
    result = generate(runtime, working_dir)
    if walk is not None:
        walk.forget()
    return result


def clean_stacks(working_dir: Path) -> list[Path]:
    """``tgo stack clean``: the ``.terragrunt-stack`` directories removed."""
    return clean(working_dir)


def stack_unit_dirs(plan: StackPlan) -> list[Path]:
    """The target directories of every unit of the plan (what ``stack run`` runs)."""
    return sorted(t.dir for t in plan.targets if t.component.kind == "unit")


def stack_outputs(
    runtime: Runtime, working_dir: Path, plan: StackPlan, loader: Any, credentials_env: CredentialsEnv
) -> dict[str, Any]:
    """Each unit's outputs keyed by unit name, a nested stack's under the stack's name. When
    ``working_dir`` is not itself a stack, each top stack's tree is keyed by its directory relative to
    ``working_dir``. A unit without state shows ``{}``. Outputs are read with ``terraform output
    -json`` under each unit's credentials. Raises ConfigErrors when a unit does not load."""
    units = stack_unit_dirs(plan)
    tree = loader.load_tree(units)
    if tree.errors:
        raise ConfigErrors.collect(tree.errors)
    configs: Mapping[Path, ModuleConfig] = tree.configs
    executor = ModuleExecutor(
        terraform_for=lambda cfg: resolve_terraform(None, cfg, runtime.environ, runtime.cwd),
        base_env=runtime.environ,
        group=ProcessGroup(),
        credentials_env=credentials_env,
        sleep=runtime.clock.sleep,
    )
    by_file = {s.file: s for s in plan.stacks}

    def of(stack_file: Path) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for t in by_file[stack_file].targets:
            if t.component.kind == "unit":
                cfg = configs.get(t.dir)
                out[t.component.name] = (executor.read_outputs(cfg) or {}) if cfg is not None else {}
            elif t.dir / STACK_FILE in by_file:
                out[t.component.name] = of(t.dir / STACK_FILE)
        return out

    roots = [s.file for s in plan.stacks if s.level == 0]
    if (working_dir / STACK_FILE) in roots:
        return of(working_dir / STACK_FILE)
    return {s.parent.relative_to(working_dir).as_posix(): of(s) for s in roots}


def require_stacks(runtime: Runtime, working_dir: Path, plan: StackPlan) -> None:
    """Raise ConfigError when ``working_dir`` holds no stack file (``stack run`` / ``output``)."""
    if not plan.stacks:
        raise ConfigError(
            f"no {STACK_FILE} found under {relpath(working_dir, runtime.cwd)}",
            pos=Pos(relpath(working_dir, runtime.cwd)),
            hint="pass --working-dir of a directory holding stacks",
        )
