"""`rolecall demo`: the whole app against an STS running inside this process, on throwaway files.

Everything the demo touches lives in one temporary directory (HOME, XDG dirs, AWS files, cache),
removed on exit, on Ctrl+C, on SIGTERM/SIGHUP and on a crash. The user's real files and real
credentials are never read: the environment points only at the local fake STS.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from rolecall.core import paths
from rolecall.core.errors import ConfigError

INSTALL_HINT = "pip install 'rolecall[demo]'   (from a clone: pip install -e '.[demo]')"
MFA_HINT = "demo: the local STS accepts any six digits, e.g. 123456"
BANNER = "DEMO · local fake STS at {url} · nothing real is read or written · MFA: any six digits, e.g. 123456"

FAKE_KEY = "AKIADEMO000000000000"
FAKE_SECRET = "demo/secret/not/a/real/key/0000000000000"

# Variables that could point the demo at real credentials or real files: cleared while it runs.
CLEARED = (
    "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION", "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "ROLECALL_PROFILE", "ROLECALL_CACHE_DIR", "ZDOTDIR",
)


def home_environment(home: Path) -> dict[str, str]:
    """Variables that put every file rolecall and the AWS tools touch under `home`."""
    return {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "AWS_CONFIG_FILE": str(home / ".aws" / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws" / "credentials"),
    }


class _Federation(BaseHTTPRequestHandler):
    """The console sign-in endpoint, faked: any session gets a token, so `o` and `console` work."""

    def do_GET(self):  # noqa: N802 - http.server's naming
        body = json.dumps({"SigninToken": "demo-sign-in-token"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


class DemoEnvironment:
    """A context manager: temp HOME + AWS files, moto's STS and a sign-in endpoint on 127.0.0.1."""

    def __init__(self):
        self.root: Path | None = None
        self.sts_url = ""
        self._server = None
        self._federation: ThreadingHTTPServer | None = None
        self._saved_env: dict[str, str | None] = {}
        self._saved_signals: dict = {}

    @property
    def profiles(self) -> Path:
        return self.root / "profiles.yaml"

    def __enter__(self) -> "DemoEnvironment":
        try:
            from moto.server import ThreadedMotoServer
        except ImportError:
            raise ConfigError("the demo needs moto's STS server, which is not installed", hint=INSTALL_HINT) from None
        self.root = Path(tempfile.mkdtemp(prefix="rolecall-demo-"))
        try:
            self._trap_signals()
            home = self.root / "home"
            (home / ".aws").mkdir(parents=True, mode=0o700)
            (home / ".aws" / "credentials").write_text(
                f"[corp]\naws_access_key_id = {FAKE_KEY}\naws_secret_access_key = {FAKE_SECRET}\n", encoding="utf-8"
            )
            (home / ".aws" / "config").write_text("", encoding="utf-8")
            shutil.copyfile(paths.example_profiles(), self.profiles)
            logging.getLogger("werkzeug").setLevel(logging.ERROR)
            self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
            self._server.start()
            host, port = self._server.get_host_and_port()
            self.sts_url = f"http://{host}:{port}"
            self._federation = ThreadingHTTPServer(("127.0.0.1", 0), _Federation)
            threading.Thread(target=self._federation.serve_forever, daemon=True).start()
            self._set_env(home)
        except BaseException:
            self.close()
            raise
        return self

    def _set_env(self, home: Path) -> None:
        values = {
            **home_environment(home),
            "AWS_ENDPOINT_URL_STS": self.sts_url,
            "AWS_ENDPOINT_URL": self.sts_url,
            "AWS_EC2_METADATA_DISABLED": "true",
            "ROLECALL_PROFILES": str(self.profiles),
            "ROLECALL_FEDERATION_URL": f"http://127.0.0.1:{self._federation.server_port}/federation",
            "ROLECALL_DEMO": str(self.root),
            # the venv's own scripts (rolecall, aws) are found in the demo's shell
            "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
        }
        for name in (*values, *CLEARED):
            self._saved_env.setdefault(name, os.environ.get(name))
        for name in CLEARED:
            os.environ.pop(name, None)
        os.environ.update(values)

    def _trap_signals(self) -> None:
        def stop(signum, frame):
            raise SystemExit(128 + signum)  # unwinds through __exit__, which cleans up

        for name in ("SIGTERM", "SIGHUP"):
            sig = getattr(signal, name, None)
            if sig is not None and threading.current_thread() is threading.main_thread():
                self._saved_signals[sig] = signal.signal(sig, stop)

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Stop the servers, restore the environment and remove every file (safe to call twice)."""
        for sig, handler in self._saved_signals.items():
            signal.signal(sig, handler)
        self._saved_signals.clear()
        if self._federation:
            self._federation.shutdown()
            self._federation.server_close()
            self._federation = None
        if self._server:
            self._server.stop()
            self._server = None
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env.clear()
        if self.root:
            shutil.rmtree(self.root, ignore_errors=True)


def _say(message: str) -> None:
    print(f"rolecall demo: {message}", file=sys.stderr, flush=True)


TRY = """\
Try, in this shell (everything points at the local fake STS):
  rolecall list
  rolecall assume prod/ReadOnly
  rolecall assume prod/Admin --mfa-code 123456      (any six digits)
  rolecall exec prod/ReadOnly -- aws sts get-caller-identity
  rolecall export staging/Developer --format fish
  rolecall process dev/Developer
  rolecall sessions
  rolecall                                           (the app)
Exit the shell to end the demo; its files are removed."""


def run_demo(cli: bool = False, theme: str | None = None, command: list[str] | None = None) -> int:
    from rolecall.core import spawn

    with DemoEnvironment() as demo:
        _say(f"files in {demo.root} (removed on exit); STS at {demo.sts_url}")
        if command:
            return spawn.run(command, dict(os.environ))
        if cli:
            print(TRY, file=sys.stderr, flush=True)
            argv, env = spawn.shell_argv(dict(os.environ), "demo", demo.root / "shell")
            return spawn.run(argv, env)
        from rolecall.tui.run import run_app

        return run_app(
            profiles=str(demo.profiles),
            theme=theme,
            banner=BANNER.format(url=demo.sts_url),
            mfa_hint=MFA_HINT,
            on_hangup=demo.close,
        )
