"""``--worker-git``: the client's source (commit, URL without credentials, refusals) and the worker's
per-commit checkout, with the real git over repositories made in tmp."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import threading
from collections.abc import Mapping
from pathlib import Path
from types import SimpleNamespace

import pytest

from orchestrator.cli.executor_opt import build_executor
from orchestrator.config.models import ModuleConfig
from orchestrator.errors import EXIT_USAGE, ToolError, UsageError
from orchestrator.execution.dask_common import WorkerSetup
from orchestrator.execution.git_checkout import cache_dir, ensure_checkout, repo_key
from orchestrator.execution.git_source import (
    changed_paths,
    client_source,
    git_reason,
    lexical_root,
    redact_urls,
    strip_credentials,
)
from orchestrator.execution.task import ModuleTask
from orchestrator.runtime import Console, Runtime
from orchestrator.terraform.commands import TfCommand


def _env(home: Path) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }


def git(cwd: Path, env: Mapping[str, str], *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=dict(env), check=True, capture_output=True, text=True).stdout


def commit_all(repo: Path, env: Mapping[str, str], message: str = "c") -> str:
    git(repo, env, "add", "-A")
    git(repo, env, "commit", "-q", "-m", message)
    return git(repo, env, "rev-parse", "HEAD").strip()


@pytest.fixture
def repos(tmp_path: Path) -> SimpleNamespace:
    """An origin repository with live/m/main.tf and a clone of it (the client's)."""
    env = _env(tmp_path)
    origin = tmp_path / "origin"
    (origin / "live" / "m").mkdir(parents=True)
    git(origin, env, "init", "-q")
    (origin / "live" / "m" / "main.tf").write_text("# one\n")
    (origin / "README").write_text("r\n")
    commit = commit_all(origin, env)
    git(tmp_path, env, "clone", "-q", str(origin), "client")
    return SimpleNamespace(env=env, origin=origin, client=tmp_path / "client", commit=commit, tmp=tmp_path)


def test_urls_lose_their_credentials_and_messages_hide_them() -> None:
    assert strip_credentials("https://user:tok@git.example.com/org/live.git") == "https://git.example.com/org/live.git"
    assert strip_credentials("https://ghp_token@github.com/o/r") == "https://github.com/o/r"  # a token as the user
    assert strip_credentials("ssh://git:pw@host:22/o/r.git") == "ssh://git@host:22/o/r.git"
    assert strip_credentials("ssh://git@host/o/r.git") == "ssh://git@host/o/r.git"
    assert strip_credentials("git@github.com:o/r.git") == "git@github.com:o/r.git"
    assert strip_credentials("/srv/git/live.git") == "/srv/git/live.git"
    text = "fatal: https://u:secret@h/r and http://tok@h/x and ssh://git:pw@h/r and git@h:o/r"
    assert redact_urls(text) == "fatal: https://***@h/r and http://***@h/x and ssh://git:***@h/r and git@h:o/r"
    assert git_reason("warning: x\nfatal: 'https://a:b@h/r' does not exist\nPlease make sure\n") == (
        "'https://***@h/r' does not exist"
    )


def test_status_paths_and_the_root_spelt_as_the_run_spells_it() -> None:
    assert changed_paths(" M live/a.tf\0?? live/new.tf\0R  live/b.tf\0live/old.tf\0") == [
        "live/a.tf",
        "live/new.tf",
        "live/b.tf",
    ]
    assert changed_paths("") == []
    assert lexical_root(Path("/w/client/live/dev"), "live/dev") == "/w/client"
    assert lexical_root(Path("/w/client"), ".") == "/w/client"
    key = repo_key("https://git.example.com/org/live.git")
    assert key.startswith("live-") and key != repo_key("https://other.example.com/org/live.git")
    assert cache_dir({"TGO_WORKER_CACHE": "/c"}) == Path("/c")
    assert cache_dir({"XDG_CACHE_HOME": "/x", "HOME": "/h"}) == Path("/x/tgo/checkouts")
    assert cache_dir({"HOME": "/h"}) == Path("/h/.cache/tgo/checkouts")


def test_a_clean_tree_ships_its_head_commit_and_the_remotes_url(repos: SimpleNamespace) -> None:
    live = repos.client / "live"
    (live / ".tgo" / "runs").mkdir(parents=True)  # tgo's and terraform's own files are not changes
    (live / ".tgo" / "runs" / "report.json").write_text("{}")
    (live / "m" / ".terraform").mkdir()
    (live / "m" / ".terraform" / "x").write_text("x")
    (repos.client / "README").write_text("changed outside the run's root\n")
    source = client_source("origin", live, repos.env, repos.tmp)
    assert (source.url, source.commit, source.client_root) == (str(repos.origin), repos.commit, str(repos.client))
    by_url = client_source("https://u:secret@git.example.com/live.git", live, repos.env, repos.tmp)
    assert by_url.url == "https://git.example.com/live.git"


@pytest.mark.parametrize("change", ["modified", "untracked", "deleted"])
def test_uncommitted_changes_under_the_runs_root_are_refused(repos: SimpleNamespace, change: str) -> None:
    main = repos.client / "live" / "m" / "main.tf"
    if change == "modified":
        main.write_text("# two\n")
    elif change == "untracked":
        (main.parent / "extra.tf").write_text("")
    else:
        main.unlink()
    with pytest.raises(UsageError) as err:
        client_source("origin", repos.client / "live", repos.env, repos.tmp)
    assert err.value.exit_code == EXIT_USAGE
    assert err.value.format().startswith("--worker-git: uncommitted changes under ")
    assert "live/m/" in err.value.message and f"commit {repos.commit[:12]}" in err.value.message


def test_no_repository_no_commit_and_an_unknown_remote_are_refused(repos: SimpleNamespace) -> None:
    plain = repos.tmp / "plain"
    plain.mkdir()
    with pytest.raises(UsageError, match="is not in a git repository"):
        client_source("origin", plain, repos.env, repos.tmp)
    git(plain, repos.env, "init", "-q")
    with pytest.raises(UsageError, match="has no commit yet"):
        client_source("origin", plain, repos.env, repos.tmp)
    with pytest.raises(UsageError, match=r"'upstream' is neither a remote of .* \(remotes: origin\) nor a URL"):
        client_source("upstream", repos.client, repos.env, repos.tmp)
    odd = client_source("--upload-pack=touch /tmp/x", repos.client, repos.env, repos.tmp)
    assert odd.url == f"{repos.tmp}/--upload-pack=touch /tmp/x"  # a path, never an option to git
    with pytest.raises(ToolError, match="is not a URL"):  # the worker checks too
        ensure_checkout("--upload-pack=x", repos.commit, repos.tmp / "cache", repos.env)


def test_one_checkout_per_commit_made_once_under_concurrent_asks_and_then_reused(repos: SimpleNamespace) -> None:
    cache = repos.tmp / "cache"
    url = str(repos.origin)
    got: list[Path] = []
    threads = [
        threading.Thread(target=lambda: got.append(ensure_checkout(url, repos.commit, cache, repos.env)))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 4 and len(set(got)) == 1
    checkout = got[0]
    assert checkout == cache / repo_key(url) / repos.commit
    assert (checkout / "live" / "m" / "main.tf").read_text() == "# one\n"
    assert sorted(p.name for p in checkout.parent.iterdir()) == [".lock", repos.commit, "repo.git"]  # no temp left
    # a new commit comes from the same bare repository; the old checkout stays as it was
    (repos.origin / "live" / "m" / "main.tf").write_text("# two\n")
    second = commit_all(repos.origin, repos.env)
    assert (ensure_checkout(url, second, cache, repos.env) / "live" / "m" / "main.tf").read_text() == "# two\n"
    assert (checkout / "live" / "m" / "main.tf").read_text() == "# one\n"
    # a complete checkout is reused without git: the origin may even be gone
    os.rename(repos.origin, repos.tmp / "moved")
    assert ensure_checkout(url, repos.commit, cache, repos.env) == checkout


def test_a_commit_not_on_the_remote_and_an_unreachable_remote_are_one_line(repos: SimpleNamespace) -> None:
    cache = repos.tmp / "cache"
    (repos.client / "local.tf").write_text("")
    unpushed = commit_all(repos.client, repos.env)
    with pytest.raises(ToolError) as err:
        ensure_checkout(str(repos.origin), unpushed, cache, repos.env)
    assert err.value.format() == (
        f"commit {unpushed[:12]} is not on {repos.origin} (push it, or pass --worker-git a remote that has it)"
    )
    with pytest.raises(ToolError) as gone:
        ensure_checkout("https://user:secret@127.0.0.1:9/nothing.git", repos.commit, cache, repos.env)
    assert gone.value.message.startswith("cannot fetch https://***@127.0.0.1:9/nothing.git: ")
    assert "secret" not in gone.value.format()
    assert not list(cache.glob("*/" + repos.commit))


def test_the_worker_plugin_maps_the_repository_root_to_its_checkout(
    repos: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("distributed")
    from orchestrator.execution.dask_worker import TgoWorkerPlugin

    live = repos.client / "live"
    source = client_source("origin", live, repos.env, repos.tmp)
    plugin = TgoWorkerPlugin(WorkerSetup(run_id="g", client_root=str(live), git=source, mode="env"))
    cache = repos.tmp / "cache"
    monkeypatch.setenv("TGO_WORKER_CACHE", str(cache))  # the worker's own environment
    try:
        asyncio.run(plugin.setup(SimpleNamespace(address="tcp://w:1")))
    finally:
        plugin.teardown(SimpleNamespace(address="tcp://w:1"))
    checkout = cache / repo_key(source.url) / source.commit
    cfg = ModuleConfig(path=live / "m", config_file=live / "m" / "terragrunt.hcl", inputs={"mod": str(repos.client)})
    task = ModuleTask(run_id="g", module="m", root=str(live), config=cfg, terraform="tf", command=TfCommand("plan"))
    moved = plugin.localise(task)
    assert moved.root == str(checkout / "live")
    assert moved.config.path == checkout / "live" / "m"
    assert moved.config.inputs == {"mod": str(checkout)}  # paths outside the run's root, inside the repo, too


def _runtime(cwd: Path, env: Mapping[str, str]) -> Runtime:
    return Runtime(environ=dict(env), cwd=cwd, console=Console(io.StringIO(), io.StringIO()))


def test_worker_git_needs_a_dask_executor_and_excludes_worker_root(repos: SimpleNamespace) -> None:
    def build(executor: str | None, env: Mapping[str, str], **flags: str | None) -> object:
        return build_executor(
            _runtime(repos.client, env),
            executor,
            working_dir=repos.client,
            tf_path=None,
            mode="env",
            max_per_account=None,
            cancel=threading.Event(),
            worker_root=flags.get("worker_root"),
            worker_git=flags.get("worker_git"),
        )

    with pytest.raises(UsageError, match=r"^--worker-git: --worker-git needs a Dask executor"):
        build(None, repos.env, worker_git="origin")
    with pytest.raises(UsageError, match="--worker-root and --worker-git both say where"):
        build("dask-local:1", repos.env, worker_root="/srv", worker_git="origin")
    with pytest.raises(UsageError, match=r"^TGO_WORKER_GIT: --worker-root and --worker-git"):
        build("dask-local:1", {**repos.env, "TGO_WORKER_GIT": "origin"}, worker_root="/srv")
    assert build(None, {**repos.env, "TGO_WORKER_GIT": "origin"}) is None  # the variable alone: local runs ignore it
