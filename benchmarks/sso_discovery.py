"""IAM Identity Center discovery against the local fake: 1,000 accounts (1,700 roles) at 80 ms
latency and a 25 requests/s portal limit (429 above it), timed against the rate floor (calls / rate).

Each run starts a fresh fake (its bucket full) and a fresh discovery; the medians of RUNS runs are
printed last, with the largest number of 429s any run got.

`memory` instead measures what discovery holds (tracemalloc, no rate limit) at 1,000 and 10,000
accounts: the result grows with the accounts, the work around it should not.

Usage: python benchmarks/sso_discovery.py [ACCOUNTS] [LATENCY_S] [RATE] [RUNS]
       python benchmarks/sso_discovery.py memory
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path


def run(accounts: int, latency: float, rate: float) -> tuple[float, int]:
    """One discovery: (seconds / rate floor, 429s)."""
    home = Path(tempfile.mkdtemp(prefix="rolecall-sso-bench-"))
    os.environ.update(HOME=str(home), ROLECALL_CACHE_DIR=str(home / "cache"))
    from rolecall.core.domain.clock import SystemClock
    from rolecall.core.sso import discovery, login
    from rolecall.core.sso.session import SsoSession
    from rolecall.fakes.sso_server import FakeSso

    with FakeSso(accounts=accounts, latency=latency, rate_limit=rate, auto_approve=True) as fake:
        os.environ.update(fake.env())
        session = SsoSession("bench", "https://bench.awsapps.com/start", "eu-west-1")
        login.login(session, SystemClock(), browser=False, sleep=lambda seconds: None)
        fake.throttled = 0
        started = time.monotonic()
        found = discovery.sync(session, SystemClock())
        elapsed = time.monotonic() - started
        calls = sum(fake.count(op) - fake.throttled_by(op) for op in ("ListAccounts", "ListAccountRoles"))
        floor = calls / rate
        expected = sum(len(roles) for roles in fake.roles.values())
        print(
            f"accounts {len(found.accounts)}/{accounts}, roles {found.role_count}/{expected}, calls {calls} "
            f"(+{fake.throttled} answered 429), latency {latency * 1000:.0f} ms, limit {rate:g}/s: "
            f"{elapsed:.1f} s, floor {floor:.1f} s, ratio {elapsed / floor:.3f}x",
            flush=True,
        )
        if len(found.accounts) != accounts or found.role_count != expected:
            raise SystemExit("discovery lost accounts or roles")
        return elapsed / floor, fake.throttled


def memory(accounts: int) -> None:
    """Peak memory traced during one discovery, and how much of it is the result."""
    home = Path(tempfile.mkdtemp(prefix="rolecall-sso-bench-"))
    os.environ.update(HOME=str(home), ROLECALL_CACHE_DIR=str(home / "cache"))
    from rolecall.core.domain.clock import SystemClock
    from rolecall.core.sso import login
    from rolecall.core.sso.portal import Pace, Portal
    from rolecall.core.sso.session import SsoSession
    from rolecall.core.sso.token import read_token
    from rolecall.fakes.sso_server import FakeSso

    with FakeSso(accounts=accounts, auto_approve=True) as fake:
        os.environ.update(fake.env())
        session = SsoSession("bench", "https://bench.awsapps.com/start", "eu-west-1")
        login.login(session, SystemClock(), browser=False, sleep=lambda seconds: None)
        portal = Portal(session, read_token(session), pace=Pace(rate=400))
        portal.client  # noqa: B018 - botocore's service model is loaded before tracing starts
        tracemalloc.start()
        found = portal.discover()
        held, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"{len(found):,} accounts: result held {held / 1e6:.2f} MB, peak {peak / 1e6:.2f} MB, "
            f"work beyond the result {(peak - held) / 1e6:.2f} MB, most accounts waiting {portal.most_waiting}"
        )


def main(accounts: int = 1000, latency: float = 0.08, rate: float = 25.0, runs: int = 3) -> int:
    results = [run(accounts, latency, rate) for _ in range(runs)]
    ratio = statistics.median(r[0] for r in results)
    throttled = statistics.median(r[1] for r in results)
    print(
        f"median of {runs}: ratio {ratio:.3f}x the rate floor, {throttled:g} answered 429 "
        f"(most {max(r[1] for r in results)})"
    )
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["memory"]:
        for size in (1000, 10000):
            memory(size)
        sys.exit(0)
    sys.exit(
        main(
            int(args[0]) if args else 1000,
            float(args[1]) if len(args) > 1 else 0.08,
            float(args[2]) if len(args) > 2 else 25.0,
            int(args[3]) if len(args) > 3 else 3,
        )
    )
