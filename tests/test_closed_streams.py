"""A reader that has gone, a closed stdout or stderr: one line or the answer, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def _run_with_fds(args: list[str], stdout, stderr, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rolecall", *args],
        stdout=stdout,
        stderr=stderr,
        env={**os.environ, **(env or {})},
        check=False,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize("cached", [True, False], ids=["quick path", "full path"])
def test_a_reader_that_has_gone_is_no_traceback(cli, sandbox, cached, tmp_path):
    if cached:
        assert cli("assume", "prod/ReadOnly").code == 0
    read_end, write_end = os.pipe()
    os.close(read_end)
    errors = tmp_path / "err"
    with open(errors, "w") as err:
        done = _run_with_fds(["export", "prod/ReadOnly"], write_end, err)
    os.close(write_end)
    text = errors.read_text()
    assert done.returncode == 1
    assert "Traceback" not in text and len(text.splitlines()) <= 1, text


def test_a_closed_stdout_is_no_traceback(cli, sandbox):
    assert cli("assume", "prod/ReadOnly").code == 0
    done = subprocess.run(
        ["sh", "-c", f'exec "{sys.executable}" -m rolecall process prod/ReadOnly >&-'],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and len(done.stderr.splitlines()) == 1, done.stderr


def test_a_closed_stderr_still_gives_the_answer(cli, sandbox):
    assert cli("assume", "prod/ReadOnly").code == 0
    sandbox.profiles.write_text(sandbox.profiles.read_text() + "bogus: 1\n")  # a problem, noted on stderr
    noted = cli("list", "--json")
    assert noted.code == 0 and "problem" in noted.err
    done = subprocess.run(
        ["sh", "-c", f'exec "{sys.executable}" -m rolecall list --json 2>&-'],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0
    assert json.loads(done.stdout) == noted.json()  # the note went nowhere, least of all into stdout
