"""The IAM Identity Center portal: accounts, roles, role credentials, logout.

The portal allows about 20 requests/s per user and answers 429 (TooManyRequestsException) above it.
Discovery runs ListAccountRoles calls in a bounded pool of threads sharing one botocore client in
botocore's "adaptive" retry mode, whose client-side rate limiter (CUBIC, fed by the 429s) converges on
the rate the portal allows; a call that still fails after botocore's attempts is retried here with
exponential backoff, so no account is ever dropped. Its time approaches calls / rate limit.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rolecall.core.credentials import Credentials
from rolecall.core.errors import AwsError
from rolecall.core.sso import clients
from rolecall.core.sso.session import SsoSession
from rolecall.core.sso.token import NotSignedIn, Token

PAGE = 100  # ListAccounts' largest page
WORKERS = 8
THROTTLED = {"TooManyRequestsException", "ThrottlingException", "Throttling"}
RETRYABLE = THROTTLED | {"Timeout", "NetworkError", "InternalServerException", "ServiceUnavailable"}


@dataclass(frozen=True)
class Account:
    account_id: str
    name: str
    roles: tuple[str, ...] = ()


class Portal:
    def __init__(self, session: SsoSession, token: Token, *, workers: int = WORKERS, max_retries: int = 12):
        self.session = session
        self.token = token
        self.workers = workers
        self.max_retries = max_retries
        self._stop = threading.Event()  # set when discovery fails or is interrupted: the workers give up
        self._client = None
        self._lock = threading.Lock()
        self.calls = 0

    @property
    def client(self) -> Any:  # a botocore client
        with self._lock:
            if self._client is None:
                self._client = clients.client("sso", self.session.region, attempts=4, mode="adaptive")
            return self._client

    def _call(self, operation: str, what: str, **params: Any) -> dict[str, Any]:
        """One portal call, retried with backoff on throttling and transient errors; 401 -> NotSignedIn."""
        for attempt in range(self.max_retries + 1):
            if self._stop.is_set():
                raise AwsError(f"{what}: stopped", code="Cancelled")
            with self._lock:
                self.calls += 1
            try:
                return clients.call(self.client, operation, what, accessToken=self.token.access_token, **params)
            except AwsError as exc:
                if exc.code == "UnauthorizedException":
                    raise NotSignedIn(self.session, "the portal no longer accepts the sign-in (revoked or expired)") from None
                if exc.code not in RETRYABLE or attempt == self.max_retries:
                    raise
                self._stop.wait(min(8.0, 0.25 * 2 ** attempt) * random.uniform(0.5, 1.0))
        raise AssertionError("unreachable")

    def account_pages(self) -> Iterator[list[dict[str, Any]]]:
        token = None
        while True:
            params: dict[str, Any] = {"maxResults": PAGE}
            if token:
                params["nextToken"] = token
            page = self._call("list_accounts", "ListAccounts", **params)
            yield page.get("accountList", [])
            token = page.get("nextToken")
            if not token:
                return

    def roles(self, account_id: str) -> tuple[str, ...]:
        names: list[str] = []
        token = None
        while True:
            params: dict[str, Any] = {"accountId": account_id, "maxResults": PAGE}
            if token:
                params["nextToken"] = token
            page = self._call("list_account_roles", f"ListAccountRoles for {account_id}", **params)
            names.extend(role["roleName"] for role in page.get("roleList", []))
            token = page.get("nextToken")
            if not token:
                return tuple(sorted(names))

    def discover(self, progress: Callable[[int, int, int], None] | None = None) -> list[Account]:
        """Every account with its roles. `progress(accounts done, accounts known, roles found)`."""
        found: list[Account] = []
        pending: dict[Future[Any], dict[str, Any]] = {}
        known = roles = 0
        pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="sso-discovery")
        try:
            for page in self.account_pages():
                for account in page:
                    pending[pool.submit(self.roles, account["accountId"])] = account
                known += len(page)
                roles += self._collect(pending, found, progress, known, roles, block=False)
            while pending:
                roles += self._collect(pending, found, progress, known, roles, block=True)
        except BaseException:
            self._stop.set()  # Ctrl+C or a failed call: queued calls are dropped, running ones stop retrying
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
        found.sort(key=lambda a: (a.name.lower(), a.account_id))
        return found

    @staticmethod
    def _collect(pending: dict[Future[Any], dict[str, Any]], found: list[Account],
                 progress: Callable[[int, int, int], None] | None, known: int, roles: int, *, block: bool) -> int:
        done, _ = wait(list(pending), timeout=None if block else 0, return_when=FIRST_COMPLETED)
        added = 0
        for future in done:
            account = pending.pop(future)
            names = future.result()  # raises the call's error: the whole sync fails, nothing half-saved
            found.append(Account(account["accountId"], account.get("accountName") or account["accountId"], names))
            added += len(names)
        if progress and done:
            progress(len(found), known, roles + added)
        return added

    def role_credentials(self, account_id: str, role_name: str) -> Credentials:
        response = self._call("get_role_credentials", f"GetRoleCredentials for {role_name} in {account_id}",
                              accountId=account_id, roleName=role_name)
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
