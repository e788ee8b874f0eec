"""bash, zsh and fish on a real pseudo-terminal with `rolecall init` in their start-up file.

`rolecall` on their PATH is a wrapper that logs each start, so a test can count the processes a
prompt costs. Commands are typed; `run` waits for a marker the shell computes (so the echo of
the typed line never matches) and returns what the terminal received meanwhile.
"""

from __future__ import annotations

import itertools
import os
import re
import stat
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from rolecall.core.domain.credentials import Credentials, Session
from rolecall.core.sources.index import load_catalog
from rolecall.core.store.cache import SessionCache
from rolecall.core.store.layout import fingerprint
from rolecall.core.store.paths import cache_dir
from tests.conftest import tool
from tests.terminal import Terminal

VENV_BIN = Path(sys.executable).parent
ESCAPES = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][A-Z0-9]|[=>])")

RC = {
    "bash": 'PS1="$ "\nbind "set enable-bracketed-paste off" 2>/dev/null\nHISTFILE="$HOME/.bash_history"\n'
    'eval "$(rolecall init bash)"\n',
    "zsh": 'PROMPT="$ "\nunsetopt prompt_sp\nHISTFILE="$HOME/.zsh_history"\nSAVEHIST=100\nHISTSIZE=100\n'
    "setopt inc_append_history\nautoload -Uz compinit && compinit -u -D\n"
    'eval "$(rolecall init zsh)"\n',
    "fish": "set -g fish_greeting ''\nfunction fish_prompt; printf '$ '; end\nrolecall init fish | source\n",
}


class Shell:
    """One interactive shell in the sandbox, started on a pty."""

    def __init__(
        self, name: str, sandbox, tmp: Path, env: dict[str, str] | None = None, rc_extra: str = "", init_env: str = ""
    ):
        program = tool(name)
        self.name = name
        self.log = tmp / "starts.log"
        bin_dir = tmp / "bin"
        bin_dir.mkdir(exist_ok=True)
        wrapper = bin_dir / "rolecall"
        wrapper.write_text(f'#!/bin/sh\necho "$*" >> "{self.log}"\nexec "{VENV_BIN / "rolecall"}" "$@"\n')
        wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
        rc_text = RC[name]
        if init_env:
            rc_text = rc_text.replace("rolecall init", f"env {init_env} rolecall init")
        rc_text += rc_extra
        self.env = {
            **os.environ,
            **sandbox.env,
            **(env or {}),
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "TERM": "xterm-256color",
            "SHELL": program,
        }
        if name == "bash":
            rc = tmp / "bashrc"
            argv = [name, "--noprofile", "--rcfile", str(rc), "-i"]
        elif name == "zsh":
            zdot = tmp / "zdot"
            zdot.mkdir(exist_ok=True)
            rc = zdot / ".zshrc"
            self.env["ZDOTDIR"] = str(zdot)
            argv = [name, "-i"]
        else:
            rc = tmp / "config.fish"
            argv = [name, "--no-config", "-i", "-C", f"source {rc}"]
        rc.write_text(rc_text)
        self.term = Terminal(argv, self.env, size=(200, 50))
        self.counter = itertools.count(1000)
        self.seen = 0
        self.run("true")

    def run(self, command: str, timeout: float = 60) -> str:
        """Type `command`, wait until it has finished, return what the terminal showed meanwhile
        (escape sequences removed)."""
        number = next(self.counter)
        marker = f"echo @@(math {number} + 1)@@" if self.name == "fish" else f"echo @@$(({number} + 1))@@"
        self.term.type(f"{command}; {marker}\n")
        deadline = time.monotonic() + timeout
        while f"@@{number + 1}@@" not in self.term.text[self.seen :]:
            if time.monotonic() > deadline or not self.term._read(0.2):
                raise AssertionError(f"{command!r} never finished; the terminal shows:\n{self.term.display}")
        text = self.term.text[self.seen :]
        self.seen = len(self.term.text)
        return ESCAPES.sub("", text).replace("\r", "")

    def starts(self) -> list[str]:
        """The rolecall commands started so far, one a line."""
        return self.log.read_text().splitlines() if self.log.exists() else []

    def close(self) -> None:
        self.term.kill()


def seed_session(name: str, expires: datetime) -> Credentials:
    """A cached session of `name` expiring at `expires` (credentials moto never issued)."""
    profile = load_catalog(use_index=False).get(name)
    credentials = Credentials("ASIASEEDEDSEEDED0001", "seeded-secret-" + "s" * 26, "seeded-token-" + "t" * 40, expires)
    SessionCache(cache_dir()).put(
        Session(
            profile=name,
            role_arn=profile.role_arn,
            credentials=credentials,
            session_name="rolecall-alice",
            assumed_at=datetime.now(UTC),
            region=profile.region,
        ),
        fingerprint(profile.to_dict()),
    )
    return credentials
