"""Every export format behaves like shell code: sourced in the real shell, the last status is 0."""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import tool

SHELLS = {
    "bash": ["bash", "-c", 'eval "$(python -m rolecall export prod/ReadOnly)"; echo "status=$? $AWS_REGION"'],
    "dash": ["dash", "-c", 'eval "$(python -m rolecall export prod/ReadOnly)"; echo "status=$? $AWS_REGION"'],
    "zsh": ["zsh", "-c", 'eval "$(python -m rolecall export prod/ReadOnly)"; echo "status=$? $AWS_REGION"'],
    "fish": ["fish", "-c", "python -m rolecall export prod/ReadOnly -f fish | source; echo status=$status $AWS_REGION"],
    "sh (dotenv)": [
        "sh",
        "-c",
        'python -m rolecall export prod/ReadOnly -f dotenv > "$HOME/.env"; '
        'set -a; . "$HOME/.env"; echo "status=$? $AWS_REGION"',
    ],
}


@pytest.mark.parametrize("shell", list(SHELLS))
def test_sourcing_an_export_ends_with_status_0(cli, shell):
    assert cli("assume", "prod/ReadOnly").code == 0
    program, *args = SHELLS[shell]
    # `python` is the venv's: its bin is first on every test's PATH (tests/conftest.py)
    done = subprocess.run([tool(program), *args], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.stdout.strip() == "status=0 eu-west-1", done.stderr
