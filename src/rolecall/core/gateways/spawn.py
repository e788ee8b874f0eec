"""Running a command or an interactive shell with a session's environment."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

from rolecall.core.domain.errors import ConfigError, StorageError
from rolecall.core.store import layout, storage
from rolecall.core.text import formats
from rolecall.core.text.display import printable

FORWARDED = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))
FROM_TERMINAL = tuple(getattr(signal, name) for name in ("SIGINT", "SIGQUIT") if hasattr(signal, name))


def replace_process(argv: Sequence[str], env: Mapping[str, str]) -> None:
    """Become the command (as aws-vault does): every signal and the exit status are then its own."""
    if not argv:
        raise ConfigError("no command given: rolecall exec PROFILE -- COMMAND [ARGS...]")
    if shutil.which(argv[0], path=env.get("PATH")) is None:
        raise ConfigError(f"cannot run {argv[0]}: command not found")
    import sys

    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execvpe(argv[0], list(argv), dict(env))
    except OSError as exc:
        raise ConfigError(f"cannot run {argv[0]}: {exc.strerror or exc}") from None


def run(argv: Sequence[str], env: Mapping[str, str], *, kill_after: float | None = None) -> int:
    """Run argv as a child and return its exit status (128 + N when signal N killed it).

    Ctrl+C and Ctrl+\\ reach the child from the terminal; we ignore them meanwhile, like system(3).
    SIGTERM and SIGHUP sent to us are passed on to the child, then acted on by us once it is gone;
    with `kill_after`, a child still running that many seconds after them is killed (SIGKILL).
    """
    if not argv:
        raise ConfigError("no command given")
    received: list[int] = []
    started: list[subprocess.Popen[bytes]] = []  # the child, once it exists

    def stop_child() -> None:
        if started[0].poll() is None:
            started[0].kill()

    killer = threading.Timer(kill_after or 0.0, stop_child)
    killer.daemon = True

    def pass_on(signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            started[0].send_signal(signum)
        if kill_after is not None and not killer.is_alive():
            with contextlib.suppress(RuntimeError):  # started by an earlier signal
                killer.start()

    def forward(signum: int, _frame: object) -> None:
        received.append(signum)
        if started:
            pass_on(signum)

    # TERM and HUP are caught before the child starts (one arriving while it starts is passed on
    # once it exists, so it is never left behind); Ctrl+C and Ctrl+\ are ignored only after, since
    # an ignored signal stays ignored in the child.
    previous = {}
    for sig in FORWARDED:
        with contextlib.suppress(ValueError, OSError):  # only the main thread may set handlers
            previous[sig] = signal.signal(sig, forward)
    try:
        try:
            child = subprocess.Popen(list(argv), env=dict(env))
        except FileNotFoundError:
            raise ConfigError(f"cannot run {argv[0]}: command not found") from None
        except PermissionError:
            raise ConfigError(f"cannot run {argv[0]}: permission denied") from None
        started.append(child)
        for sig in FROM_TERMINAL:
            with contextlib.suppress(ValueError, OSError):
                previous[sig] = signal.signal(sig, signal.SIG_IGN)
        for sig in dict.fromkeys(received):
            pass_on(sig)  # arrived while the child was being started
        status = child.wait()
    finally:
        killer.cancel()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    for sig in dict.fromkeys(received):
        signal.raise_signal(sig)  # the TERM or HUP was meant for us too: now our own handler runs
    return 128 - status if status < 0 else status


def shell_command(shell: str, profile: str, workdir: Path) -> tuple[list[str], dict[str, str]]:
    """argv and extra environment that start `shell` with the profile in its prompt, where it allows.

    The name is data, never prompt code. A name of letters, digits and `_.,:/@+=-` goes in as it is;
    any other reaches bash and zsh through a variable the prompt expands (whose value is not
    expanded again), or escaped for the prompt's own expansion where variables are off; fish gets
    it as a quoted printf argument; any other shell gets the name with other characters as `_`.
    """
    name = Path(shell).name
    marker = f"(rolecall:{printable(profile)}) "
    plain = all(c.isalnum() or c in _PLAIN_SAFE for c in profile)
    if name == "bash":
        rc = workdir / "bashrc"
        if plain:  # nothing the prompt would expand: the name goes in as it is
            prompt = f'PS1={formats.sh_quote(marker)}"$PS1"\n'
        else:
            prompt = (
                f"__rolecall_marker={formats.sh_quote(marker)}\n"
                "if shopt -q promptvars; then PS1='${__rolecall_marker}'\"$PS1\"\n"
                f'else PS1={formats.sh_quote(marker.replace(chr(92), chr(92) * 2))}"$PS1"; fi\n'
            )
        storage.write_atomic(rc, ('[ -f "$HOME/.bashrc" ] && . "$HOME/.bashrc"\n' + prompt).encode())
        return [shell, "--rcfile", str(rc), "-i"], {}
    if name == "zsh":
        rc = workdir / ".zshrc"
        if plain:
            prompt = f'PROMPT={formats.sh_quote(marker)}"$PROMPT"\n'
        else:
            prompt = (
                f"__rolecall_marker={formats.sh_quote(marker.replace('%', '%%'))}\n"
                "if [[ -o promptsubst ]]; then PROMPT='${__rolecall_marker}'\"$PROMPT\"\n"
                'else PROMPT="$__rolecall_marker$PROMPT"; fi\n'
            )
        storage.write_atomic(
            rc,
            (
                'ZDOTDIR="${ROLECALL_ZDOTDIR:-$HOME}"\n[ -f "$ZDOTDIR/.zshrc" ] && . "$ZDOTDIR/.zshrc"\n' + prompt
            ).encode(),
        )
        return [shell, "-i"], {"ZDOTDIR": str(workdir), "ROLECALL_ZDOTDIR": os.environ.get("ZDOTDIR", "")}
    if name == "fish":
        init = (
            "functions -c fish_prompt __rolecall_prompt; "
            f"function fish_prompt; printf '%s' {formats.fish_quote(marker)}; __rolecall_prompt; end"
        )
        return [shell, "--init-command", init], {}
    safe = "".join(c if c.isalnum() or c in _PLAIN_SAFE else "_" for c in profile)
    return [shell], {"PS1": f"(rolecall:{safe}) $ "}


# Characters no shell's prompt expansion gives a meaning to.
_PLAIN_SAFE = frozenset(" _.,:/@+=-")


def user_shell(environ: Mapping[str, str]) -> str:
    shell = environ.get("SHELL") or shutil.which("bash") or "/bin/sh"
    return shell


def shell_argv(env: Mapping[str, str], profile: str, workdir: Path) -> tuple[list[str], dict[str, str]]:
    """The user's shell ($SHELL) with the profile in its prompt; returns argv and the env to use.

    `workdir` (under the cache) is made private; a name too long for a file name is shortened
    with layout.short_name. Where nothing can be written (a read-only home), the shell still starts,
    with the prompt only where PS1 from the environment is used.
    """
    shell = user_shell(env)
    try:
        storage.private_dir(workdir.parent)  # created 0755 by older versions: tighten it too
        workdir = storage.private_dir(workdir.parent / layout.short_name(workdir.name))
        argv, extra = shell_command(shell, profile, workdir)
    except StorageError:
        argv, extra = shell_command("sh", profile, workdir)
        argv = [shell]
    return argv, {**env, **extra}
