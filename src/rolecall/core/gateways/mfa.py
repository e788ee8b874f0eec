"""Where MFA codes come from: a code given up front, a command, or a person at the terminal.

A code source is a callable `(profile) -> str`. It raises MfaCodeRequired when it cannot get
a code without a person and no person can be asked, so nothing ever hangs waiting.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from rolecall.core.domain.errors import ConfigError, MfaCodeRequired
from rolecall.core.domain.profiles import Profile
from rolecall.core.gateways import runner
from rolecall.core.store import settings

CODE = re.compile(r"^\d{6}$")

CodeSource = Callable[[Profile], str]


def valid_code(code: str) -> bool:
    return bool(CODE.match(code))


def given(code: str) -> CodeSource:
    """A code passed on the command line; it is checked for shape before AWS sees it."""
    code = code.strip()
    if not valid_code(code):
        raise ConfigError("an MFA code is six digits")

    def source(profile: Profile) -> str:
        return code

    return source


def from_process(profile: Profile) -> str:
    """Run the profile's mfa_process and take the code it prints."""
    what = f"mfa_process of {profile.name}"
    done = runner.run(what, runner.split(what, profile.mfa_process or ""), 60)
    if done.status is None:
        raise ConfigError(f"{what} did not finish within 60s")
    code = done.out.strip()
    if done.status != 0 or not valid_code(code):
        raise ConfigError(f"{what} printed no six-digit code (exit {done.status})")
    return code


def from_terminal(profile: Profile) -> str:
    """Ask on the controlling terminal (not stdout, which credential_process hands to the SDK)."""
    serial = profile.mfa_serial or ""
    try:
        tty = open_terminal()
    except OSError:
        raise MfaCodeRequired(
            serial, f"an MFA code is needed for {serial} and there is no terminal to ask on"
        ) from None
    with tty:
        for _ in range(3):
            tty.write(f"MFA code for {serial}: ")
            tty.flush()
            line = tty.readline()
            if not line:
                break  # end of input (Ctrl+D)
            code = line.strip()
            if valid_code(code):
                return code
            tty.write("an MFA code is six digits\n")
        raise MfaCodeRequired(serial, "no valid MFA code was entered")


def open_terminal() -> io.TextIOWrapper:
    """The controlling terminal for reading and writing text.

    Opened binary and unbuffered, then wrapped: a text-mode "r+" open of a tty fails, because
    a tty cannot seek.
    """
    raw = open("/dev/tty", "r+b", buffering=0)  # noqa: SIM115 - the wrapper owns and closes it
    return io.TextIOWrapper(raw, encoding="utf-8", errors="replace", line_buffering=True, write_through=True)


class DefaultSource:
    """--mfa-code if given, else the profile's mfa_process, else the terminal (when there is one).
    `retry_on_invalid`: a code typed or generated anew can be asked for again after AWS rejects
    one (the engine asks up to three times); a fixed one cannot."""

    def __init__(self, code: str | None = None):
        self.fixed = given(code) if code else None
        self.retry_on_invalid = self.fixed is None

    def __call__(self, profile: Profile) -> str:
        if self.fixed:
            return self.fixed(profile)
        if profile.mfa_process:
            return from_process(profile)
        if settings.from_env("no_prompt"):
            raise MfaCodeRequired(profile.mfa_serial or "")
        return from_terminal(profile)


def default_source(code: str | None = None) -> CodeSource:
    """--mfa-code if given, else the profile's mfa_process, else the terminal (when there is one)."""
    return DefaultSource(code)
