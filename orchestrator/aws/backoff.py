"""Retry of throttled STS calls with capped exponential backoff and full jitter.

Pure apart from the injected clock (its ``sleep``) and random source, so tests run it with a manual
clock and a seeded ``random.Random`` and count the pauses. Thread-safe when ``rng`` is only used
under the caller's lock or is a per-call instance; :class:`Backoff` itself keeps no state.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from orchestrator.aws.model import StsError
from orchestrator.runtime import Clock

T = TypeVar("T")


@dataclass(frozen=True)
class Backoff:
    """``max_attempts`` tries in all; pause ``uniform(0, min(cap, base * 2**n))`` before retry n+1."""

    max_attempts: int = 8
    base_delay: float = 0.2
    max_delay: float = 10.0
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def delay(self, retry: int) -> float:
        """The pause before retry number ``retry`` (0-based): full jitter, never above the cap."""
        ceiling = min(self.max_delay, self.base_delay * (2**retry))
        return self.rng.uniform(0.0, ceiling)

    def call(self, fn: Callable[[], T], clock: Clock, on_retry: Callable[[StsError], None]) -> T:
        """Run ``fn``; when it raises a throttled :class:`StsError`, call ``on_retry``, sleep, try again.

        Raises the last StsError when attempts run out, and any non-throttled StsError at once.
        """
        retry = 0
        while True:
            try:
                return fn()
            except StsError as err:
                if not err.throttled or retry + 1 >= self.max_attempts:
                    raise
                on_retry(err)
                clock.sleep(self.delay(retry))
                retry += 1
