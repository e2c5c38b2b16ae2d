"""``--max-per-account``: a cap in tgo's own scheduler. Real terraform, roles in three accounts on the
moto server; the recorded start and end times of the report prove that no two modules of one account
ever ran at once, while modules of different accounts did."""

from __future__ import annotations

import json
import os
from itertools import combinations
from pathlib import Path

import pytest

from orchestrator.app.auth import AwsAuth
from orchestrator.app.run import RunOptions, RunServices, run_all
from orchestrator.aws.roles import RoleOverrides
from orchestrator.report.run_model import ModuleResult
from orchestrator.terraform.commands import TfCommand
from tests.integration.aws.conftest import ACCOUNTS, ROLES
from tests.integration.aws.test_iam_run_e2e import Env, env  # noqa: F401  (the fixture)
from tests.support.cli import run_tgo
from tests.support.moto_server import MotoServer
from tests.support.terraform import terraform_env, terraform_path

pytestmark = pytest.mark.e2e
BASE_ACCOUNT = "123456789012"  # moto's account for its default test keys


def overlap(a: ModuleResult, b: ModuleResult) -> bool:
    assert a.started_at and a.finished_at and b.started_at and b.finished_at
    return a.started_at < b.finished_at and b.started_at < a.finished_at


def test_max_per_account_one_never_runs_two_modules_of_an_account_at_once(
    env: Env,  # noqa: F811
    moto: MotoServer,
) -> None:
    for i in range(9):
        deps = ("m00",) if i == 6 else ()  # a dependency and the cap together
        env.tree.add(f"m{i:02d}", ROLES[i % 3], deps)
    auth = AwsAuth.build(env.runtime, RoleOverrides())
    options = RunOptions(
        command=TfCommand("apply", ("-auto-approve",)),
        working_dir=env.tree.root,
        parallelism=6,
        log_dir=env.tmp / "run-cap",
        max_per_account=1,
    )
    services = RunServices(
        loader=env.tree,
        credentials_env=auth.credentials_env,
        sts_stats=auth.sts_stats,
        placement=auth.placement(ask_base=True),
    )
    try:
        report = run_all(env.runtime, options, services)
    finally:
        auth.close()

    ran = [m for m in report.modules if m.status != "excluded"]
    assert {m.status for m in ran} == {"succeeded"}, [(m.path, m.reason) for m in ran]
    assert {m.account_id for m in ran} == set(ACCOUNTS)
    for a, b in combinations(ran, 2):
        if a.account_id == b.account_id:
            assert not overlap(a, b), f"{a.path} and {b.path} of {a.account_id} ran at once"
    # the cap is per account: modules of different accounts did run side by side
    assert any(overlap(a, b) for a, b in combinations(ran, 2) if a.account_id != b.account_id)


def test_modules_without_a_role_are_capped_in_the_base_accounts_share(tmp_path: Path, moto: MotoServer) -> None:
    """Through the CLI, without --account: a module with no role runs in the base credentials'
    account, so --max-per-account caps it there too (one GetCallerIdentity for the run)."""
    root = tmp_path / "live"
    for name in ("n1", "n2", "n3"):
        (root / name).mkdir(parents=True)
        (root / name / "terragrunt.hcl").write_text(
            'terraform {\n  before_hook "slow" {\n    commands = ["plan"]\n    execute = ["sleep", "1"]\n  }\n}\n'
        )
        (root / name / "main.tf").write_text('output "x" {\n  value = 1\n}\n')
    environ = {
        "PATH": os.environ.get("PATH", ""),
        "NO_COLOR": "1",
        "TG_TF_PATH": str(terraform_path()),
        **moto.env(),
        **terraform_env(tmp_path / "home"),
    }
    report_file = tmp_path / "r.json"
    args = ("run-all", "plan", "--parallelism", "3", "--report-file", str(report_file))
    done = run_tgo(environ, root, *args, "--max-per-account", "1", timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    ran = [ModuleResult.model_validate(m) for m in json.loads(report_file.read_text())["modules"]]
    assert {m.account_id for m in ran} == {BASE_ACCOUNT}
    for a, b in combinations(ran, 2):
        assert not overlap(a, b), f"{a.path} and {b.path} ran at once"
    assert moto.calls("GetCallerIdentity") == 1
