"""Fixtures for the IAM Identity Center tests: the local fake (rolecall.fakes.sso_server), an
[sso-session corp] in the sandbox's ~/.aws/config, and the real `rolecall` with no terminal."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from rolecall.core.sso.portal import Pace, Portal
from rolecall.core.sso.session import SsoSession
from rolecall.core.sso.token import read_token
from rolecall.fakes.sso_server import FakeSso
from rolecall.fakes.sso_server import signin_target as signin_url  # noqa: F401 - for the tests
from tests.forkserver import rolecall

START_URL = "https://corp.awsapps.com/start"
CORP = SsoSession("corp", START_URL, "eu-west-1")

CONFIG = f"""\
[sso-session corp]
sso_start_url = {START_URL}
sso_region = eu-west-1
sso_registration_scopes = sso:account:access
"""


# Stand-in browsers (for $BROWSER): BROWSER_SCRIPT does what a browser does with the page rolecall
# opens (a local file:// page whose meta refresh leads to the authorize URL, which the fake portal
# redirects to the loopback listener); SIGNIN_URL starts a forging browser with `signin_url(page)`.
BROWSER_SCRIPT = "import sys\nfrom rolecall.fakes.sso_server import browse\nbrowse(sys.argv[1], 60)\n"
SIGNIN_URL = (
    "import sys, urllib.parse, urllib.request\nfrom rolecall.fakes.sso_server import signin_target as signin_url\n"
)


def start_fake(monkeypatch, sandbox, **options) -> FakeSso:
    fake = FakeSso(**options).start()
    for name, value in fake.env().items():
        monkeypatch.setenv(name, value)
        sandbox.env[name] = value
    return fake


def sign_in(fake: FakeSso, clock) -> None:
    """Sign in to [sso-session corp] with the device flow, the fake approving at once."""
    from rolecall.core.sso import login

    fake.auto_approve = True
    login.login(CORP, clock, browser=False, sleep=lambda s: None)


def unpaced_portal(session: SsoSession) -> Portal:
    """A portal client that starts at its pace's ceiling: for tests of what discovery finds and
    holds, not of its pace (test_a_429_storm_loses_no_account and benchmarks/ cover that), which
    would otherwise spend seconds ramping up from the portal's documented 20 calls a second."""
    return Portal(session, read_token(session), pace=Pace(rate=Pace.CEILING))


@pytest.fixture(name="sso")
def sso_fixture(sandbox, monkeypatch):
    """A fake with 3 accounts (6 roles), signed-in approval by hand, and [sso-session corp] configured."""
    sandbox.aws_config.write_text(CONFIG, encoding="utf-8")
    fake = start_fake(monkeypatch, sandbox, accounts=3)
    yield fake
    fake.close()


def rolecall_sso(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    code, out, err = rolecall(list(args), dict(os.environ), timeout=timeout)
    return subprocess.CompletedProcess(["rolecall", *args], code, out, err)


def spawn(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "rolecall", *args],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


class Approver:
    """Plays the user at the portal: approves (or denies) each sign-in as it starts waiting."""

    def __init__(self, fake: FakeSso, *, deny: bool = False):
        self.fake, self.deny, self.decided = fake, deny, 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self.stop.is_set():
            for code in self.fake.waiting():
                self.decided += self.fake.deny(code) if self.deny else self.fake.approve(code)
            self.stop.wait(0.05)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(5)
