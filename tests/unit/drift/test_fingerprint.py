from __future__ import annotations

from orchestrator.drift.classify import classify_plan
from orchestrator.drift.fingerprint import group_key, module_fingerprint, resource_fingerprint
from tests.unit.drift.conftest import load_plan


def test_fingerprint_is_stable_and_ignores_attribute_order_and_values() -> None:
    a = resource_fingerprint("dev/app", "x.y", "update", ["content", "etag"])
    assert a == resource_fingerprint("dev/app", "x.y", "update", ["etag", "content"])
    assert len(a) == 16 and int(a, 16) >= 0
    plan = load_plan("edited_refresh")
    first = classify_plan(plan, "refresh-only", "dev/app").resources[0].fingerprint
    plan["resource_drift"][0]["change"]["after"]["content"] = "something else"
    assert classify_plan(plan, "refresh-only", "dev/app").resources[0].fingerprint == first


def test_fingerprint_differs_by_module_address_action_and_attributes() -> None:
    base = resource_fingerprint("dev/app", "x.y", "update", ["content"])
    assert base != resource_fingerprint("prod/app", "x.y", "update", ["content"])
    assert base != resource_fingerprint("dev/app", "x.z", "update", ["content"])
    assert base != resource_fingerprint("dev/app", "x.y", "drifted", ["content"])
    assert base != resource_fingerprint("dev/app", "x.y", "update", ["etag"])


def test_group_key_ignores_the_module() -> None:
    one = classify_plan(load_plan("edited"), "plan", "dev/app").resources[0]
    two = classify_plan(load_plan("edited"), "plan", "prod/app").resources[0]
    assert one.group == two.group == group_key("tgo_s3_object.config", "update", ["caller_arn", "content", "etag"])
    assert one.fingerprint != two.fingerprint


def test_module_fingerprint_covers_outputs() -> None:
    assert module_fingerprint("m", ["a"], []) != module_fingerprint("m", ["a"], ["out"])
    assert module_fingerprint("m", ["a", "b"], []) == module_fingerprint("m", ["b", "a"], [])
