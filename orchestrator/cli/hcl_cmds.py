"""``tgo hcl fmt`` (alias ``hcl format``, and Terragrunt's old ``hclfmt``) and ``tgo hcl validate``
(the same command as ``tgo validate``).

Exit codes of ``hcl fmt``: 0 when every file is (now) formatted; with ``--check``, 1 when a file is
not formatted (nothing is written), as Terragrunt's ``hcl fmt --check``; 3 when a file is not valid
HCL (every such file is named with its line; the others are still formatted).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from orchestrator.app.hclfmt import FmtOptions, Formatter, format_tree
from orchestrator.cli.runtime_of import cli_runtime
from orchestrator.errors import EXIT_FAILED, ConfigErrors, TgoError, relpath
from orchestrator.runtime import Runtime
from orchestrator.terraform.binary import resolve_terraform
from orchestrator.terraform.fmt import Formatted, format_text


def _formatter(runtime: Runtime, tf_path: str | None) -> Formatter:
    """``terraform fmt -`` with the binary from --tf-path / TG_TF_PATH / PATH (ToolError if none)."""
    terraform = resolve_terraform(tf_path, None, runtime.environ, runtime.cwd)

    def fmt(text: str, path: Path) -> Formatted:
        # Messages name the file as the user typed the tree: relative to where tgo runs.
        shown = Path(relpath(path, runtime.cwd))
        return format_text(terraform, text, path=shown, environ=runtime.environ, cwd=runtime.cwd)

    return fmt


@click.command("fmt")
@click.option("--working-dir", "--terragrunt-working-dir", metavar="DIR", envvar="TG_WORKING_DIR", help="Tree root.")
@click.option("--check", is_flag=True, envvar="TG_CHECK", help="Write nothing; exit 1 if a file is not formatted.")
@click.option("--diff", is_flag=True, envvar="TG_DIFF", help="Print a unified diff of each change on stdout.")
@click.option("--file", "one_file", metavar="FILE", envvar="TG_FILE", help="Format this one file only.")
@click.option(
    "--exclude-dir", multiple=True, metavar="NAME", envvar="TG_EXCLUDE_DIR", help="Skip directories of this name."
)
@click.option("--stdin", "from_stdin", is_flag=True, envvar="TG_STDIN", help="Format stdin to stdout.")
@click.option("--tf-path", metavar="PATH", envvar="TG_TF_PATH", help="The terraform binary.")
def fmt_cmd(
    *,
    working_dir: str | None,
    check: bool,
    diff: bool,
    one_file: str | None,
    exclude_dir: tuple[str, ...],
    from_stdin: bool,
    tf_path: str | None,
) -> int:
    """Lay out every *.hcl file below the working dir with `terraform fmt` (stdin to stdout)."""
    runtime = cli_runtime()
    formatter = _formatter(runtime, tf_path)
    if from_stdin:
        done = formatter(sys.stdin.read(), Path("<stdin>"))
        if done.error is not None:
            raise done.error
        sys.stdout.write(done.text or "")
        return 0
    root = (runtime.cwd / (working_dir or ".")).resolve()
    opts = FmtOptions(
        working_dir=root,
        check=check,
        diff=diff,
        file=(root / one_file).resolve() if one_file else None,
        exclude_dirs=exclude_dir,
    )
    results = format_tree(opts, formatter)
    errors: list[TgoError] = []
    unformatted = 0
    for res in results:
        shown = relpath(res.path, runtime.cwd)
        if res.error is not None:
            errors.append(res.error)
        elif res.status == "changed":
            if res.diff:
                runtime.console.print(res.diff.rstrip("\n"))
            if check:
                unformatted += 1
                runtime.console.error(f"{shown}: not formatted")
            else:
                runtime.console.error(f"formatted {shown}")
    if errors:
        raise errors[0] if len(errors) == 1 else ConfigErrors.collect(errors)
    if unformatted:
        runtime.console.error(f"{unformatted} file{'s' if unformatted != 1 else ''} not formatted (run `tgo hcl fmt`)")
        return EXIT_FAILED
    return 0


@click.group("hcl")
def hcl_group() -> None:
    """Commands on the HCL files themselves: fmt (alias format), validate."""


def register(group: click.Group) -> None:
    """Add ``hcl`` (with ``fmt``/``format``/``validate``) and the old spelling ``hclfmt`` to ``group``."""
    from orchestrator.cli.config_cmds import validate

    hcl_group.add_command(fmt_cmd, "fmt")
    hcl_group.add_command(fmt_cmd, "format")
    hcl_group.add_command(validate, "validate")
    group.add_command(hcl_group, "hcl")
    group.add_command(fmt_cmd, "hclfmt")
