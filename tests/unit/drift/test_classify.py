"""Classification of real terraform 1.0.3 plan JSON (fixtures captured by fixtures/capture.py)."""

from __future__ import annotations

import pytest

from orchestrator.drift.classify import classify_plan, drift_action, plan_action
from tests.unit.drift.conftest import load_plan


def test_clean_plan_has_nothing() -> None:
    for name in ("clean", "clean_refresh"):
        found = classify_plan(load_plan(name), "plan" if name == "clean" else "refresh-only", "m")
        assert not found.drifted


def test_edited_object_is_an_update_changed_outside_with_attribute_values() -> None:
    found = classify_plan(load_plan("edited"), "plan", "dev/app")
    assert [(r.address, r.action, r.changed_outside) for r in found.resources] == [
        ("tgo_s3_object.config", "update", True)
    ]
    attrs = {a.name: a for a in found.resources[0].attributes}
    assert attrs["content"].before == '{"replicas": 5}'
    assert attrs["content"].after == '{"replicas": 2}'
    assert attrs["etag"].after_unknown and attrs["etag"].after is None
    assert not found.outputs


def test_refresh_only_reports_resource_drift_with_attributes() -> None:
    found = classify_plan(load_plan("edited_refresh"), "refresh-only", "dev/app")
    [res] = found.resources
    assert (res.address, res.action) == ("tgo_s3_object.config", "drifted")
    assert {a.name for a in res.attributes} == {"content", "etag"}
    content = next(a for a in res.attributes if a.name == "content")
    assert (content.before, content.after) == ('{"replicas": 2}', '{"replicas": 5}')


def test_deleted_object_plan_creates_and_refresh_only_says_removed() -> None:
    [created] = classify_plan(load_plan("deleted"), "plan", "m").resources
    assert (created.address, created.action, created.changed_outside) == ("tgo_s3_object.token", "create", True)
    [removed] = classify_plan(load_plan("deleted_refresh"), "refresh-only", "m").resources
    assert (removed.address, removed.action, removed.attributes) == ("tgo_s3_object.token", "removed", [])


def test_sensitive_values_are_never_copied() -> None:
    plan = load_plan("edited_refresh")
    change = plan["resource_drift"][0]["change"]
    change["before_sensitive"] = {"content": True}
    [res] = classify_plan(plan, "refresh-only", "m").resources
    content = next(a for a in res.attributes if a.name == "content")
    assert content.sensitive and content.before is None and content.after is None
    assert "replicas" not in res.model_dump_json()


def test_replace_and_outputs_only() -> None:
    [res] = classify_plan(load_plan("replace"), "plan", "m").resources
    assert res.action == "replace"
    found = classify_plan(load_plan("outputs_only"), "plan", "m")
    assert found.drifted and not found.resources
    assert [(o.name, o.action) for o in found.outputs] == [("label", "update")]


@pytest.mark.parametrize(
    ("actions", "expected"),
    [(["no-op"], None), (["create", "delete"], "replace"), (["delete", "create"], "replace"), (["read"], "read")],
)
def test_plan_action(actions: list[str], expected: str | None) -> None:
    assert plan_action(actions) == expected


def test_drift_action() -> None:
    assert drift_action(["update"]) == "drifted"
    assert drift_action(["delete"]) == "removed"
    assert drift_action(["no-op"]) is None


def test_odd_json_is_tolerated() -> None:
    assert not classify_plan({"resource_changes": None, "output_changes": "x"}, "plan", "m").drifted
    assert not classify_plan({}, "refresh-only", "m").drifted


def test_refresh_only_does_not_report_output_changes() -> None:
    assert not classify_plan(load_plan("outputs_only"), "refresh-only", "m").drifted
