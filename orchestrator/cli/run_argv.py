"""Splitting a run-all / run command line into tgo's flags and terraform's command and arguments.

Rules (docs/cli.md): tgo's flags may come before or after the terraform command; ``--flag value``
and ``--flag=value`` both work; Terragrunt spellings are aliases; the first other word is the
terraform command; everything else (unknown flags included) goes to terraform in order; ``--`` ends
tgo's flags (the rest goes to terraform untouched). Pure; raises UsageError.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from orchestrator.cli.executor_opt import EXECUTOR_HELP, WORKER_ROOT_HELP
from orchestrator.cli.load_flags import FEATURE_HELP, NO_RUN_CMD_HELP
from orchestrator.cli.misspelt import did_you_mean
from orchestrator.cli.process_flags import PROCESS_FLAGS
from orchestrator.errors import UsageError

# canonical name -> (takes a value, repeatable, aliases)
FLAGS: dict[str, tuple[bool, bool, tuple[str, ...]]] = {
    "--working-dir": (True, False, ("--terragrunt-working-dir",)),
    "--include-dir": (True, True, ("--terragrunt-include-dir", "--queue-include-dir")),
    "--exclude-dir": (True, True, ("--terragrunt-exclude-dir", "--queue-exclude-dir")),
    "--account": (True, True, ()),
    "--parallelism": (True, False, ("--terragrunt-parallelism",)),
    "--fail-fast": (False, False, ()),
    "--tf-path": (True, False, ("--terragrunt-tfpath",)),
    "--log-dir": (True, False, ()),
    "--out-dir": (True, False, ()),
    "--output": (True, False, ()),
    "--progress": (True, False, ()),
    "--summary-md": (True, False, ()),
    "--report-file": (True, False, ()),
    "--shutdown-timeout": (True, False, ()),
    "--yes": (False, False, ("-y",)),
    "--non-interactive": (False, False, ("--terragrunt-non-interactive",)),
    "--include-external-dependencies": (False, False, ("--terragrunt-include-external-dependencies",)),
    "--no-preflight": (False, False, ()),
    "--no-cache": (False, False, ()),
    "--all": (False, False, ("--terragrunt-all",)),
    "--no-stack-generate": (False, False, ("--terragrunt-no-stack-generate",)),
    "--source-map": (True, True, ("--terragrunt-source-map",)),
    "--feature": (True, True, ()),
    "--no-run-cmd": (False, False, ()),
    "--source": (True, False, ("--terragrunt-source",)),
    "--queue-include-units-reading": (True, True, ("--units-that-include", "--terragrunt-modules-that-include")),
    "--dependency-outputs": (True, False, ()),
    "--executor": (True, False, ()),
    "--worker-root": (True, False, ()),
}
FLAGS["--resume"] = (True, False, ())
FLAGS.update({f.name: (f.takes_value, False, f.aliases) for f in PROCESS_FLAGS})  # declared in process_flags
ALIASES = {alias: name for name, (_, _, aliases) in FLAGS.items() for alias in (name, *aliases)}
HELP: dict[str, str] = {
    "--working-dir": "root of the tree (default: the current directory)",
    "--include-dir": "run only modules matching this glob (repeatable; ** spans directories)",
    "--exclude-dir": "do not run modules matching this glob (repeatable)",
    "--account": "run only modules in this AWS account, by ID or account.hcl name (repeatable)",
    "--parallelism": "at most N modules at once (default: 2 x CPUs, 4..16)",
    "--fail-fast": "start nothing new after the first failure",
    "--tf-path": "the terraform binary (also TG_TF_PATH)",
    "--log-dir": "the run directory (default: .tgo/runs/<timestamp>/)",
    "--out-dir": "where plans are saved (default: <run dir>/plans/)",
    "--output": "stream (each line prefixed with its module), grouped (one block per module) or logs (none: "
    "the run directory's logs only; the default under the live board)",
    "--progress": "auto (default: tty on a terminal, plain elsewhere), tty (live board), plain (lines, a "
    "heartbeat every 30 s), json (one event per line on stdout) or quiet",
    "--summary-md": "run-all plan: write the plan-by-account table as Markdown to this file (for a PR comment)",
    "--report-file": "write the JSON run report here",
    "--shutdown-timeout": "after Ctrl-C/SIGTERM/SIGHUP, seconds terraform gets to release its locks (default 60)",
    "--yes": "do not ask before apply/destroy",
    "--non-interactive": "same as --yes",
    "--include-external-dependencies": "also run dependencies outside the selection (default: only read them)",
    "--no-preflight": "do not assume every role before apply/destroy",
    "--no-cache": "do not use the parse cache (.tgo/cache or TGO_CACHE_DIR)",
    "--all": "`tgo run --all CMD` is `tgo run-all CMD` (also TG_ALL=true)",
    "--no-stack-generate": "do not generate terragrunt.stack.hcl stacks before running (also TG_NO_STACK_GENERATE)",
    "--source-map": "SOURCE=DEST: a local path for sources whose URL before // is SOURCE (repeatable; TG_SOURCE_MAP)",
    "--feature": FEATURE_HELP,
    "--no-run-cmd": NO_RUN_CMD_HELP,
    "--source": "run modules from this local checkout instead of terraform.source (also TG_SOURCE)",
    "--queue-include-units-reading": "run only modules whose config reads this file (repeatable)",
    "--dependency-outputs": "state (default: read S3 state objects, terraform output as fallback) or terraform "
    "(also TGO_DEPENDENCY_OUTPUTS)",
    "--executor": EXECUTOR_HELP,
    "--worker-root": WORKER_ROOT_HELP,
}
HELP["--resume"] = "rerun only the failed, skipped and interrupted modules of this earlier report (--report-file)"
HELP.update({f.name: f.help for f in PROCESS_FLAGS})


def flags_help() -> str:
    """The flag table for ``--help`` (click prints it verbatim after the ``\\b`` marker)."""
    lines = ["\b", "tgo flags (before or after the terraform command; others go to terraform; -- ends them):"]
    spelled = {name: name + (" VALUE" if takes_value else "") for name, (takes_value, _, _) in FLAGS.items()}
    width = max(map(len, spelled.values()))
    for name, (_, _, aliases) in FLAGS.items():
        lines.append(f"  {spelled[name]:<{width}}  {HELP[name]}")
        if aliases:
            lines.append(f"  {'':<{width}}  (alias {', '.join(aliases)})")
    return "\n".join(lines)


@dataclass
class RunArgv:
    command: str | None = None
    tf_args: list[str] = field(default_factory=list)
    values: dict[str, list[str]] = field(default_factory=dict)

    def one(self, name: str) -> str | None:
        got = self.values.get(name)
        return got[-1] if got else None

    def many(self, name: str) -> tuple[str, ...]:
        return tuple(self.values.get(name, []))

    def flag(self, name: str) -> bool:
        return name in self.values


def _next_word(args: Sequence[str], start: int) -> str | None:
    """The terraform command when it comes after the flag being read (``tgo run-all --x plan``)."""
    return next((a for a in args[start:] if not a.startswith("-") and a not in ALIASES), None)


def split_run_argv(args: Sequence[str]) -> RunArgv:
    out = RunArgv()
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            rest = list(args[i:])
            if out.command is None and rest:
                out.command, rest = rest[0], rest[1:]
            out.tf_args += rest
            break
        key, eq, inline = arg.partition("=")
        name = ALIASES.get(key)
        if name is None:
            meant = did_you_mean(arg, out.command or _next_word(args, i), ALIASES)
            if meant is not None:
                raise UsageError(
                    f"unknown flag: did you mean {meant}?",
                    attr=key,
                    hint=f"tgo's flags: `tgo run-all --help`; to give {key} to terraform, put it after `--`",
                )
            if out.command is None and not arg.startswith("-"):
                out.command = arg
            else:
                out.tf_args.append(arg)
            continue
        takes_value = FLAGS[name][0]
        if takes_value:
            if not eq:
                if i >= len(args):
                    raise UsageError(f"{key} needs a value", attr=key)
                inline = args[i]
                i += 1
            out.values.setdefault(name, []).append(inline)
        elif eq:
            raise UsageError(f"{key} takes no value", attr=key)
        else:
            out.values[name] = ["true"]
    return out
