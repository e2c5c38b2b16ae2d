"""The Dask executor's pure parts: --executor values, placement by account, root mapping, and the
rule for a module whose worker was lost."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from orchestrator.config.models import ModuleConfig
from orchestrator.errors import UsageError
from orchestrator.execution import dask_spec
from orchestrator.execution.dask_common import LOST_DURING_APPLY, lost_during_apply, writes_state
from orchestrator.execution.dask_placement import Placement
from orchestrator.execution.dask_spec import DaskSpec, is_dask, parse_dask_spec, require_dask
from orchestrator.execution.dask_worker import rebase_path, rebase_value
from orchestrator.execution.task import ModuleTask
from orchestrator.terraform.commands import TfCommand


@pytest.mark.parametrize(
    ("value", "spec"),
    [
        ("dask://sched.internal:8786", DaskSpec(address="tcp://sched.internal:8786")),
        ("dask://10.0.0.5:8786/", DaskSpec(address="tcp://10.0.0.5:8786")),
        ("dask://[::1]:8786", DaskSpec(address="tcp://[::1]:8786")),
        ("dask-local", DaskSpec(workers=2)),
        ("dask-local:8", DaskSpec(workers=8)),
    ],
)
def test_executor_values(value: str, spec: DaskSpec) -> None:
    assert is_dask(value)
    assert parse_dask_spec(value) == spec


@pytest.mark.parametrize("value", ["dask://host", "dask://host:99999", "dask-local:0", "dask-local:x", "dask:/h:1"])
def test_malformed_values_are_usage_errors_naming_the_flag(value: str) -> None:
    with pytest.raises(UsageError) as err:
        parse_dask_spec(value)
    assert err.value.format().startswith("--executor: ")


def test_without_dask_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dask_spec.importlib.util, "find_spec", lambda _name: None)
    with pytest.raises(UsageError) as err:
        require_dask()
    assert "pip install 'tgo[dask]'" in err.value.format()


def test_an_accounts_modules_stay_on_its_worker_while_it_has_free_threads() -> None:
    place = Placement({"w1": 2, "w2": 2})
    first = place.take("111")
    assert place.take("111") == first  # the same worker: its session is cached there
    other = place.take("111")  # full: the next module goes where threads are free
    assert other != first
    place.give_back(first)
    assert place.take("111") in {first, other}  # both now hold the account's session
    assert place.homes["111"] == [first, other]


def test_accounts_spread_over_the_least_busy_workers() -> None:
    place = Placement({"w1": 4, "w2": 4})
    assert place.take("a") != place.take("b")
    place.forget("w1")
    assert {place.take("a"), place.take(None)} == {"w2"}


def test_root_mapping_moves_only_paths_under_the_client_root() -> None:
    assert rebase_path("/src/live/a/b", "/src/live", "/srv/repo") == "/srv/repo/a/b"
    assert rebase_path("/src/live", "/src/live", "/srv/repo") == "/srv/repo"
    assert rebase_path("/src/lively/x", "/src/live", "/srv/repo") == "/src/lively/x"
    assert rebase_path("/src/live/a", "/src/live", None) == "/src/live/a"
    cfg = ModuleConfig(
        path=Path("/src/live/a"), config_file=Path("/src/live/a/terragrunt.hcl"), inputs={"f": "/src/live/x"}
    )
    moved = ModuleConfig.model_validate(rebase_value(cfg.model_dump(), "/src/live", "/srv/repo"))
    assert (moved.path, moved.config_file, moved.inputs) == (
        Path("/srv/repo/a"),
        Path("/srv/repo/a/terragrunt.hcl"),
        {"f": "/srv/repo/x"},
    )


def _task(command: str, *args: str) -> ModuleTask:
    cfg = ModuleConfig(path=Path("/r/m"), config_file=Path("/r/m/terragrunt.hcl"))
    return ModuleTask(run_id="r", module="m", root="/r", config=cfg, terraform="tf", command=TfCommand(command, args))


def test_only_commands_that_write_state_are_never_run_twice() -> None:
    assert writes_state(_task("apply")) and writes_state(_task("destroy")) and writes_state(_task("import"))
    assert not writes_state(_task("plan", "-destroy"))  # a plan writes no state, whatever it plans
    assert not writes_state(_task("plan", "-detailed-exitcode"))
    assert not writes_state(_task("validate")) and not writes_state(_task("output", "-json"))
    started = datetime(2026, 1, 1, tzinfo=UTC)
    result = lost_during_apply(_task("apply"), started, "abc-123", "tcp://w:1")
    assert result.status == "failed" and result.lock_maybe_left and result.lock_id == "abc-123"
    assert result.reason is not None and result.reason.startswith(
        f"{LOST_DURING_APPLY}; lock id abc-123 (on tcp://w:1)"
    )
