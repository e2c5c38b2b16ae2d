"""Drift: classify saved plans, fingerprint what differs, apply suppressions and history.

Everything in this package is pure (no I/O except reading the suppressions and previous-report files
in :mod:`orchestrator.drift.suppressions` and :mod:`orchestrator.drift.history`); the use case that
runs terraform is :mod:`orchestrator.app.drift`.
"""
