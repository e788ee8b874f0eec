"""The IAM Identity Center portal: accounts, roles, role credentials, logout.

The portal allows about 20 requests/s per user and answers 429 (TooManyRequestsException) above it.
Discovery keeps its calls at the rate the portal allows (`Pace`: start at the documented 20/s, add a
little with every answer, cut on a 429 to just under the rate the portal was seen to serve, AIMD), with as
many calls in flight as that rate needs at the latency measured (Little's law, at most WORKERS).
Accounts stream in page by page and their roles are asked for as they arrive; the next page of
accounts is asked for only when fewer than a page are waiting, so the work queue stays bounded
however many accounts there are. A throttled call waits at least the server's Retry-After and is
retried, so no account is ever dropped.

Every listing ends: a page token seen before, more than MAX_PAGES pages or more than MAX_ITEMS
items is a PortalError naming the operation (botocore's paginators only catch a token repeated
twice in a row, not a cycle, hence our own loop).
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from rolecall.core.domain.credentials import Credentials
from rolecall.core.domain.errors import AwsError
from rolecall.core.sso import clients
from rolecall.core.sso.token import NotSignedIn, Token
from rolecall.core.text.display import printable

if TYPE_CHECKING:
    from concurrent.futures import Future

    from rolecall.core.sso.session import SsoSession

PAGE = 100  # ListAccounts' and ListAccountRoles' largest page
WORKERS = 32  # most calls in flight (botocore's connection pool is as large)
START_RATE = 20.0  # requests/s: the portal's documented limit
CANCEL_TICK = 0.1  # seconds: how often a cancellable discovery looks at its `cancelled` event
MAX_PAGES = 2_000  # pages of one listing
MAX_ITEMS = 100_000  # accounts of a session, or roles of one account
RETRYABLE = {"Timeout", "NetworkError", "InternalServerException", "ServiceUnavailable"}


class PortalError(AwsError):
    """The portal's answers cannot be followed to an end (a repeated page token, too many pages)."""


@dataclass(frozen=True)
class Account:
    account_id: str
    name: str
    roles: tuple[str, ...] = ()


