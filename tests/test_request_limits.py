"""`rolecall request` against servers that misbehave: every byte bounded, every wait a deadline,
no session token in clear to another machine, no control character from a server on the terminal."""

from __future__ import annotations

import socket
import sys
import threading
import time

import pytest

HUGE = 200 * 1024 * 1024


class RawServer:
    """A TCP server on 127.0.0.1 that answers every connection with `serve(conn)`."""

    def __init__(self, serve):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.stop = threading.Event()
        self.serve = serve
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn):
        with conn:
            conn.settimeout(5)
            try:
                conn.recv(65536)  # the request (small: no body)
                self.serve(conn, self.stop)
            except OSError:
                pass

    def close(self):
        self.stop.set()
        self.sock.close()


@pytest.fixture
def raw_server():
    servers = []

    def start(serve):
        server = RawServer(serve)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def huge_body(conn, stop):
    conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {HUGE}\r\n\r\n".encode())
    block = b"x" * (1024 * 1024)
    for _ in range(HUGE // len(block)):
        if stop.is_set():
            return
        conn.sendall(block)


def drip(conn, stop):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
    while not stop.is_set():
        conn.sendall(b"x")
        time.sleep(0.2)


def silent(conn, stop):
    stop.wait(30)


def hostile_reason(conn, stop):
    conn.sendall(b"HTTP/1.1 400 Bad\x1b]52;c;ZWNobyBwd25lZA==\x07\x1b[2J\x9b\rX\r\nContent-Length: 2\r\n\r\nno")


def test_plain_http_to_another_machine_is_refused_before_anything_is_sent(cli):
    result = cli("request", "prod/ReadOnly", "http://api.example.invalid/x", "--service", "execute-api")
    assert result.code == 2
    assert result.err.splitlines()[0] == (
        "rolecall: refusing to send the session token in clear to api.example.invalid: use https"
    )
    assert "--allow-http" in result.err


def test_a_huge_body_streams_through_a_small_buffer(cli, raw_server, tmp_path):
    server = raw_server(huge_body)
    out = tmp_path / "body"
    # VmHWM is this process's own peak; ru_maxrss would also count the forked pytest's pages.
    probe = (
        "import sys\nfrom rolecall.cli import main\ncode = main(sys.argv[1:])\n"
        "peak = [line for line in open('/proc/self/status') if line.startswith('VmHWM:')][0]\n"
        "print(peak.split()[1], file=sys.stderr)\nraise SystemExit(code)\n"
    )
    import subprocess

    done = subprocess.run(
        [
            sys.executable,
            "-c",
            probe,
            "request",
            "prod/ReadOnly",
            f"{server.url}/big",
            "--service",
            "lambda",
            "--output",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size == HUGE
    peak_kib = int(done.stderr.strip().splitlines()[-1])
    assert peak_kib < 160 * 1024  # the body was never held whole (it is 200 MiB)


def test_timeout_is_a_deadline_for_a_server_that_drips(cli, raw_server):
    server = raw_server(drip)
    started = time.monotonic()
    result = cli("request", "prod/ReadOnly", f"{server.url}/slow", "--service", "lambda", "--timeout", "2", timeout=30)
    assert result.code == 1
    assert "did not finish within 2 seconds" in result.err
    assert time.monotonic() - started < 25  # it ended by itself, long before the harness would stop it


def test_a_server_that_never_answers_times_out(cli, raw_server):
    server = raw_server(silent)
    result = cli("request", "prod/ReadOnly", f"{server.url}/x", "--service", "lambda", "--timeout", "1", timeout=30)
    assert result.code == 1
    assert "did not answer within 1 seconds" in result.err


def test_a_reason_phrase_with_escape_sequences_is_shown_made_visible(cli, raw_server):
    server = raw_server(hostile_reason)
    result = cli("request", "prod/ReadOnly", f"{server.url}/x", "--service", "lambda", "-i")
    assert result.code == 1
    for seen in (result.out, result.err):
        assert "\x1b" not in seen and "\x07" not in seen and "\x9b" not in seen
    assert "\\x1b]52;c;" in result.err
