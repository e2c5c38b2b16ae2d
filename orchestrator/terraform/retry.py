"""Which failures are retried and which are ignored (the ``errors`` block). Pure.

Without an ``errors.retry`` block, Terragrunt's default list of transient terraform errors applies
(3 attempts, 5 s apart). Patterns are Python regular expressions searched in the combined output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from orchestrator.config.models import ModuleConfig
from orchestrator.config.retryable import DEFAULT_RETRYABLE_ERRORS

DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_SLEEP_S = 5.0


@dataclass(frozen=True)
class RetryRule:
    patterns: tuple[str, ...]
    max_attempts: int
    sleep_s: float


def retry_rules(cfg: ModuleConfig) -> tuple[RetryRule, ...]:
    if cfg.errors is not None and cfg.errors.retry:
        return tuple(
            RetryRule(tuple(r.retryable_errors), r.max_attempts, float(r.sleep_interval_sec)) for r in cfg.errors.retry
        )
    return (RetryRule(DEFAULT_RETRYABLE_ERRORS, DEFAULT_MAX_ATTEMPTS, DEFAULT_SLEEP_S),)


def _matches(patterns: tuple[str, ...] | list[str], output: str) -> bool:
    for pattern in patterns:
        try:
            if re.search(pattern, output):
                return True
        except re.error:
            if pattern in output:  # not a valid regex: match it literally
                return True
    return False


def retry_delay(rules: tuple[RetryRule, ...], output: str, attempt: int) -> float | None:
    """Seconds to wait before attempt ``attempt + 1``, or None when the failure is not retried."""
    for rule in rules:
        if attempt < rule.max_attempts and _matches(rule.patterns, output):
            return rule.sleep_s
    return None


def ignored_because(cfg: ModuleConfig, output: str) -> str | None:
    """The message of the first ``errors.ignore`` block matching ``output`` (the failure then counts
    as a success), else None."""
    for block in cfg.errors.ignore if cfg.errors else []:
        if _matches(block.ignorable_errors, output):
            return block.message or f"error ignored by errors.ignore {block.name!r}"
    return None
