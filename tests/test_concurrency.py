"""Many processes and threads at once: one AssumeRole, never a damaged cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

from rolecall.core.engine import Engine
from rolecall.core.gateways import mfa
from rolecall.core.sources.index import load_catalog
from tests.conftest import seed_sessions


def test_twenty_processes_on_an_expired_cache_make_one_assume_role_call(sandbox, sts_proxy):
    seed_sessions({"prod/ReadOnly": -60})
    env = {**os.environ}
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "rolecall", "process", "prod/ReadOnly"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        for _ in range(20)
    ]
    outputs = [child.communicate(timeout=120) for child in children]
    assert [child.returncode for child in children] == [0] * 20, [err for _, err in outputs]
    keys = {json.loads(out)["AccessKeyId"] for out, _ in outputs}
    assert len(keys) == 1 and not next(iter(keys)).startswith("ASIASEEDED")
    assert sts_proxy.calls["AssumeRole"] == 1


def test_threads_and_processes_refreshing_together_never_corrupt_the_cache(sandbox, cli, fake_clock):
    engine = Engine(load_catalog(use_index=False), clock=fake_clock)
    errors: list[BaseException] = []

    def refresh() -> None:
        try:
            for _ in range(3):
                engine.assume("prod/ReadOnly", mfa.given("123456"), refresh=True)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=refresh) for _ in range(4)]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "rolecall", "assume", "--refresh", "prod/ReadOnly"],
            env=dict(os.environ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert [p.wait(timeout=120) for p in processes] == [0] * 6
    assert errors == []
    path = sandbox.session_file()
    data = json.loads(path.read_text())
    assert data["session"]["credentials"]["AccessKeyId"].startswith("ASIA")
    assert not list(path.parent.glob(".*.tmp")) and not list(path.parent.glob("*.bad-*"))
    assert cli("process", "prod/ReadOnly").json()["AccessKeyId"] == data["session"]["credentials"]["AccessKeyId"]
