"""The clipboard: text through stdin (never argv), cleared later by a process of its own only if it
still holds what was copied, and the delay from flag, environment or settings. A fake `xclip` on
PATH plays the system clipboard, so rolecall's own clipboard code runs unchanged."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from rolecall.core.gateways import clipboard
from tests.conftest import tool, wait_for


class FileClipboard:
    """A system clipboard played by fake clipboard programs (`xclip` unless told) in `folder`, as
    pyperclip finds them on an X display: text on stdin is kept, `-o` prints it, and every argv is
    logged (to check that no text travels in one)."""

    def __init__(self, folder: Path, names: tuple[str, ...] = ("xclip",)):
        self.folder = folder
        folder.mkdir()
        for name in names:
            program = folder / name
            program.write_text(
                "#!/bin/sh\n"
                f'printf "%s\\n" "$0 $*" >> "{folder}/argv.log"\n'
                f'case " $* " in *" -o "*) cat "{folder}/board" 2>/dev/null;; *" --version "*) ;; '
                f'*) cat > "{folder}/board";; esac\n'
            )
            program.chmod(0o755)

    @property
    def text(self) -> str:
        board = self.folder / "board"
        return board.read_text() if board.exists() else ""

    @text.setter
    def text(self, value: str) -> None:
        (self.folder / "board").write_text(value)

    @property
    def argv(self) -> str:
        """Every command line the fake programs were started with, one a line."""
        log = self.folder / "argv.log"
        return log.read_text() if log.exists() else ""

    def environ(self, path: str | None = None) -> dict:
        """The environment of a process that should find these programs first (then `path`, by
        default the test's PATH) on an X display."""
        rest = os.environ["PATH"] if path is None else path
        env = {**os.environ, "PATH": f"{self.folder}{os.pathsep}{rest}", "DISPLAY": ":99"}
        env.pop("WAYLAND_DISPLAY", None)
        return env


@pytest.fixture
def memory_clipboard(tmp_path, monkeypatch):
    board = FileClipboard(tmp_path / "clipboard-bin")
    for name, value in board.environ().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    return board


def _python(code: str, env: dict) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter: pyperclip picks its back-end once per process."""
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False, timeout=30
    )


def test_clipboard_is_cleared_only_if_it_still_holds_what_was_copied(memory_clipboard):
    assert clipboard.copy("secret credentials") == "system clipboard"
    assert clipboard.clear_if_unchanged(clipboard.fingerprint("secret credentials"))
    assert memory_clipboard.text == ""
    clipboard.copy("secret credentials")
    memory_clipboard.text = "something the user copied since"
    assert not clipboard.clear_if_unchanged(clipboard.fingerprint("secret credentials"))
    assert memory_clipboard.text == "something the user copied since"


def test_clear_later_runs_detached_and_clears(tmp_path):
    """The real clearer process, fed the fingerprint on stdin, against a fake xclip."""
    board = FileClipboard(tmp_path / "bin")
    board.text = "creds"
    done = subprocess.run(
        [sys.executable, "-m", "rolecall.core.gateways.clipboard", "0.1"],
        env=board.environ(),
        input=clipboard.fingerprint("creds") + "\n",
        text=True,
        check=False,
        timeout=30,
    )
    assert done.returncode == 0
    assert board.text == ""


def test_clipboard_text_goes_through_stdin_never_argv(tmp_path):
    board = FileClipboard(tmp_path / "bin")
    done = _python(
        "from rolecall.core.gateways import clipboard\nprint(clipboard.copy('SECRET-TEXT-1'))", board.environ()
    )
    assert done.stdout.strip() == "system clipboard", done.stderr
    assert board.text == "SECRET-TEXT-1"
    assert board.argv and "SECRET-TEXT-1" not in board.argv


def test_a_clipboard_back_end_that_takes_argv_is_refused(tmp_path):
    board = FileClipboard(tmp_path / "bin", names=("klipper", "qdbus"))
    system = tmp_path / "system"  # the one program the fakes use, and no xclip or xsel to be chosen first
    system.mkdir()
    (system / "cat").symlink_to(tool("cat"))
    done = _python(
        "from rolecall.core.gateways import clipboard\nprint(clipboard.system_copy('SECRET-TEXT-2'))",
        board.environ(path=f"{system}{os.pathsep}"),
    )
    assert done.stdout.strip() == "False", done.stderr
    assert "SECRET-TEXT-2" not in board.argv


def _clearers_of(bin_dir: Path) -> dict[int, str]:
    """The clipboard clearers (pid: command line) started for the fake clipboard in `bin_dir`."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if "rolecall.core.gateways.clipboard" in command and str(bin_dir).encode() in environ:
                found[int(entry.name)] = command
    return found


def test_clipboard_is_cleared_by_a_process_that_outlives_its_parent_and_shows_nothing_in_argv(tmp_path):
    def copy_and_clear_after(seconds: float, board: FileClipboard) -> None:
        parent = (
            "from rolecall.core.gateways import clipboard\n"
            "clipboard.copy('SECRET-TEXT-3')\n"
            f"clipboard.clear_later('SECRET-TEXT-3', {seconds})\n"
        )
        done = _python(parent, board.environ())
        assert done.returncode == 0, done.stderr  # the parent has quit; its clearer waits on

    waiting = FileClipboard(tmp_path / "waiting")
    copy_and_clear_after(3600, waiting)
    ((pid, command),) = _clearers_of(waiting.folder).items()
    try:
        assert "SECRET-TEXT-3" not in command and clipboard.fingerprint("SECRET-TEXT-3") not in command
        assert waiting.text == "SECRET-TEXT-3"  # not cleared before its time
    finally:
        os.kill(pid, signal.SIGKILL)
    clearing = FileClipboard(tmp_path / "clearing")
    copy_and_clear_after(0.1, clearing)
    wait_for(lambda: clearing.text == "")
    assert "SECRET-TEXT-3" not in clearing.argv


def test_copy_clear_delay_comes_from_flag_env_or_settings(sandbox, memory_clipboard, capsys, monkeypatch):
    from rolecall.cli import main

    settings = sandbox.home / ".config" / "rolecall" / "settings.yaml"
    settings.parent.mkdir(parents=True)
    settings.write_text("clipboard_clear_seconds: 0\n")
    monkeypatch.delenv("ROLECALL_CLIPBOARD_CLEAR")
    assert main(["copy", "prod/ReadOnly"]) == 0
    assert (
        capsys.readouterr().err.strip()
        == "rolecall: copied prod/ReadOnly credentials (env format) to the system clipboard"
    )
    assert memory_clipboard.text.startswith("unset AWS_PROFILE")
    monkeypatch.setenv("ROLECALL_CLIPBOARD_CLEAR", "0.2")
    assert main(["copy", "prod/ReadOnly", "-f", "json"]) == 0
    assert capsys.readouterr().err.strip().endswith("; cleared in 0.2s if still there")
    assert main(["copy", "prod/ReadOnly", "--clear-after", "0"]) == 0
    assert "cleared" not in capsys.readouterr().err
