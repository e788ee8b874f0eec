"""Prompts where a person types them: the CLI on a real pseudo-terminal, also under the aws CLI."""

from __future__ import annotations

import json
import os
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
    identity = json.loads(term.text[term.text.index("{"):term.text.rindex("}") + 1])
    assert identity["Arn"].startswith("arn:aws:sts::222222222222:assumed-role/Admin/")


def _app_on_a_terminal(sandbox, extra_path: str | None = None) -> Terminal:
    env = dict(os.environ)
    if extra_path:
        env["PATH"] = extra_path + os.pathsep + env["PATH"]
    term = Terminal([*ROLECALL, "--theme", "rolecall-dark"], env)
    term.expect(r"ReadOnly")
    return term


@pytest.mark.parametrize("command, says", [
    ("nosuchcmd --flag", r"cannot run nosuchcmd: command not found"),
    ("badinterp", r"cannot run badinterp"),  # found, but its interpreter is missing: fails while suspended
])
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
