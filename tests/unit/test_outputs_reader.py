"""Dependency outputs: state documents, S3 locations, and the per-run reader's choices (fakes for the
S3 and terraform sides; the e2e tests in tests/integration/run run both for real)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from orchestrator.config.models import ModuleConfig
from orchestrator.errors import TgoError, UsageError
from orchestrator.outputs.reader import DependencyOutputs, OutputsSource, parse_mode
from orchestrator.outputs.s3_fetch import StateAccessDenied
from orchestrator.outputs.state_reader import (
    S3Location,
    Unreadable,
    output_values,
    outputs_document,
    s3_location,
    state_key,
    workspace_of,
)


def _state(**outputs: Any) -> bytes:
    return json.dumps({"version": 4, "terraform_version": "1.0.3", "outputs": outputs}).encode()


def test_outputs_document_is_terraform_output_json_shape() -> None:
    data = _state(b={"value": [1, None], "type": ["tuple", ["number", "dynamic"]]}, a={"value": "x", "type": "string"})
    assert outputs_document(data) == {
        "a": {"sensitive": False, "type": "string", "value": "x"},
        "b": {"sensitive": False, "type": ["tuple", ["number", "dynamic"]], "value": [1, None]},
    }
    assert output_values(_state(s={"value": "k", "type": "string", "sensitive": True})) == {"s": "k"}
    assert output_values(json.dumps({"version": 4}).encode()) == {}


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"not json", "not JSON"),
        (b"[]", "not a JSON object"),
        (json.dumps({"version": 5, "outputs": {}}).encode(), "state format version 5"),
        (json.dumps({"version": 3, "modules": []}).encode(), "state format version 3"),
        (json.dumps({"version": True}).encode(), "state format version True"),
        (json.dumps({"encrypted_data": "abc", "encryption_version": "v0"}).encode(), "encrypted"),
        (json.dumps({"version": 4, "outputs": {"x": {"value": 1}}}).encode(), "no value or type"),
        (json.dumps({"version": 4, "outputs": []}).encode(), "not an object"),
    ],
)
def test_states_tgo_leaves_to_terraform(data: bytes, reason: str) -> None:
    with pytest.raises(Unreadable, match=reason):
        outputs_document(data)


def test_state_key_per_workspace() -> None:
    assert state_key("a/terraform.tfstate", "default", None) == "a/terraform.tfstate"
    assert state_key("a/terraform.tfstate", "blue", None) == "env:/blue/a/terraform.tfstate"
    assert state_key("a/terraform.tfstate", "blue", "ws") == "ws/blue/a/terraform.tfstate"


def test_s3_location_endpoint_region_and_path_style() -> None:
    cfg = {"bucket": "b", "key": "k", "region": "eu-west-1", "endpoint": "http://e", "force_path_style": "true"}
    assert s3_location(cfg, "default", {}) == S3Location("b", "k", "eu-west-1", "http://e", True)
    env = {"AWS_ENDPOINT_URL_S3": "http://s3", "AWS_ENDPOINT_URL": "http://all", "AWS_REGION": "us-west-2"}
    got = s3_location({"bucket": "b", "key": "k", "workspace_key_prefix": "p"}, "w", env)
    assert got == S3Location("b", "p/w/k", "us-west-2", "http://s3", False)
    assert (
        s3_location({"bucket": "b", "key": "k", "endpoints": {"s3": "http://x"}}, "default", env).endpoint == "http://x"
    )
    assert s3_location({"bucket": "b", "key": "k", "use_path_style": True}, "default", {}).path_style


@pytest.mark.parametrize("setting", ["role_arn", "profile", "access_key", "sse_customer_key", "assume_role"])
def test_backend_credentials_leave_the_read_to_terraform(setting: str) -> None:
    with pytest.raises(Unreadable, match=setting):
        s3_location({"bucket": "b", "key": "k", setting: "x"}, "default", {})
    with pytest.raises(Unreadable, match="no bucket or key"):
        s3_location({"bucket": "b"}, "default", {})


def test_workspace_from_env_then_environment_file() -> None:
    assert workspace_of(None, {}) == "default"
    assert workspace_of("blue\n", {}) == "blue"
    assert workspace_of("blue\n", {"TF_WORKSPACE": "green"}) == "green"


def test_mode_flag_env_default() -> None:
    assert parse_mode(None, {}) == "state"
    assert parse_mode(None, {"TGO_DEPENDENCY_OUTPUTS": "terraform"}) == "terraform"
    assert parse_mode("state", {"TGO_DEPENDENCY_OUTPUTS": "terraform"}) == "state"
    with pytest.raises(UsageError, match="state or terraform"):
        parse_mode("s3", {})


def _cfg(name: str) -> ModuleConfig:
    path = Path("/t") / name
    return ModuleConfig(path=path, config_file=path / "terragrunt.hcl")


class FakeState:
    def __init__(self, answers: dict[str, Any], delay: float = 0.0) -> None:
        self.answers = answers
        self.delay = delay
        self.calls: list[str] = []
        self.lock = threading.Lock()
        self.inflight = self.most = 0

    def read(self, cfg: ModuleConfig) -> dict[str, Any]:
        with self.lock:
            self.calls.append(cfg.path.name)
            self.inflight += 1
            self.most = max(self.most, self.inflight)
        time.sleep(self.delay)
        with self.lock:
            self.inflight -= 1
        got = self.answers[cfg.path.name]
        if isinstance(got, Exception):
            raise got
        return dict(got)


def _reader(state: FakeState | None, terraform: dict[str, Any]) -> tuple[DependencyOutputs, list[str]]:
    configs = {c.path: c for c in map(_cfg, ["a", "b", "c", "d"])}
    called: list[str] = []

    def tf(cfg: ModuleConfig) -> dict[str, Any] | None:
        called.append(cfg.path.name)
        value: dict[str, Any] | None = terraform.get(cfg.path.name)
        return value

    return DependencyOutputs(configs, tf, state, display=lambda p: p.name), called


def test_state_first_terraform_when_unreadable_and_sources_say_which() -> None:
    loc = S3Location("b", "k", None, None, False)
    state = FakeState(
        {
            "a": {"x": 1},
            "b": Unreadable("no state object at s3://b/k"),
            "c": StateAccessDenied(loc, "arn:aws:iam::1:role/r", "AccessDenied"),
        }
    )
    reader, terraform = _reader(state, {"b": {"y": 2}})
    p = Path("/t")
    assert reader.get_many([p / "a", p / "b", p / "a"]) == {p / "a": {"x": 1}, p / "b": {"y": 2}}
    assert terraform == ["b"]
    with pytest.raises(TgoError) as err:
        reader.get(p / "c")
    assert "dependency c: AccessDenied on s3://b/k under role arn:aws:iam::1:role/r" in err.value.format()
    with pytest.raises(TgoError):
        reader.get(p / "c")
    assert state.calls.count("c") == 1 and terraform == ["b"], "no terraform fallback and no mocks after a denial"
    assert reader.sources() == {
        p / "a": OutputsSource("state"),
        p / "b": OutputsSource("terraform", "no state object at s3://b/k"),
    }
    reader.close()


def test_each_dependency_read_once_however_many_ask_and_in_parallel() -> None:
    state = FakeState({n: {"n": n} for n in "abcd"}, delay=0.2)
    reader, _ = _reader(state, {})
    paths = [Path("/t") / n for n in "abcd"]
    results: list[dict[Path, Any]] = []
    threads = [threading.Thread(target=lambda: results.append(reader.get_many(paths))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(state.calls) == list("abcd")
    assert all(r == {p: {"n": p.name} for p in paths} for r in results)
    assert state.most > 1, "a module's dependencies are read at the same time, not one after another"
    reader.close()


def test_prefetch_reads_state_only_and_leaves_terraform_for_later() -> None:
    state = FakeState({"a": {"x": 1}, "b": Unreadable("the backend is local, not s3")})
    reader, terraform = _reader(state, {"b": {"y": 2}})
    for future in reader.prefetch([Path("/t/a"), Path("/t/b"), Path("/t/a")]):
        future.result()
    assert sorted(state.calls) == ["a", "b"] and terraform == []
    assert reader.get(Path("/t/b")) == {"y": 2} and terraform == ["b"]
    assert reader.get(Path("/t/a")) == {"x": 1} and state.calls.count("a") == 1
    reader.close()


def test_terraform_mode_never_touches_state() -> None:
    reader, terraform = _reader(None, {"a": {"x": 1}})
    assert reader.prefetch([Path("/t/a")]) == []
    assert reader.get(Path("/t/a")) == {"x": 1} and terraform == ["a"]
    assert reader.sources() == {Path("/t/a"): OutputsSource("terraform", "--dependency-outputs terraform")}
    reader.close()
