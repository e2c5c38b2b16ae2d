"""The hint of a role failure says what to do for that failure."""

from __future__ import annotations

from orchestrator.aws.credentials import RoleAssumeError

ROLE = "arn:aws:iam::111111111111:role/deploy"


def test_missing_credentials_hint_says_how_to_provide_them() -> None:
    assert "AWS_PROFILE" in (RoleAssumeError(ROLE, "NoCredentials", "none").hint or "")


def test_expired_credentials_hint_says_log_in_again() -> None:
    assert "expired" in (RoleAssumeError(ROLE, "ExpiredToken", "old").hint or "")


def test_refused_role_hint_points_at_the_trust_policy() -> None:
    assert "trust policy" in (RoleAssumeError(ROLE, "AccessDenied", "no").hint or "")