class Pace:
    """The request rate shared by discovery's calls: additive increase with every answer,
    multiplicative decrease on a 429 (AIMD), in three steps.

    1. Probing: from the documented rate it grows fast (PROBE per answer, ~25%/s) until the first
       429. The portal's bucket, full at the start, is empty then: the answers so far are its
       rate times the time plus what it held, taken to be one second's worth (as the portal's and
       most token buckets hold), so the pace is cut to just under that estimate (never by more than
       HALF, at least by CUT).
    2. Settling: it grows at SETTLE per answer (~2%/s) until the next 429. Between two 429s the
       bucket went from empty to empty, so the answers to calls sent in between over the time they
       had is the rate the portal serves: the pace is set MARGIN under it.
    3. Measured: every later 429 measures again; it grows slowly (GROW per answer, ~0.3%/s). Calls
       not sent while under the limit are banked by the portal's bucket and spent when over it, so
       little time is lost and the 429s stay few.

    A 429 cuts once per round trip: calls already in flight were sent at the old rate.
    """

    CUT = 0.7  # the most a first cut leaves, and a cut without enough answers to measure
    MARGIN = 0.97  # below the measured rate
    HALF = 0.5  # the deepest single cut
    BURST = 1.0  # seconds of calls the portal's bucket is taken to hold when full
    SAMPLES = 8  # answers needed to trust a measure
    PROBE, SETTLE, GROW = 0.25, 0.02, 0.003  # increase per answer: ~25%/s, ~2%/s, ~0.3%/s
    FLOOR, CEILING = 0.5, 500.0

    def __init__(self, rate: float = START_RATE, now: Callable[[], float] = time.monotonic):
        self.rate = rate
        self._now = now
        self._lock = threading.Lock()
        self._next = now()
        self._started: float | None = None  # when the first call went out
        self._cut_at: float | None = None  # when the rate was last cut
        self._answered = 0  # answers, since the last cut, to calls sent after it
        self._growth = self.PROBE
        self._sent: deque[float] = deque(maxlen=int(self.CEILING) * 2)  # when calls went out, the last second
        self.latency = 0.0  # seconds, moving average of answered calls
        self.throttles = 0

    @property
    def probing(self) -> bool:
        return self._growth == self.PROBE

    def acquire(self, stop: threading.Event) -> float:
        """Wait for this call's turn (a cancelled discovery stops waiting); returns when it was sent."""
        while True:
            with self._lock:
                now = self._now()
                if now >= self._next:
                    if self._started is None:
                        self._started = now
                    step = 1.0 / self.rate
                    self._sent.append(now)
                    self._next = max(self._next, now - step) + step
                    return now
                delay = self._next - now
            if stop.wait(delay):
                raise AwsError("discovery stopped", code="Cancelled")

    def answered(self, sent: float) -> None:
        with self._lock:
            took = self._now() - sent
            self.latency = took if not self.latency else 0.8 * self.latency + 0.2 * took
            if self._cut_at is None or sent >= self._cut_at:
                self._answered += 1
            while self._sent and self._sent[0] < sent - 1.0:
                self._sent.popleft()
            # Only a rate in use is raised: a pace far above what the calls reach (held back by the
            # CPU, or by accounts not listed yet) would overshoot all at once when they catch up.
            if self.rate < len(self._sent) * 1.2 + 2:
                self.rate = min(self.CEILING, self.rate + self._growth)

    def throttled(self, sent: float) -> None:
        with self._lock:
            now = self._now()
            self.throttles += 1
            if self._cut_at is not None and sent < self._cut_at:
                return  # sent before the last cut: that cut already answered this 429
            if self._cut_at is None:  # the first 429: the bucket held BURST seconds and is now empty
                estimate = self._answered / (now - (self._started or now) + self.BURST)
                self.rate = max(self.rate * self.HALF, min(self.rate * self.CUT, estimate * self.MARGIN))
                self._growth = self.SETTLE
            else:
                window = now - self._cut_at - self.latency  # when the calls counted were sent and answered
                if self._answered >= self.SAMPLES and window > 0:
                    served = self._answered / window
                    self.rate = min(self.rate * self.MARGIN, max(self.rate * self.HALF, served * self.MARGIN))
                    self._growth = self.GROW
                else:
                    self.rate *= self.CUT
            self.rate = max(self.FLOOR, self.rate)
            self._cut_at, self._answered = now, 0
            self._next = max(self._next, now + 1.0 / self.rate)

    def in_flight(self, most: int) -> int:
        """Calls to keep in flight: the rate times the latency (Little's law), with room for jitter."""
        with self._lock:
            return max(2, min(most, math.ceil(self.rate * self.latency * 1.5) + 1))


