"""The project's own errors: one line of message, an optional hint, an exit code."""

from __future__ import annotations

from collections import namedtuple

EXIT_AWS = 1
EXIT_CONFIG = 2


class RolecallError(Exception):
    """Base error: `message` is one line a user can act on; `hint` says what to do next."""

    exit_code = EXIT_AWS

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class ConfigError(RolecallError):
    """A problem with the user's files or arguments (exit 2)."""

    exit_code = EXIT_CONFIG


class UnknownProfile(ConfigError):
    pass


class AwsError(RolecallError):
    """AWS (or the network to it) refused: `code` is AWS's error code when there is one."""

    exit_code = EXIT_AWS

    def __init__(self, message: str, code: str | None = None, hint: str | None = None):
        super().__init__(message, hint)
        self.code = code


class InvalidMfaCode(AwsError):
    """AWS rejected the MFA code: the caller may ask for another one."""


class MfaCodeRequired(RolecallError):
    """A code is needed for `serial` and no source can give one without asking a person."""

    exit_code = EXIT_CONFIG

    def __init__(self, serial: str, message: str | None = None):
        super().__init__(
            message or f"an MFA code is needed for {serial}",
            hint="pass --mfa-code, set mfa_process in the profile, or run from a terminal",
        )
        self.serial = serial


class StorageError(RolecallError):
    """The cache or state files could not be written or read (disk full, read-only, permissions)."""

    exit_code = EXIT_CONFIG


class Problem(namedtuple("Problem", "source line message whole_file", defaults=(False,))):
    """One problem found in a configuration file, printed as `source:line: message`.

    `whole_file`: the file could not be read at all (a syntax error), so none of it was used.
    """

    __slots__ = ()

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.message}"


def split_origin(origin: str) -> tuple[str, int | None]:
    """Where something was defined, `path:line` (a Profile's origin), as (path, line); a text
    without a line number is (the text, None)."""
    path, colon, line = origin.rpartition(":")
    if colon and path and line.isdigit():
        return path, int(line)
    return origin, None
