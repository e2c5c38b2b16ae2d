"""Pure pieces of the run engine: argv splitting, terraform argv, exit codes, plan parsing, workdir."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from orchestrator.cli.run_argv import split_run_argv
from orchestrator.config.models import (
    ExtraArguments,
    GenerateBlock,
    ModuleConfig,
    RemoteState,
    RemoteStateGenerate,
    TerraformBlock,
)
from orchestrator.errors import ConfigError, UsageError
from orchestrator.report.run_model import ModuleResult, PlanChanges, RunReport, aggregate_exit_code
from orchestrator.report.summary import summary_lines
from orchestrator.terraform.commands import TfCommand, build_argv, extra_arguments, init_argv, inputs_env
from orchestrator.terraform.parsing import parse_outputs, parse_plan
from orchestrator.terraform.retry import retry_delay, retry_rules
from orchestrator.terraform.source import parse_source
from orchestrator.terraform.workdir import SIGNATURE, prepare, render_backend


def cfg(tmp_path: Path, **kw: object) -> ModuleConfig:
    return ModuleConfig(path=tmp_path, config_file=tmp_path / "terragrunt.hcl", **kw)  # type: ignore[arg-type]


# --- argv splitting -------------------------------------------------------------------------


def test_tgo_flags_before_and_after_the_command_unknown_ones_to_terraform() -> None:
    p = split_run_argv(
        [
            "--parallelism",
            "4",
            "plan",
            "-detailed-exitcode",
            "--non-interactive",
            "-lock=false",
            "--include-dir=prod/*",
            "--terragrunt-include-dir",
            "dev",
        ]
    )
    assert p.command == "plan"
    assert p.tf_args == ["-detailed-exitcode", "-lock=false"]
    assert p.one("--parallelism") == "4" and p.flag("--non-interactive")
    assert p.many("--include-dir") == ("prod/*", "dev")


def test_double_dash_ends_tgo_flags() -> None:
    p = split_run_argv(["apply", "--", "--parallelism", "3"])
    assert p.command == "apply" and p.tf_args == ["--parallelism", "3"] and p.one("--parallelism") is None
    assert split_run_argv(["--", "plan", "-x"]).command == "plan"


def test_flag_value_errors() -> None:
    with pytest.raises(UsageError, match="needs a value"):
        split_run_argv(["plan", "--parallelism"])
    with pytest.raises(UsageError, match="takes no value"):
        split_run_argv(["plan", "--yes=1"])


# --- terraform argv -----------------------------------------------------------------------


def test_run_all_adds_input_false_and_auto_approve_once() -> None:
    argv = build_argv(
        "tf",
        TfCommand("apply"),
        extra_arguments(ModuleConfig(path=Path("/m"), config_file=Path("/m/t")), "apply", lambda _: False),
        multi=True,
    )
    assert argv == ["tf", "apply", "-input=false", "-auto-approve"]
    argv = build_argv(
        "tf",
        TfCommand("apply", ("-auto-approve", "-input=true")),
        extra_arguments(ModuleConfig(path=Path("/m"), config_file=Path("/m/t")), "apply", lambda _: False),
        multi=True,
    )
    assert argv == ["tf", "apply", "-auto-approve", "-input=true"]
    assert build_argv(
        "tf",
        TfCommand("output", ("-json",)),
        extra_arguments(ModuleConfig(path=Path("/m"), config_file=Path("/m/t")), "output", lambda _: False),
        multi=True,
    ) == ["tf", "output", "-json"]
    assert build_argv(
        "tf",
        TfCommand("apply"),
        extra_arguments(ModuleConfig(path=Path("/m"), config_file=Path("/m/t")), "apply", lambda _: False),
        multi=False,
    ) == ["tf", "apply"]


def test_tgo_flags_go_before_positional_arguments() -> None:
    extra = extra_arguments(ModuleConfig(path=Path("/m"), config_file=Path("/m/t")), "apply", lambda _: False)
    argv = build_argv("tf", TfCommand("apply", ("saved.tfplan",)), extra, multi=True)
    assert argv == ["tf", "apply", "-input=false", "-auto-approve", "saved.tfplan"]


def test_no_color_only_where_terraform_accepts_it() -> None:
    extra = extra_arguments(ModuleConfig(path=Path("/m"), config_file=Path("/m/t")), "x", lambda _: False)
    assert build_argv("tf", TfCommand("output", ("-json",)), extra, multi=True, color=False) == [
        "tf",
        "output",
        "-no-color",
        "-json",
    ]
    assert build_argv("tf", TfCommand("fmt"), extra, multi=True, color=False) == ["tf", "fmt"]
    assert build_argv("tf", TfCommand("plan", ("-no-color",)), extra, multi=False, color=False) == [
        "tf",
        "plan",
        "-no-color",
    ]
    assert init_argv("tf", None, extra, color=False) == ["tf", "init", "-input=false", "-no-color"]


def test_plan_out_and_extra_arguments_order(tmp_path: Path) -> None:
    c = cfg(
        tmp_path,
        terraform=TerraformBlock(
            extra_arguments=[
                ExtraArguments(
                    name="vars",
                    commands=["plan"],
                    arguments=["-lock-timeout=20m"],
                    required_var_files=["a.tfvars"],
                    optional_var_files=["here.tfvars", "missing.tfvars"],
                    env_vars={"X": "1"},
                )
            ]
        ),
    )
    extra = extra_arguments(c, "plan", lambda p: p.name == "here.tfvars")
    assert extra.env == {"X": "1"}
    argv = build_argv("tf", TfCommand("plan", ("-refresh=false",)), extra, multi=True, plan_out=Path("/o/p.tfplan"))
    assert argv == [
        "tf",
        "plan",
        "-lock-timeout=20m",
        "-var-file=a.tfvars",
        "-var-file=here.tfvars",
        "-input=false",
        "-out=/o/p.tfplan",
        "-refresh=false",
    ]
    assert extra_arguments(c, "apply", lambda _: True).args == ()


def test_destroy_modes_and_detailed_exitcode() -> None:
    assert TfCommand("destroy").is_destroy and TfCommand("plan", ("-destroy",)).is_destroy
    assert TfCommand("apply", ("-destroy",)).is_destroy and not TfCommand("apply").is_destroy
    assert TfCommand("plan", ("-detailed-exitcode",)).detailed_exitcode
    assert TfCommand("plan", ("-out", "x")).plan_out == "x"


def test_inputs_are_tf_vars_strings_raw_others_json() -> None:
    env = inputs_env({"name": "a b", "n": 3, "m": {"k": [1, True]}, "nothing": None})
    assert env == {"TF_VAR_name": "a b", "TF_VAR_n": "3", "TF_VAR_m": '{"k": [1, true]}', "TF_VAR_nothing": "null"}


def test_init_backend_config_pairs() -> None:
    argv = init_argv(
        "tf",
        {"bucket": "b", "encrypt": True, "n": 2},
        extra_arguments(ModuleConfig(path=Path("/m"), config_file=Path("/m/t")), "init", lambda _: False),
    )
    assert argv == [
        "tf",
        "init",
        "-input=false",
        "-backend-config=bucket=b",
        "-backend-config=encrypt=true",
        "-backend-config=n=2",
    ]


# --- exit codes ------------------------------------------------------------------------------


def m(status: str, changes: bool | None = None) -> ModuleResult:
    return ModuleResult(
        path=status,
        status=status,  # type: ignore[arg-type]
        changes=None if changes is None else PlanChanges(has_changes=changes),
    )


@pytest.mark.parametrize(
    ("modules", "detailed", "interrupted", "expected"),
    [
        ([], False, False, 0),
        ([m("succeeded", False)], True, False, 0),
        ([m("succeeded", True)], True, False, 2),
        ([m("succeeded", True)], False, False, 0),
        ([m("succeeded", True), m("failed")], True, False, 1),
        ([m("succeeded", True), m("skipped")], True, False, 1),
        ([m("succeeded", True), m("excluded")], True, False, 2),
        ([m("succeeded", False), m("excluded")], True, False, 0),
        ([m("failed"), m("interrupted")], True, False, 130),
        ([m("succeeded", True)], True, True, 130),
    ],
)
def test_exit_code_error_beats_changes_beats_clean(
    modules: list[ModuleResult], detailed: bool, interrupted: bool, expected: int
) -> None:
    assert aggregate_exit_code(modules, detailed_exitcode=detailed, interrupted=interrupted) == expected


def test_summary_puts_root_causes_first_with_dependents() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    report = RunReport(
        command="apply",
        working_dir="/w",
        started_at=now,
        finished_at=now,
        exit_code=1,
        modules=[
            ModuleResult(
                path="a", status="failed", reason="terraform apply exited with 1", stderr_tail=["Error: boom"]
            ),
            ModuleResult(path="b", status="skipped", skipped_because="a", reason="skipped: dependency a failed"),
            ModuleResult(path="c", status="succeeded", duration_s=1.0, changes=PlanChanges(add=1, has_changes=True)),
        ],
    )
    lines = summary_lines(report)
    assert lines[0] == "FAILED a: terraform apply exited with 1"
    assert "    | Error: boom" in lines and "    skipped because it failed: b" in lines
    assert any(line.startswith("c ") and "+1 ~0 -0" in line for line in lines)
    assert lines[-1].endswith("exit 1")


# --- parsing, retries, sources, working dirs -------------------------------------------------------


def test_parse_plan_counts_and_addresses() -> None:
    plan = {
        "resource_changes": [
            {"address": "a.x", "change": {"actions": ["create"]}},
            {"address": "a.y", "change": {"actions": ["delete", "create"]}},
            {"address": "a.z", "change": {"actions": ["update"]}},
            {"address": "a.n", "change": {"actions": ["no-op"]}},
            {"address": "a.d", "change": {"actions": ["delete"]}},
        ],
        "output_changes": {"o": {"actions": ["no-op"]}},
    }
    s = parse_plan(json.dumps(plan))
    assert (s.add, s.change, s.destroy, s.has_changes) == (2, 1, 2, True)
    assert s.addresses == ("a.x", "a.y", "a.z", "a.d")
    assert not parse_plan('{"output_changes": {"o": {"actions": ["no-op"]}}}').has_changes
    assert parse_plan('{"output_changes": {"o": {"actions": ["create"]}}}').has_changes
    assert parse_outputs('{"v": {"value": [1], "type": ["list", "number"]}}') == {"v": [1]}
    with pytest.raises(ValueError):
        parse_outputs("[]")


def test_retry_defaults_and_errors_block(tmp_path: Path) -> None:
    c = cfg(tmp_path)
    assert retry_delay(retry_rules(c), "Error: NoSuchBucket: The specified bucket does not exist", 1) == 5.0
    assert retry_delay(retry_rules(c), "NoSuchBucket: The specified bucket does not exist", 3) is None
    assert retry_delay(retry_rules(c), "Error: Unsupported argument", 1) is None
    c2 = cfg(
        tmp_path,
        errors={
            "retry": [{"name": "x", "retryable_errors": ["flaky.*thing"], "max_attempts": 2, "sleep_interval_sec": 0}]
        },
    )
    assert retry_delay(retry_rules(c2), "a flaky old thing", 1) == 0.0
    assert retry_delay(retry_rules(c2), "a flaky old thing", 2) is None


def test_sources(tmp_path: Path) -> None:
    s = parse_source("../modules//vpc", tmp_path / "live")
    assert (s.kind, s.base, s.subdir) == ("local", str((tmp_path / "modules").resolve()), "vpc")
    g = parse_source("git::https://example.com/org/repo.git//mods/app?ref=v1.2", tmp_path)
    assert (g.kind, g.base, g.subdir, g.ref) == ("git", "https://example.com/org/repo.git", "mods/app", "v1.2")
    with pytest.raises(ConfigError, match="not supported"):
        parse_source("s3::https://bucket/x.zip", tmp_path)


def test_prepare_copies_source_subdir_and_writes_generated_files(tmp_path: Path) -> None:
    (tmp_path / "modules" / "vpc").mkdir(parents=True)
    (tmp_path / "modules" / "vpc" / "main.tf").write_text("# vpc\n")
    live = tmp_path / "live"
    live.mkdir()
    (live / "terragrunt.hcl").write_text("")
    (live / "extra.tfvars").write_text("a = 1\n")
    (live / "templates").mkdir()
    (live / "templates" / "t.tpl").write_text("x")
    c = ModuleConfig(
        path=live,
        config_file=live / "terragrunt.hcl",
        terraform=TerraformBlock(source="../modules//vpc"),
        generate=[GenerateBlock(name="p", path="provider.tf", contents="# provider\n")],
        remote_state=RemoteState(
            backend="s3", config={"bucket": "b", "encrypt": True}, generate=RemoteStateGenerate(path="backend.tf")
        ),
    )
    work = prepare(c, {})
    assert work.path.parent.parent == live / ".terragrunt-cache" and work.path.name == "vpc"
    assert (work.path / "main.tf").read_text() == "# vpc\n" and (work.path / "extra.tfvars").exists()
    assert (work.path / "templates" / "t.tpl").exists() and not (work.path / ".terragrunt-cache").exists()
    assert (work.path / "provider.tf").read_text() == f"# {SIGNATURE}\n# provider\n"
    assert 'bucket = "b"' in (work.path / "backend.tf").read_text() and work.backend_config is None
    assert work.needs_init()
    work.mark_initialised()
    assert not prepare(c, {}).needs_init()
    changed = c.model_copy(
        update={
            "remote_state": RemoteState(
                backend="s3", config={"bucket": "other"}, generate=RemoteStateGenerate(path="backend.tf")
            )
        }
    )
    assert prepare(changed, {}).needs_init(), "a changed backend re-runs init"


def test_generate_refuses_to_overwrite_a_users_file(tmp_path: Path) -> None:
    (tmp_path / "provider.tf").write_text("# mine\n")
    c = cfg(tmp_path, generate=[GenerateBlock(name="p", path="provider.tf", contents="x")])
    with pytest.raises(ConfigError, match="not generated"):
        prepare(c, {})


def test_render_backend_escapes_interpolation() -> None:
    text = render_backend(RemoteState(backend="s3", config={"key": "${x}/state", "n": 1}))
    assert '    key = "$${x}/state"' in text and "    n = 1" in text
