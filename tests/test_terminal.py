"""Prompts where a person types them: the CLI on a real pseudo-terminal, also under the aws CLI."""

from __future__ import annotations

import json
import os
import re
import sys

import pytest

from tests.terminal import Terminal

ROLECALL = [sys.executable, "-m", "rolecall"]


def test_assume_asks_for_the_mfa_code_on_the_terminal(sandbox):
    term = Terminal([*ROLECALL, "assume", "prod/Admin"], os.environ)
    term.expect(r"MFA code for arn:aws:iam::111111111111:mfa/alice:")
    term.type("12345\r")  # a typo first: asked again, not failed
    term.expect(r"an MFA code is six digits")
    term.type("123456\r")
    assert term.wait() == 0, term.text
    assert "prod/Admin: session until " in term.text


def test_end_of_input_at_the_prompt_is_one_line_and_exit_2(sandbox):
    term = Terminal([*ROLECALL, "assume", "prod/Admin"], os.environ)
    term.expect(r"MFA code for .*:")
    term.type("\x04")  # Ctrl+D
    assert term.wait() == 2
    assert "no valid MFA code was entered" in term.text
    assert "Traceback" not in term.text


def test_aws_cli_credential_process_prompts_on_the_terminal_while_the_sdk_reads_stdout(sandbox):
    command = " ".join([*ROLECALL, "process", "prod/Admin"])
    sandbox.aws_config.write_text(f"[profile admin]\ncredential_process = {command}\nregion = eu-west-1\n")
    term = Terminal(["aws", "sts", "get-caller-identity", "--profile", "admin", "--output", "json"], os.environ)
    term.expect(r"MFA code for arn:aws:iam::111111111111:mfa/alice:")
    term.type("123456\r")
    assert term.wait(60) == 0, term.text
    identity = json.loads(term.text[term.text.index("{") : term.text.rindex("}") + 1])
    assert identity["Arn"].startswith("arn:aws:sts::222222222222:assumed-role/Admin/")


def _app_on_a_terminal(sandbox, extra_path: str | None = None) -> Terminal:
    env = dict(os.environ)
    if extra_path:
        env["PATH"] = extra_path + os.pathsep + env["PATH"]
    term = Terminal([*ROLECALL, "--theme", "rolecall-dark"], env)
    term.expect(r"ReadOnly")
    return term


@pytest.mark.parametrize(
    "command, says",
    [
        ("nosuchcmd --flag", r"cannot run nosuchcmd: command not found"),
        ("badinterp", r"cannot run badinterp"),  # found, but its interpreter is missing: fails while suspended
    ],
)
def test_a_command_that_cannot_run_never_strands_the_app(sandbox, tmp_path, command, says):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "badinterp"
    script.write_text("#!/nonexistent/interpreter\n")
    script.chmod(0o755)
    term = _app_on_a_terminal(sandbox, str(bin_dir))
    try:
        term.type("\x1b[B")  # Down: prod/ReadOnly
        term.type("e")
        term.expect(r"Run with prod/ReadOnly")
        term.type(command + "\r")
        term.expect(says)
        term.type("?")  # keys still reach the app
        term.expect(r"rolecall keys")
        term.type("\x1b")
        term.expect_gone(r"rolecall keys")
        term.type("q")
        assert term.wait() == 0
    finally:
        term.kill()


# The real app with one fault put in: `?` raises while a secret sits in a local variable.
BROKEN_APP = """
from pathlib import Path

from rolecall.tui import app as tui_app

class Broken(tui_app.RolecallApp):
    CSS_PATH = str(Path(tui_app.__file__).with_name("app.tcss"))  # relative paths are to the class's file

    def action_help(self):
        token = "LOCAL-ONLY-VALUE"
        raise ValueError("help is " + str(len(token)))

app = Broken(theme="rolecall-dark")
app.run()
raise SystemExit(app.return_code)
"""


@pytest.mark.parametrize("debug", [False, True])
def test_an_unexpected_error_ends_the_app_with_one_line_and_no_locals(sandbox, debug):
    env = {**os.environ, "ROLECALL_DEBUG": "1"} if debug else dict(os.environ)
    term = Terminal([sys.executable, "-c", BROKEN_APP], env)
    try:
        term.expect(r"ReadOnly")
        term.type("?")
        assert term.wait() == 1
    finally:
        term.kill()
    # what is written once the app has given the terminal back, without the terminal's modes
    after = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", term.text.rsplit("\x1b[?1049l", 1)[-1])
    assert "LOCAL-ONLY-VALUE" not in term.text
    if debug:
        assert "local variables left out" in after and "in action_help:" in after
        assert "ValueError: help is 16" in after
    else:
        lines = [line for line in after.replace("\r", "").split("\n") if line.strip()]
        assert lines == ["rolecall: unexpected error (ValueError); run `rolecall` with ROLECALL_DEBUG=1 for details"]
        assert "help is" not in term.text


def test_run_shows_the_command_on_a_clear_screen_and_leaves_nothing_of_it_behind(sandbox):
    term = _app_on_a_terminal(sandbox)
    try:
        term.type("\x1b[B")  # Down: prod/ReadOnly, which needs no MFA code
        term.type("e")
        term.expect(r"Run with prod/ReadOnly")
        term.type("printf 'OUTPUT-%s\\n' one two three\r")
        term.expect(r"press Enter to return to rolecall")
        lines = [line for line in term.display.splitlines() if line.strip()]
        assert lines == ["OUTPUT-one", "OUTPUT-two", "OUTPUT-three", "[exit 0] press Enter to return to rolecall"]
        term.type("\r")
        term.expect(r"exited 0")
        left = [line for line in term.display.splitlines() if "OUTPUT-t" in line or "press Enter" in line]
        assert not left, left
        term.type("q")
        assert term.wait() == 0
    finally:
        term.kill()
