"""Suite-wide: tgo's per-user state (the parse-cache key) goes to a directory of the test run, never
to the home directory of whoever runs the tests. Child processes inherit it from the environment
unless a test builds its own environment (those set HOME to a temporary directory)."""

from __future__ import annotations

import os
import tempfile

import pytest


def pytest_configure(config: pytest.Config) -> None:
    if "TGO_TEST_STATE_HOME" not in os.environ:
        state = tempfile.mkdtemp(prefix="tgo-test-state-")
        os.environ["TGO_TEST_STATE_HOME"] = state
        os.environ["XDG_STATE_HOME"] = state
