"""The credential cache: one STS call per role session until shortly before it expires.

Contract of :class:`CredentialCache`:
- It is an object (owned by the Runtime's services for one process), never module state.
- Key: :class:`~orchestrator.aws.model.AssumeRequest` (role ARN, session name, duration, web identity
  token, source identity); equal requests share one session.
- TTL: the ``Expiration`` STS returns minus ``refresh_margin``. :meth:`CredentialCache.get` never hands
  out credentials that expire within the margin; it refreshes them first.
- Single-flight: one lock per key, so N threads asking for one role at once make exactly one call.
- Throttling is retried with backoff and jitter (sleeping through the injected clock).
- A role that cannot be assumed raises :class:`RoleAssumeError` (an AuthError); the failure is
  remembered for ``failure_ttl`` so the other modules of that role fail fast without new calls.
- Role chaining: when the base identity is an assumed role, durations above one hour are clamped
  to 3600 s and the ``warn`` callback is told once.
- New processes (``get(..., for_new_process=True)``, what environment-credential mode hands to
  terraform, hooks and ``run_cmd``): such a process cannot refresh what it got, so a cached session
  is handed to one only while it has at least the refresh margin plus :func:`useful_lifetime` left;
  after that it is refreshed, and a fresh session with less than that is a ``SessionTooShort``
  RoleAssumeError (``min_lifetime`` 0, as for the credential broker which refreshes, turns this off).
- Chains (``source``, what ``--auth-provider-cmd`` gives): when ``source(request)`` returns
  credentials, the role is assumed *with* them instead of the base credentials, and the chained-role
  clamp judges who they are (one ``GetCallerIdentity`` per source key, only for durations above an
  hour). ``source`` is called under the key's lock, only when a session is actually assumed, and may
  raise AuthError (the command failed), which ``get`` passes on unremembered.
- Every session obtained is given to ``redactor`` (secret key and session token) so that tgo can
  mask them in everything it prints or writes.
- Thread-safe: every public method may be called from any number of threads at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from orchestrator.aws.backoff import Backoff
from orchestrator.aws.model import AssumeRequest, CallerIdentity, Credentials, StsClient, StsError
from orchestrator.errors import AuthError
from orchestrator.redaction import Redactor
from orchestrator.runtime import Clock

T = TypeVar("T")
CHAINED_MAX_DURATION = 3600
STAT_NAMES = ("assume_role_calls", "cache_hits", "refreshes", "throttled_retries")
DEFAULT_SESSION_SECONDS = 3600  # what STS gives when no duration is asked for


def useful_lifetime(min_lifetime: timedelta, margin: timedelta, duration_seconds: int | None) -> timedelta:
    """How long, beyond the refresh margin, a session must still last to be handed to a new process:
    ``min_lifetime``, but at most half of what a session of ``duration_seconds`` lasts beyond the
    margin, so that the shortest sessions AWS grants (900 s) stay usable and are reused for a while
    instead of being refreshed for every process."""
    duration = timedelta(seconds=duration_seconds or DEFAULT_SESSION_SECONDS)
    return max(timedelta(0), min(min_lifetime, (duration - margin) / 2))


def _hint_for(code: str) -> str:
    """What to do about an STS failure code: the fix differs for missing, expired or refused access."""
    if code in {"NoCredentials", "NoCredentialsError"}:
        return "set base AWS credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or `aws sso login`"
    if code in {"ExpiredToken", "ExpiredTokenException", "RequestExpired"}:
        return "the base credentials have expired: log in again (e.g. `aws sso login`)"
    return "check the role's trust policy and that the base credentials are valid and not expired"


class RoleAssumeError(AuthError):
    """A role could not be assumed. ``role_arn`` and ``code`` say which and why (no secrets)."""

    def __init__(self, role_arn: str, code: str, message: str, *, hint: str | None = None) -> None:
        super().__init__(f"cannot assume {role_arn}: {code}: {message}", hint=hint or _hint_for(code))
        self.role_arn = role_arn
        self.code = code


class BaseIdentityError(AuthError):
    """The base credentials do not work (missing, expired, or STS unreachable)."""


@dataclass
class _Entry:
    lock: threading.Lock = field(default_factory=threading.Lock)
    credentials: Credentials | None = None
    failure: RoleAssumeError | None = None
    failed_at: datetime | None = None
    identity: CallerIdentity | None = None


def _noop(_message: str) -> None:
    return None


class CredentialCache:
    """Role sessions by :class:`AssumeRequest`, refreshed before they expire. Thread-safe."""

    def __init__(
        self,
        sts: StsClient,
        clock: Clock,
        *,
        refresh_margin: timedelta = timedelta(minutes=5),
        backoff: Backoff | None = None,
        failure_ttl: timedelta = timedelta(seconds=60),
        warn: Callable[[str], None] | None = None,
        min_lifetime: timedelta = timedelta(0),
        redactor: Redactor | None = None,
        source: Callable[[AssumeRequest], Credentials | None] | None = None,
    ) -> None:
        self._sts = sts
        self._source = source
        self._source_identities: dict[str, CallerIdentity] = {}
        self._clock = clock
        self.refresh_margin = refresh_margin
        self.min_lifetime = min_lifetime
        self._redactor = redactor or Redactor()
        self._backoff = backoff or Backoff()
        self._failure_ttl = failure_ttl
        self._warn = warn or _noop
        self._lock = threading.Lock()  # guards _entries, _stats, _warned
        self._entries: dict[AssumeRequest, _Entry] = {}
        self._stats = dict.fromkeys(STAT_NAMES, 0)
        self._warned = False
        self._base = _Entry()

    # -- public API -------------------------------------------------------------------------------

    def get(self, request: AssumeRequest, *, for_new_process: bool = False) -> Credentials:
        """Credentials for ``request`` valid for at least ``refresh_margin`` more (plus the useful
        lifetime ``for_new_process``: see the module doc).

        Raises RoleAssumeError when STS refuses (after retrying throttling) or gives a session too
        short, BaseIdentityError when the base credentials needed to check for role chaining do not work.
        """
        entry = self._entry(request)
        floor = self._floor(request) if for_new_process else timedelta(0)
        with entry.lock:
            now = self._clock.now()
            if entry.credentials is not None and self._fresh(entry.credentials, now, floor):
                self._count("cache_hits")
                return entry.credentials
            if entry.failure is not None and entry.failed_at is not None and now - entry.failed_at < self._failure_ttl:
                raise entry.failure
            refreshing = entry.credentials is not None
            try:
                creds = self._assume(request, floor)
            except RoleAssumeError as err:
                entry.failure, entry.failed_at, entry.credentials = err, now, None
                raise
            entry.credentials, entry.failure, entry.identity = creds, None, creds.identity
            if refreshing:
                self._count("refreshes")
            return creds

    def identity(self, request: AssumeRequest | None) -> CallerIdentity:
        """Who the role session of ``request`` is (``None``: the base credentials).

        At most one ``GetCallerIdentity`` per key per cache, and none when ``AssumeRole`` already
        named the assumed-role user. Raises like :meth:`get`.
        """
        if request is None:
            return self._base_identity()
        creds = self.get(request)
        entry = self._entry(request)
        with entry.lock:
            if entry.identity is None:
                entry.identity = self._call(lambda: self._sts.get_caller_identity(creds), request.role_arn)
            return entry.identity

    def stats(self) -> dict[str, int]:
        """A snapshot of the counters: assume_role_calls, cache_hits, refreshes, throttled_retries."""
        with self._lock:
            return dict(self._stats)

    # -- internals --------------------------------------------------------------------------------

    def _entry(self, request: AssumeRequest) -> _Entry:
        with self._lock:
            entry = self._entries.get(request)
            if entry is None:
                entry = self._entries[request] = _Entry()
            return entry

    def _count(self, name: str) -> None:
        with self._lock:
            self._stats[name] += 1

    def _fresh(self, creds: Credentials, now: datetime, floor: timedelta = timedelta(0)) -> bool:
        return creds.expiration is None or creds.expiration - self.refresh_margin - floor > now

    def _floor(self, request: AssumeRequest) -> timedelta:
        if self.min_lifetime <= timedelta(0):
            return timedelta(0)
        # The asked-for duration, not the chained clamp: asking for it costs a GetCallerIdentity.
        return useful_lifetime(self.min_lifetime, self.refresh_margin, request.duration_seconds)

    def _assume(self, request: AssumeRequest, floor: timedelta) -> Credentials:
        source = self._source(request) if self._source is not None else None
        duration = self._effective_duration(request, source)

        def attempt() -> Credentials:
            self._count("assume_role_calls")
            return self._sts.assume_role(request, duration, source=source)

        creds = self._call(attempt, request.role_arn)
        self._redactor.add(creds.secret_access_key, creds.session_token)
        if not self._fresh(creds, self._clock.now(), floor):
            margin = int(self.refresh_margin.total_seconds())
            if floor:
                why = (
                    f"less than the {margin + int(floor.total_seconds())} s a new process needs (refresh margin "
                    f"{margin} s + minimum useful lifetime {int(floor.total_seconds())} s, TGO_IAM_MIN_LIFETIME)"
                )
            else:
                why = f"which is inside the refresh margin of {margin} s"
            raise RoleAssumeError(
                request.role_arn,
                "SessionTooShort",
                f"the session expires at {creds.expiration}, {why}",
                hint="ask for a longer iam_assume_role_duration, or lower TGO_IAM_MIN_LIFETIME/TGO_IAM_REFRESH_MARGIN",
            )
        return creds

    def _call(self, fn: Callable[[], T], role_arn: str) -> T:
        try:
            return self._backoff.call(fn, self._clock, lambda _err: self._count("throttled_retries"))
        except StsError as err:
            hint = None
            if err.throttled:  # retries ran out: say so, the role and its trust policy were never judged
                hint = (
                    f"STS was still throttling after {self._backoff.max_attempts} attempts: retry later, run fewer "
                    "tgo processes at once or raise TGO_STS_MAX_ATTEMPTS; the role's trust policy was not checked"
                )
            raise RoleAssumeError(role_arn, err.code, err.message, hint=hint) from None

    def _effective_duration(self, request: AssumeRequest, source: Credentials | None = None) -> int | None:
        """Clamp to one hour when assuming from an assumed role (AWS rejects longer chained sessions)."""
        duration = request.duration_seconds
        if duration is None or duration <= CHAINED_MAX_DURATION or request.web_identity_token is not None:
            return duration
        base = self._base_identity() if source is None else self._identity_of(source, request.role_arn)
        if not base.is_assumed_role:
            return duration
        with self._lock:
            first, self._warned = not self._warned, True
        if first:
            self._warn(
                f"role chaining: the base identity {base.arn} is itself an assumed role, and AWS allows "
                f"chained sessions of at most {CHAINED_MAX_DURATION} s; asking for {CHAINED_MAX_DURATION} s "
                f"instead of {duration} s"
            )
        return CHAINED_MAX_DURATION

    def _identity_of(self, source: Credentials, role_arn: str) -> CallerIdentity:
        """Who the source credentials of a chain are: known from AssumeRole, else asked once per key."""
        if source.identity is not None:
            return source.identity
        with self._lock:
            known = self._source_identities.get(source.access_key_id)
        if known is None:
            known = self._call(lambda: self._sts.get_caller_identity(source), role_arn)
            with self._lock:
                self._source_identities[source.access_key_id] = known
        return known

    def _base_identity(self) -> CallerIdentity:
        with self._base.lock:
            if self._base.identity is None:
                try:
                    self._base.identity = self._backoff.call(
                        lambda: self._sts.get_caller_identity(None),
                        self._clock,
                        lambda _err: self._count("throttled_retries"),
                    )
                except StsError as err:
                    raise BaseIdentityError(
                        f"the base AWS credentials do not work: {err.code}: {err.message}",
                        hint="log in again (aws sso login, refresh the environment's keys) or check AWS_PROFILE",
                    ) from None
            return self._base.identity
