"""ModuleExecutor against a fake terraform (a shell script): auto-init, env composition, retries,
hooks, saved plans. No real terraform, so these run in milliseconds."""

from __future__ import annotations

import os
from pathlib import Path

from orchestrator.config.models import ModuleConfig
from orchestrator.output import RunOutput
from orchestrator.process import ProcessGroup
from orchestrator.runtime import Console
from orchestrator.terraform.commands import TfCommand
from orchestrator.terraform.executor import ExecRequest, ModuleExecutor

FAKE_TF = r"""#!/bin/sh
echo "$* | creds=${AWS_ACCESS_KEY_ID:-none} secret=${DROP_ME:-gone} var=${TF_VAR_name:-}" >> "$LOG"
case "$1" in
  init) echo "Terraform has been successfully initialized!"; exit 0 ;;
  show) echo '{"resource_changes":[{"address":"a.b","change":{"actions":["create"]}}]}'; exit 0 ;;
  plan)
    n=$(cat "$COUNTER" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$COUNTER"
    if [ "$n" -le "${FAIL_TIMES:-0}" ]; then echo "Error: flaky thing happened" >&2; exit 1; fi
    for a in "$@"; do case "$a" in -out=*) touch "${a#-out=}";; esac; done
    echo "Plan: 1 to add, 0 to change, 0 to destroy."; exit 0 ;;
esac
exit 0
"""


def setup(tmp_path: Path, **env: str) -> tuple[ModuleExecutor, Path, list[str]]:
    tf = tmp_path / "terraform"
    tf.write_text(FAKE_TF)
    tf.chmod(0o755)
    log = tmp_path / "calls.log"
    base = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LOG": str(log),
        "COUNTER": str(tmp_path / "n"),
        "DROP_ME": "present",
        **env,
    }
    asked: list[str] = []

    def creds(cfg: ModuleConfig) -> dict[str, str | None]:
        asked.append(cfg.path.name)
        return {"AWS_ACCESS_KEY_ID": "role-key", "DROP_ME": None}

    ex = ModuleExecutor(terraform_for=lambda _c: str(tf), base_env=base, group=ProcessGroup(), credentials_env=creds)
    return ex, log, asked


def module(tmp_path: Path, **kw: object) -> ModuleConfig:
    d = tmp_path / "mod"
    d.mkdir(exist_ok=True)
    return ModuleConfig(path=d, config_file=d / "terragrunt.hcl", inputs={"name": "v"}, **kw)  # type: ignore[arg-type]


def test_init_then_plan_with_saved_plan_counts_and_env(tmp_path: Path) -> None:
    ex, log, asked = setup(tmp_path)
    out = RunOutput(Console(out=open(os.devnull, "w"), color=False), tmp_path / "logs").module("mod")  # noqa: SIM115
    plan = tmp_path / "plans" / "mod.tfplan"
    res = ex.run(module(tmp_path), ExecRequest(TfCommand("plan"), plan_out=plan), out)
    out.close()
    assert res.status == "succeeded" and res.plan is not None and res.plan.add == 1 and res.has_changes
    assert res.plan_file == plan
    calls = log.read_text().splitlines()
    assert calls[0].startswith("init -input=false |")
    assert calls[1].startswith(f"plan -input=false -out={plan} |")
    assert calls[2].startswith(f"show -json {plan} |")
    assert all("creds=role-key secret=gone var=v" in c for c in calls), "credentials and inputs reach every process"
    assert asked.count("mod") >= 3
    # initialised once: the next run goes straight to plan
    ex.run(module(tmp_path), ExecRequest(TfCommand("plan", ("-detailed-exitcode",))), out)
    assert not any(c.startswith("init") for c in log.read_text().splitlines()[3:])


def test_retry_per_errors_block_then_success(tmp_path: Path) -> None:
    ex, _log, _ = setup(tmp_path, FAIL_TIMES="1")
    cfg = module(
        tmp_path,
        errors={
            "retry": [{"name": "f", "retryable_errors": ["flaky thing"], "max_attempts": 3, "sleep_interval_sec": 0}]
        },
    )
    out = RunOutput(Console(out=open(os.devnull, "w"), color=False), tmp_path / "logs").module("mod")  # noqa: SIM115
    res = ex.run(cfg, ExecRequest(TfCommand("plan")), out)
    assert res.status == "succeeded" and res.attempts == 2


def test_failure_without_retry_is_a_value_with_stderr_and_hooks(tmp_path: Path) -> None:
    ex, _log, _ = setup(tmp_path, FAIL_TIMES="5")
    marker = tmp_path / "after.txt"
    cfg = module(
        tmp_path,
        errors={"retry": [{"name": "f", "retryable_errors": ["never"], "max_attempts": 3}]},
        terraform={
            "after_hook": [
                {
                    "name": "always",
                    "commands": ["plan"],
                    "execute": ["sh", "-c", f"echo ran > {marker}"],
                    "run_on_error": True,
                }
            ]
        },
    )
    out = RunOutput(Console(out=open(os.devnull, "w"), color=False), tmp_path / "logs").module("mod")  # noqa: SIM115
    res = ex.run(cfg, ExecRequest(TfCommand("plan")), out)
    assert res.status == "failed" and res.exit_code == 1 and res.attempts == 1
    assert res.reason == "Error: flaky thing happened"  # terraform's error block, not the exit code
    assert res.stderr_tail == ("Error: flaky thing happened",)
    assert marker.read_text() == "ran\n"


def test_explicit_init_gets_backend_config_and_marks_the_dir(tmp_path: Path) -> None:
    ex, log, _ = setup(tmp_path)
    cfg = module(tmp_path, remote_state={"backend": "s3", "config": {"bucket": "b"}})
    out = RunOutput(Console(out=open(os.devnull, "w"), color=False), tmp_path / "logs").module("mod")  # noqa: SIM115
    assert ex.run(cfg, ExecRequest(TfCommand("init", ("-upgrade",))), out).status == "succeeded"
    ex.run(cfg, ExecRequest(TfCommand("validate")), out)
    calls = [c.split(" |")[0] for c in log.read_text().splitlines()]
    assert calls == ["init -input=false -backend-config=bucket=b -upgrade", "validate"]
