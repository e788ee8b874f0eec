"""Prompts where a person types them: the CLI on a real pseudo-terminal, also under the aws CLI."""

from __future__ import annotations

import json
import os
import shutil
import sys

import pytest

from tests.terminal import Terminal

ROLECALL = [sys.executable, "-m", "rolecall"]
needs_aws = pytest.mark.skipif(shutil.which("aws") is None, reason="the aws CLI (pip awscli) is not installed")


def test_assume_asks_for_the_mfa_code_on_the_terminal(sandbox):
    term = Terminal([*ROLECALL, "assume", "prod/Admin"], os.environ)
    term.expect(r"MFA code for arn:aws:iam::111111111111:mfa/alice: ")
    term.type("12345\r")  # a typo first: asked again, not failed
    term.expect(r"an MFA code is six digits")
    term.type("123456\r")
    assert term.wait() == 0, term.text
    assert "prod/Admin: session until " in term.text


def test_end_of_input_at_the_prompt_is_one_line_and_exit_2(sandbox):
    term = Terminal([*ROLECALL, "assume", "prod/Admin"], os.environ)
    term.expect(r"MFA code for .*: ")
    term.type("\x04")  # Ctrl+D
    assert term.wait() == 2
    assert "no valid MFA code was entered" in term.text
    assert "Traceback" not in term.text


@needs_aws
def test_aws_cli_credential_process_prompts_on_the_terminal_while_the_sdk_reads_stdout(sandbox):
    command = " ".join([*ROLECALL, "process", "prod/Admin"])
    sandbox.aws_config.write_text(f"[profile admin]\ncredential_process = {command}\nregion = eu-west-1\n")
    term = Terminal(["aws", "sts", "get-caller-identity", "--profile", "admin", "--output", "json"], os.environ)
    term.expect(r"MFA code for arn:aws:iam::111111111111:mfa/alice: ")
    term.type("123456\r")
    assert term.wait(60) == 0, term.text
    identity = json.loads(term.text[term.text.index("{"):term.text.rindex("}") + 1])
    assert identity["Arn"].startswith("arn:aws:sts::222222222222:assumed-role/Admin/")
