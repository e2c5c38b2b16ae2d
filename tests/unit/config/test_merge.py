from __future__ import annotations

from orchestrator.config.merge import deep_merge_values, merge_configs


def test_shallow_merge_child_wins_and_inputs_merge_by_top_level_key() -> None:
    parent = {"iam_role": "p", "inputs": {"a": {"x": 1}, "b": 2}, "locals": {"p": 1}, "prevent_destroy": True}
    child = {"iam_role": "c", "inputs": {"a": {"y": 2}}, "locals": {"c": 1}}
    out = merge_configs(parent, child, "shallow")
    assert out == {"iam_role": "c", "inputs": {"a": {"y": 2}, "b": 2}, "locals": {"c": 1}, "prevent_destroy": True}


def test_skip_is_never_inherited() -> None:
    assert "skip" not in merge_configs({"skip": True}, {}, "shallow")
    assert merge_configs({"skip": True}, {"skip": False}, "deep")["skip"] is False


def test_locals_are_never_merged() -> None:
    assert "locals" not in merge_configs({"locals": {"a": 1}}, {}, "deep")


def test_deep_merge_maps_recursive_lists_concatenated() -> None:
    parent = {"inputs": {"a": {"x": 1, "l": [1]}, "s": "p"}, "dependencies": {"paths": ["/a"]}}
    child = {"inputs": {"a": {"y": 2, "l": [2]}, "s": "c"}, "dependencies": {"paths": ["/b", "/a"]}}
    out = merge_configs(parent, child, "deep")
    assert out["inputs"] == {"a": {"x": 1, "l": [1, 2], "y": 2}, "s": "c"}
    assert out["dependencies"] == {"paths": ["/a", "/b"]}


def test_dependencies_paths_concatenated_even_when_shallow() -> None:
    out = merge_configs({"dependencies": {"paths": ["/a"]}}, {"dependencies": {"paths": ["/b"]}}, "shallow")
    assert out["dependencies"] == {"paths": ["/a", "/b"]}


def test_dependency_blocks_by_name_shallow_replaces_deep_merges() -> None:
    parent = {
        "dependency": [
            {"name": "vpc", "config_path": "/v", "mock_outputs": {"a": 1}},
            {"name": "x", "config_path": "/x"},
        ]
    }
    child = {"dependency": [{"name": "vpc", "mock_outputs": {"b": 2}}]}
    shallow = merge_configs(parent, child, "shallow")["dependency"]
    assert shallow == [{"name": "vpc", "mock_outputs": {"b": 2}}, {"name": "x", "config_path": "/x"}]
    deep = merge_configs(parent, child, "deep")["dependency"]
    assert deep[0] == {"name": "vpc", "config_path": "/v", "mock_outputs": {"a": 1, "b": 2}}


def test_no_merge_keeps_child_only() -> None:
    assert merge_configs({"iam_role": "p", "inputs": {"a": 1}}, {"inputs": {"b": 2}}, "no_merge") == {
        "inputs": {"b": 2}
    }


def test_terraform_block_merges_hooks_by_name_and_overrides_source() -> None:
    parent = {"terraform": {"source": "p", "before_hook": [{"name": "a", "commands": ["plan"]}, {"name": "b"}]}}
    child = {"terraform": {"source": "c", "before_hook": [{"name": "a", "commands": ["apply"]}]}}
    out = merge_configs(parent, child, "shallow")["terraform"]
    assert out == {"source": "c", "before_hook": [{"name": "a", "commands": ["apply"]}, {"name": "b"}]}


def test_generate_blocks_by_name() -> None:
    parent = {"generate": [{"name": "provider", "contents": "p"}, {"name": "versions", "contents": "v"}]}
    child = {"generate": [{"name": "provider", "contents": "c"}]}
    out = merge_configs(parent, child, "shallow")["generate"]
    assert out == [{"name": "provider", "contents": "c"}, {"name": "versions", "contents": "v"}]


def test_remote_state_replaced_even_when_deep() -> None:
    parent = {"remote_state": {"backend": "s3", "config": {"bucket": "b", "key": "k"}}}
    child = {"remote_state": {"backend": "s3", "config": {"key": "k2"}}}
    for strategy in ("deep", "shallow"):
        assert merge_configs(parent, child, strategy)["remote_state"] == child["remote_state"]


def test_deep_concatenates_legacy_retryable_errors() -> None:
    out = merge_configs({"retryable_errors": ["a"]}, {"retryable_errors": ["b"]}, "deep")
    assert out["retryable_errors"] == ["a", "b"]


def test_deep_merge_values_scalars_child_wins_type_change() -> None:
    assert deep_merge_values({"a": [1]}, {"a": "x"}) == {"a": "x"}
    assert deep_merge_values([1], [2]) == [1, 2]
