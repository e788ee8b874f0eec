"""IAM Identity Center discovery against the local fake: 1,000 accounts (1,700 roles) at 80 ms
latency and a 20 requests/s portal limit (429 above it), timed against the rate floor (calls / 20).

Usage: python benchmarks/sso_discovery.py [ACCOUNTS] [LATENCY_S] [RATE]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path


def main(accounts: int = 1000, latency: float = 0.08, rate: float = 20.0) -> int:
    home = Path(tempfile.mkdtemp(prefix="rolecall-sso-bench-"))
    os.environ.update(HOME=str(home), ROLECALL_CACHE_DIR=str(home / "cache"))
    from rolecall.core.clock import SystemClock
    from rolecall.core.sso import discovery, login
    from rolecall.core.sso.session import SsoSession
    from rolecall.fakes.sso_server import FakeSso

    with FakeSso(accounts=accounts, latency=latency, rate_limit=rate, auto_approve=True) as fake:
        os.environ.update(fake.env())
        session = SsoSession("bench", "https://bench.awsapps.com/start", "eu-west-1")
        login.login(session, SystemClock(), browser=False, sleep=lambda seconds: None)
        started = time.monotonic()
        found = discovery.sync(session, SystemClock())
        elapsed = time.monotonic() - started
        calls = fake.count("ListAccounts") - fake.throttled_by("ListAccounts") + fake.count("ListAccountRoles") - fake.throttled_by("ListAccountRoles")
        floor = calls / rate
        expected = sum(len(roles) for roles in fake.roles.values())
        print(f"accounts {len(found.accounts)}/{accounts}, roles {found.role_count}/{expected}, "
              f"calls {calls} (+{fake.throttled} answered 429), latency {latency * 1000:.0f} ms, limit {rate:g}/s")
        print(f"discovery {elapsed:.1f} s; rate floor {floor:.1f} s; ratio {elapsed / floor:.2f}x")
        return 0 if len(found.accounts) == accounts and found.role_count == expected else 1


if __name__ == "__main__":
    args = sys.argv[1:]
    sys.exit(main(int(args[0]) if args else 1000, float(args[1]) if len(args) > 1 else 0.08,
                  float(args[2]) if len(args) > 2 else 20.0))
