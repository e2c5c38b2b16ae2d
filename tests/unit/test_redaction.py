"""The redactor masks what it was given, everywhere the console and run output write."""

from __future__ import annotations

import io
from pathlib import Path

from orchestrator.output import RunOutput
from orchestrator.redaction import MASK, Redactor
from orchestrator.runtime import Console

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "FwoGZXIvYXdzEJr//////////wEaDEXAMPLETOKEN" + "x" * 40


def test_masks_every_secret_longest_first_ignores_short_values() -> None:
    r = Redactor()
    r.add(SECRET, TOKEN, None, "testing")
    r.add(TOKEN[:20])  # a secret inside another one is masked whole by the longer one first
    assert r.redact(f"a {TOKEN} b {SECRET} c testing") == f"a {MASK} b {MASK} c testing"
    assert r.redact("nothing here") == "nothing here"
    assert r.redacted == 1
    env = Redactor()
    env.add_environment({"AWS_SECRET_ACCESS_KEY": SECRET, "AWS_SESSION_TOKEN": TOKEN, "AWS_ACCESS_KEY_ID": "ASIAX" * 4})
    assert env.redact(f"{SECRET} {TOKEN} {'ASIAX' * 4}") == f"{MASK} {MASK} {'ASIAX' * 4}"


def test_console_logs_and_stderr_tail_never_see_a_known_secret(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    redactor = Redactor()
    console = Console(out, err, color=False, redactor=redactor)
    for mode in ("stream", "grouped"):
        run = RunOutput(console, tmp_path / mode, mode=mode)  # type: ignore[arg-type]
        module = run.module("app")
        module.line("stderr", f"before {SECRET}")  # not yet known: tgo had not handed it out
        redactor.add(SECRET)
        module.line("stderr", f"X-Amz-Security-Token: {SECRET}")
        module.note(f"hook said {SECRET}")
        tail = module.stderr_tail()
        module.close()
        log = (tmp_path / mode / "app.log").read_text()
        assert SECRET not in log.split("\n", 1)[1] and f"X-Amz-Security-Token: {MASK}" in log
        assert SECRET not in tail[-1]
        redactor = Redactor()
        console.redactor = redactor
    console.error(f"run_cmd: {SECRET}")
    console.redactor.add(SECRET)
    console.error(f"run_cmd: {SECRET}")
    assert err.getvalue().splitlines()[-1] == f"run_cmd: {MASK}"
    assert out.getvalue().count(MASK) >= 2
