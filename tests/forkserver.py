"""`python -m rolecall ARGS` for the tests without an interpreter's start and botocore's import
each time: a zygote process imports the CLI and botocore once, and every call forks a copy of it
that takes the call's stdin, stdout and stderr, environment, directory and a session of its own
(no controlling terminal), then runs the program exactly as `python -m rolecall` does. Each call
is still a separate process with real file descriptors, exit status and signals; only the
imports are shared. A waiter process (forked too) reports the program's exit status, so calls may
overlap.

A call goes to a real interpreter instead when what it needs is decided at interpreter start
(PYTHON* variables, the locale, a new module set: tests/test_layout.py counts modules in fresh
interpreters of its own) or when it runs under a wrapper command.
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Read once by the interpreter at its start: a call that changes one of them gets its own interpreter.
AT_START = ("PYTHON", "LANG", "LC_")


def at_start(env: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in env.items() if key.startswith(AT_START)}


class Zygote:
    """One per test process, started at its first call and stopped with the test process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._address = ""
        self._env: dict[str, str] = {}

    def serves(self, env: dict[str, str]) -> bool:
        """Whether a call with `env` can be forked: it agrees with the zygote on what an
        interpreter decides at its start (the test process's own, until the zygote is started
        with them), whichever call comes first."""
        return at_start(env) == (self._env if self._process is not None else at_start(dict(os.environ)))

    def run(self, args: list[str], env: dict[str, str], input: str | None, timeout: float) -> tuple[int, str, str]:
        self._start(env)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.connect(self._address)
            stdin_read, stdin_write = os.pipe()
            out_read, out_write = os.pipe()
            err_read, err_write = os.pipe()
            request = json.dumps({"args": args, "env": env, "cwd": os.getcwd()}).encode()
            socket.send_fds(conn, [struct.pack("!I", len(request)) + request], [stdin_read, out_write, err_write])
            for fd in (stdin_read, out_write, err_write):
                os.close(fd)
            pid = struct.unpack("!i", _read_exactly(conn, 4))[0]
            threading.Thread(target=_feed, args=(stdin_write, input), daemon=True).start()
            out, err = bytearray(), bytearray()
            readers = [
                threading.Thread(target=_drain, args=(out_read, out), daemon=True),
                threading.Thread(target=_drain, args=(err_read, err), daemon=True),
            ]
            for reader in readers:
                reader.start()
            conn.settimeout(timeout)
            try:
                status = struct.unpack("!i", _read_exactly(conn, 4))[0]
            except TimeoutError:
                os.killpg(pid, signal.SIGKILL)
                raise subprocess.TimeoutExpired(["rolecall", *args], timeout) from None
            for reader in readers:
                reader.join()
        return status, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")

    def _start(self, env: dict[str, str]) -> None:
        with self._lock:
            if self._process is not None:
                return
            address = f"/tmp/rolecall-zygote-{os.getpid()}.sock"
            if os.path.exists(address):
                os.unlink(address)
            self._env = at_start(env)
            self._process = subprocess.Popen(
                [sys.executable, "-c", "from tests.forkserver import serve; serve()", address],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
            )
            assert self._process.stdout is not None
            if self._process.stdout.readline() != b"ready\n":
                raise RuntimeError("the test zygote did not start")
            self._address = address

    def stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            os.unlink(self._address)
            self._process = None


def _read_exactly(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ConnectionError("the test zygote closed the connection")
        data += chunk
    return data


def _feed(fd: int, text: str | None) -> None:
    try:
        if text:
            os.write(fd, text.encode())
    except OSError:
        pass  # the program stopped reading: as with subprocess.run
    finally:
        os.close(fd)


def _drain(fd: int, into: bytearray) -> None:
    with os.fdopen(fd, "rb") as stream:
        while chunk := stream.read(65536):
            into += chunk


# ------------------------------------------------------------------ the zygote's side


def serve() -> None:
    """Import what every call needs, then fork a waiter per connection."""
    import runpy  # noqa: F401 - the child's way in, imported before forking

    import botocore.session  # noqa: F401

    import rolecall.cli
    import rolecall.cli.table  # noqa: F401

    gc.freeze()  # the imports' objects stay out of every child's collections (no copied pages)
    address = sys.argv[1]
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(address)
    server.listen(16)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # waiters are reaped by the kernel
    print("ready", flush=True)
    while True:
        conn, _ = server.accept()
        if os.fork() == 0:
            server.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            _wait_for_one(conn)
        conn.close()


def _wait_for_one(conn: socket.socket) -> None:
    size_and_request, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
    size = struct.unpack("!I", size_and_request[:4])[0]
    request = size_and_request[4:]
    while len(request) < size:
        request += conn.recv(size - len(request))
    call = json.loads(request)
    pid = os.fork()
    if pid == 0:
        conn.close()
        _become_the_program(call, fds)
    for fd in fds:
        os.close(fd)
    conn.sendall(struct.pack("!i", pid))
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    conn.sendall(struct.pack("!i", code))
    os._exit(0)


def _become_the_program(call: dict, fds: list[int]) -> None:
    """Take the call's stdio, session, directory and environment, run `python -m rolecall`, and
    end as an interpreter ends (non-daemon threads joined, atexit handlers run, streams flushed,
    an uncaught error's traceback on stderr and status 1), skipping only the teardown of the
    zygote's objects, which would copy every page of them."""
    import atexit
    import runpy
    import traceback

    os.setsid()  # no controlling terminal: /dev/tty cannot be opened, as with start_new_session
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(call["cwd"])
    os.environ.clear()
    os.environ.update(call["env"])
    sys.argv = ["rolecall", *call["args"]]
    code: object = 0
    try:
        runpy.run_module("rolecall", run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        code = exc.code
    except BaseException:
        traceback.print_exc()
        code = 1
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code or 0)


ZYGOTE = Zygote()
atexit.register(ZYGOTE.stop)


def rolecall(
    args: list[str],
    env: dict[str, str],
    *,
    input: str | None = None,
    timeout: float = 60,
    wrap: list[str] | None = None,
) -> tuple[int, str, str]:
    """`python -m rolecall ARGS` with `env`, no controlling terminal and no stdin unless `input`
    is given: (exit status, stdout, stderr). Forked from the zygote unless the call changes what
    an interpreter decides at its start or runs under `wrap` (a command that starts it)."""
    if wrap is None and ZYGOTE.serves(env):
        return ZYGOTE.run(args, env, input, timeout)
    done = subprocess.run(
        [*(wrap or []), sys.executable, "-m", "rolecall", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL if input is None else None,
        input=input,
        start_new_session=True,
    )
    return done.returncode, done.stdout, done.stderr
