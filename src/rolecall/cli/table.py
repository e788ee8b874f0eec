"""The one table of commands: name, help, handler and options, as `module:function` names.

The parser is built from it (cli/parser.py) and the fast path dispatches from it (cli/fast.py),
so this module imports nothing: `rolecall process` reads it on every SDK call.
"""

from __future__ import annotations


class Command:
    """One sub-command. `handler` and `options` are `module:function` under rolecall.cli;
    `fast` names the function in cli/fast.py that may answer it from the cache."""

    __slots__ = ("fast", "handler", "help", "name", "options", "usage")

    def __init__(
        self,
        name: str,
        help: str,
        handler: str,
        options: str | None = None,
        fast: str | None = None,
        usage: str | None = None,
    ) -> None:
        self.name = name
        self.help = help
        self.handler = handler
        self.options = options
        self.fast = fast
        self.usage = usage


COMMANDS: tuple[Command, ...] = (
    Command("ui", "open the TUI (the default)", "app:cmd_ui"),
    Command("list", "profiles with account, role, region and session left", "profiles:cmd_list", "profiles:opt_list"),
    Command("assume", "assume a profile and cache its session", "profiles:cmd_assume", "profiles:opt_assume"),
    Command(
        "exec",
        "run a command with a profile's credentials",
        "run:cmd_exec",
        "run:opt_exec",
        usage="rolecall exec [options] PROFILE -- COMMAND [ARGS...]",
    ),
    Command("shell", "open $SHELL with a profile's credentials", "run:cmd_shell", "run:opt_shell"),
    Command(
        "export",
        "print a profile's credentials for a shell or a file",
        "profiles:cmd_export",
        "profiles:opt_export",
        fast="export",
    ),
    Command(
        "process",
        "credential_process output (JSON, Version 1)",
        "profiles:cmd_process",
        "profiles:opt_process",
        fast="process",
    ),
    Command("copy", "copy a profile's credentials to the clipboard", "profiles:cmd_copy", "profiles:opt_copy"),
    Command("sessions", "cached sessions with time left", "profiles:cmd_sessions", "profiles:opt_sessions"),
    Command("whoami", "GetCallerIdentity with a profile's credentials", "profiles:cmd_whoami", "profiles:opt_whoami"),
    Command("console", "open the AWS console signed in as a profile", "console:cmd_console", "console:opt_console"),
    Command("check", "validate profiles.yaml and ~/.aws/config", "profiles:cmd_check"),
    Command(
        "login", "sign in to IAM Identity Center and discover accounts and roles", "sso:cmd_login", "sso:opt_login"
    ),
    Command("logout", "sign out of an SSO session and forget its role credentials", "sso:cmd_logout", "sso:opt_logout"),
    Command(
        "sync",
        "discover the accounts and roles of an SSO session (or a SAML source) again",
        "sso:cmd_sync",
        "sso:opt_sync",
    ),
    Command(
        "request",
        "send an HTTP request signed with SigV4 with a profile's credentials",
        "request:cmd_request",
        "request:opt_request",
    ),
    Command(
        "init",
        "print the shell integration to eval: `rolecall use`, prompt, completion, refresh",
        "shell:cmd_init",
        "shell:opt_init",
        usage="rolecall init bash|zsh|fish|powershell",
    ),
    Command(
        "use",
        "give the current shell a profile's credentials (through `rolecall init`)",
        "shell:cmd_use",
        "shell:opt_use",
        usage="rolecall use PROFILE [--region R] [--mfa-code C] | rolecall use --unset",
    ),
    Command("add", "keep a profile's long-lived access keys in the OS keyring", "keys:cmd_add", "keys:opt_add"),
    Command("remove", "delete a profile's access keys from the OS keyring", "keys:cmd_remove", "keys:opt_remove"),
    Command("rotate", "replace a profile's access key in IAM and in the keyring", "keys:cmd_rotate", "keys:opt_rotate"),
    Command(
        "sso",
        "IAM Identity Center profiles for other tools: `sso populate`",
        "populate:cmd_populate",
        "populate:opt_sso",
    ),
    Command(
        "demo",
        "try rolecall against a local fake STS (needs the demo extra)",
        "app:cmd_demo",
        "app:opt_demo",
        usage="rolecall demo [--cli] [-- COMMAND [ARGS...]]",
    ),
)

BY_NAME = {command.name: command for command in COMMANDS}

# Commands that take a command to run after `--`.
RUNS_A_COMMAND = ("exec", "demo")
