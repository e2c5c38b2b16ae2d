"""Use cases of the config commands: render one module, render a tree, validate a tree.

Each function takes the Runtime and typed options, and returns plain data or raises TgoError
(ConfigErrors for a whole tree's worth of problems). Nothing here prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestrator.config.cachekey import cache_key
from orchestrator.config.fnservices import AwsCalls, FunctionServices, LazyAws
from orchestrator.config.loader import ConfigLoader, LoadOptions, TreeResult
from orchestrator.config.models import ModuleConfig
from orchestrator.config.parsecache import ParseCache
from orchestrator.discovery import config_file, discover
from orchestrator.errors import ConfigError, ConfigErrors, Pos, TgoError, relpath
from orchestrator.graph import check_graph
from orchestrator.hcl.values import to_jsonable
from orchestrator.runtime import Runtime

if TYPE_CHECKING:
    from orchestrator.app.auth import AwsAuth

# validate and render --all are read-only and single-threaded: both cores evaluate modules.
EVAL_WORKERS = 2


@dataclass(frozen=True)
class ConfigOptions:
    """Options shared by render and validate. ``working_dir`` is absolute."""

    working_dir: Path
    use_cache: bool = True
    cache_dir: Path | None = None
    include_dirs: tuple[str, ...] = ()
    exclude_dirs: tuple[str, ...] = ()
    load: LoadOptions = field(default_factory=LoadOptions)
    source: str = ""


@dataclass
class ValidateResult:
    modules: list[Path] = field(default_factory=list)
    errors: list[TgoError] = field(default_factory=list)
    tree: TreeResult | None = None


def cache_dir_for(runtime: Runtime, working_dir: Path, explicit: Path | None = None) -> Path:
    """``explicit``, else ``TGO_CACHE_DIR``, else ``<working dir>/.tgo/cache``."""
    if explicit is not None:
        return explicit
    env = runtime.getenv("TGO_CACHE_DIR")
    return Path(env) if env else working_dir / ".tgo" / "cache"


def function_services(
    runtime: Runtime, *, source: str = "", aws: AwsAuth | None = None, single: bool = True
) -> FunctionServices:
    """The services of Terragrunt's newer functions for one command: ``--source``, sops, files read,
    working directories (``single``: one module, so ``--source`` is its source as given), and AWS
    (``aws``'s cache, else one built from the environment on first use)."""

    # The AWS and terraform-directory modules are imported when first used: most loads (validate,
    # render) call neither, and importing them is a tenth of a second of every command's start.

    def build() -> AwsCalls:
        from orchestrator.app.auth import AwsAuth
        from orchestrator.aws.roles import RoleOverrides

        auth = aws or AwsAuth.build(runtime, RoleOverrides.from_sources(runtime.environ))
        return auth.config_calls()

    def working_dir(cfg: ModuleConfig) -> Path:
        from orchestrator.terraform.source import source_for_module
        from orchestrator.terraform.workdir import working_dir_of

        tf = cfg.terraform
        override = source_for_module(source, tf.source if tf else None, single=single)
        if override is not None and tf is not None:
            cfg = cfg.model_copy(update={"terraform": tf.model_copy(update={"source": override})})
        return working_dir_of(cfg)

    return FunctionServices(runtime.environ, source=source, aws=LazyAws(build), working_dir=working_dir)


def open_parse_cache(runtime: Runtime, working_dir: Path, explicit: Path | None = None) -> ParseCache | None:
    """The parse cache for ``working_dir`` (see :func:`cache_dir_for`), authenticated with this
    user's key; None (no cache, a slower run) when no key can be had. Raises UsageError for a
    malformed ``TGO_CACHE_KEY``."""
    secret = cache_key(runtime)
    return ParseCache(cache_dir_for(runtime, working_dir, explicit), secret=secret) if secret else None


def make_loader(runtime: Runtime, opts: ConfigOptions) -> ConfigLoader:
    cache = open_parse_cache(runtime, opts.working_dir, opts.cache_dir) if opts.use_cache else None
    return ConfigLoader(runtime, cache=cache, options=opts.load, extras=function_services(runtime, source=opts.source))


def render_module(runtime: Runtime, opts: ConfigOptions) -> dict[str, Any]:
    """The render-json form of the module at ``opts.working_dir``."""
    if config_file(opts.working_dir) is None:
        raise ConfigError(
            f"{relpath(opts.working_dir, runtime.cwd)} holds no terragrunt.hcl",
            pos=Pos(relpath(opts.working_dir, runtime.cwd)),
            hint="pass --working-dir of a module, or use --all for a whole tree",
        )
    _, rendered = make_loader(runtime, opts).evaluate_module(opts.working_dir)
    result: dict[str, Any] = to_jsonable(rendered)
    return result


def _modules(runtime: Runtime, opts: ConfigOptions) -> list[Path]:
    modules = discover(opts.working_dir, include_dirs=opts.include_dirs, exclude_dirs=opts.exclude_dirs)
    if not modules:
        raise ConfigError(
            f"no modules (terragrunt.hcl) found under {relpath(opts.working_dir, runtime.cwd)}",
            pos=Pos(relpath(opts.working_dir, runtime.cwd)),
            hint="pass --working-dir of your live tree",
        )
    return modules


def render_all(runtime: Runtime, opts: ConfigOptions) -> dict[str, Any]:
    """``{"<module path relative to the working dir>": rendered config}`` for the whole tree."""
    modules = _modules(runtime, opts)
    tree = make_loader(runtime, opts).load_tree(modules, workers=EVAL_WORKERS, render=True)
    if tree.errors:
        raise ConfigErrors.collect(tree.errors)
    out: dict[str, Any] = {}
    for path in modules:
        rel = path.relative_to(opts.working_dir).as_posix() if path != opts.working_dir else "."
        out[rel] = to_jsonable(tree.rendered[path])
    return out


def validate_tree(runtime: Runtime, opts: ConfigOptions) -> ValidateResult:
    """Load every module and check the dependency graph; every problem goes into ``errors``."""
    modules = _modules(runtime, opts)
    tree = make_loader(runtime, opts).load_tree(modules, workers=EVAL_WORKERS, configs=False)
    errors = list(tree.errors)
    # Modules whose dependencies failed to load are left out of the graph check: their problem
    # is already reported, and a "holds no module" error on top would only add noise.
    loadable = {p: n for p, n in tree.nodes.items() if all(d in tree.nodes for d in n.dependency_paths)}
    try:
        check_graph(loadable, base=runtime.cwd)
    except TgoError as err:
        errors.append(err)
    return ValidateResult(modules=modules, errors=errors, tree=tree)