class Portal:
    def __init__(
        self,
        session: SsoSession,
        token: Token,
        *,
        workers: int = WORKERS,
        max_retries: int = 12,
        pace: Pace | None = None,
        cancelled: threading.Event | None = None,
    ):
        self.session = session
        self.token = token
        self.workers = workers
        self.max_retries = max_retries
        self.pace = pace or Pace()
        self.cancelled = cancelled  # set by the caller (an app quitting): discovery stops within a tick
        self._stop = threading.Event()  # set when discovery fails or is interrupted: the workers give up
        self._client = None
        self._lock = threading.Lock()
        self.calls = 0
        self.most_waiting = 0  # the largest number of accounts held waiting for their roles

    @property
    def client(self) -> Any:  # a botocore client
        with self._lock:
            if self._client is None:
                # One attempt per botocore call: the 429s come back here, where the pace learns from them.
                self._client = clients.client("sso", self.session.region, attempts=1)
            return self._client

    def _call(self, operation: str, what: str, **params: Any) -> dict[str, Any]:
        """One paced portal call, retried on throttling (after Retry-After) and transient errors with
        backoff; 401 -> NotSignedIn."""
        for attempt in range(self.max_retries + 1):
            sent = self.pace.acquire(self._stop)
            with self._lock:
                self.calls += 1
            try:
                response = clients.call(self.client, operation, what, accessToken=self.token.access_token, **params)
            except clients.Throttled as exc:
                self.pace.throttled(sent)
                if attempt == self.max_retries:
                    raise
                if self._stop.wait(exc.retry_after if exc.retry_after is not None else 0.0):
                    raise AwsError(f"{what}: stopped", code="Cancelled") from None
                continue
            except AwsError as exc:
                if exc.code == "UnauthorizedException":
                    raise NotSignedIn(
                        self.session, "the portal no longer accepts the sign-in (revoked or expired)"
                    ) from None
                if exc.code not in RETRYABLE or attempt == self.max_retries:
                    raise
                self._stop.wait(min(8.0, 0.25 * 2**attempt) * random.uniform(0.5, 1.0))
                continue
            self.pace.answered(sent)
            return response
        raise AssertionError("unreachable")

    def _pages(self, operation: str, what: str, key: str, **params: Any) -> Iterator[list[Any]]:
        """The items of every page of a listing; a PortalError when it would not end."""
        seen: set[str] = set()
        items = 0
        token: str | None = None
        for _ in range(MAX_PAGES):
            page = self._call(operation, what, maxResults=PAGE, **({"nextToken": token} if token else {}), **params)
            found = page.get(key) or []
            items += len(found)
            if items > MAX_ITEMS:
                raise PortalError(f"{what}: the portal listed more than {MAX_ITEMS:,} items; stopped", code="TooMany")
            yield found
            token = page.get("nextToken")
            if not token:
                return
            if token in seen:
                raise PortalError(
                    f"{what}: the portal repeated a page token ({printable(token[:40])!r}); "
                    f"stopped after {len(seen) + 1} pages",
                    code="RepeatedToken",
                )
            seen.add(token)
        raise PortalError(f"{what}: the portal sent more than {MAX_PAGES:,} pages; stopped", code="TooMany")

    def account_pages(self) -> Iterator[list[dict[str, Any]]]:
        return self._pages("list_accounts", "ListAccounts", "accountList")

    def roles(self, account_id: str) -> tuple[str, ...]:
        names: list[str] = []
        for page in self._pages(
            "list_account_roles", f"ListAccountRoles for {printable(account_id)}", "roleList", accountId=account_id
        ):
            names.extend(role["roleName"] for role in page)
        return tuple(sorted(names))

    def discover(self, progress: Callable[[int, int, int], None] | None = None) -> list[Account]:
        """Every account with its roles. `progress(accounts done, accounts known, roles found)`."""
        from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait  # here: reading a discovery needs none

        found: list[Account] = []
        waiting: deque[dict[str, Any]] = deque()  # accounts listed whose roles are not asked for yet
        running: dict[Future[Any], dict[str, Any]] = {}
        pages = self.account_pages()
        next_page: Future[Any] | None = None
        more = True
        known = roles = 0
        pool = ThreadPoolExecutor(max_workers=self.workers + 1, thread_name_prefix="sso-discovery")
        try:
            while True:
                if more and next_page is None and len(waiting) < PAGE:
                    next_page = pool.submit(next, pages, None)
                while waiting and len(running) < self.pace.in_flight(self.workers):
                    account = waiting.popleft()
                    running[pool.submit(self.roles, account["accountId"])] = account
                if not running and next_page is None:
                    break
                done, _ = wait(
                    [*running, *([next_page] if next_page else [])],
                    timeout=CANCEL_TICK if self.cancelled else None,
                    return_when=FIRST_COMPLETED,
                )
                if self.cancelled is not None and self.cancelled.is_set():
                    raise PortalError("discovery cancelled", code="Cancelled")
                if next_page in done:
                    page = next_page.result()
                    next_page = None
                    if page is None:
                        more = False
                    else:
                        waiting.extend(page)
                        known += len(page)
                        self.most_waiting = max(self.most_waiting, len(waiting))
                added = 0
                for future in done & running.keys():
                    account = running.pop(future)
                    names = future.result()  # raises the call's error: the whole sync fails, nothing half-saved
                    found.append(
                        Account(account["accountId"], account.get("accountName") or account["accountId"], names)
                    )
                    added += len(names)
                roles += added
                if progress:
                    progress(len(found), known, roles)
        except BaseException:
            self._stop.set()  # Ctrl+C or a failed call: queued calls are dropped, running ones stop retrying
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
        found.sort(key=lambda a: (a.name.lower(), a.account_id))
        return found

    def role_credentials(self, account_id: str, role_name: str) -> Credentials:
        response = self._call(
            "get_role_credentials",
            f"GetRoleCredentials for {printable(role_name)} in {printable(account_id)}",
            accountId=account_id,
            roleName=role_name,
        )
        data = response["roleCredentials"]
        return Credentials(
            access_key_id=data["accessKeyId"],
            secret_access_key=data["secretAccessKey"],
            session_token=data["sessionToken"],
            expiration=datetime.fromtimestamp(data["expiration"] / 1000, UTC).replace(microsecond=0),
        )

    def logout(self) -> None:
        try:
            self._call("logout", "Logout")
        except NotSignedIn:
            pass  # already signed out on the portal's side
