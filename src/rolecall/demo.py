"""`rolecall demo`: the whole app against an STS running inside this process, on throwaway files.

Everything the demo touches lives in one temporary directory (HOME, XDG dirs, AWS files, cache),
removed on exit, on Ctrl+C, on SIGTERM/SIGHUP and on a crash. The user's real files and real
credentials are never read: the environment points only at the local fake STS and a local fake of
IAM Identity Center (rolecall.fakes.sso_server), signed in to before anything opens. Its accounts
are discovered before a command runs (`--cli`, a command); the app opens at once and discovers
them itself, its progress in the status line, as it does for any sign-in with no discovery yet.

Besides the example profiles there is one profile of every other kind: static keys (`corp`),
`credential_process` (`build-bot`) and web identity (`ci-deploy`) in ~/.aws/config, an SSO session
(`demo`, a few hundred accounts), a SAML source (`okta`) and a federated user (`partners/contractor`).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn, Self
from urllib.parse import parse_qs, urlparse

from rolecall.core.domain.errors import ConfigError
from rolecall.core.store import paths
from rolecall.fakes.sso_server import FakeSso, browse

if TYPE_CHECKING:
    from moto.server import ThreadedMotoServer  # imported when the demo starts: moto is the optional [demo] extra

# What signal.signal returns and takes back: a handler, SIG_DFL / SIG_IGN, or None (not set from Python).
SignalHandler = Callable[[int, FrameType | None], object] | int | None

INSTALL_HINT = "pip install 'rolecall[demo]'   (from a clone: pip install -e '.[demo]')"
MFA_HINT = "demo: the local STS accepts any six digits, e.g. 123456"
BANNER = "DEMO · local fake STS at {url} · nothing real is read or written · MFA: any six digits, e.g. 123456"

FAKE_KEY = "AKIADEMO000000000000"
FAKE_SECRET = "demo/secret/not/a/real/key/0000000000000"
SSO_ACCOUNTS = 300
SSO_SESSION = "demo"

# The demo's ~/.aws/config: a static-key profile (its keys are in ~/.aws/credentials), a
# credential_process profile, a web identity profile and an IAM Identity Center session.
AWS_CONFIG = """\
[profile corp]
region = eu-west-1

[profile build-bot]
credential_process = {process}
region = eu-west-1

[profile ci-deploy]
role_arn = arn:aws:iam::430987654321:role/ci-deploy
web_identity_token_file = {token}
role_session_name = github-actions
region = eu-central-1

[sso-session demo]
sso_start_url = https://demo.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access
"""

# Appended to the example profiles: an account with a federated user (GetFederationToken with
# corp's keys) and a SAML source whose identity provider is a script of the demo.
PROFILES_EXTRA = """
  # --- added by `rolecall demo` ---
  - id: "870987654321"
    name: partners
    tags: {env: partners}
    roles:
      - role: Support
    federated_users:
      - name: contractor          # GetFederationToken: up to 36h, limited by this policy
        duration: 12h
        policy: '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}'

saml:
  - name: okta
    assertion_process: ASSERTION_PROCESS
    region: eu-west-1
"""

# The demo's identity provider: prints a fresh base64 SAMLResponse offering one role of the partners
# account (unsigned: moto's STS checks no signature, and reads only the first Role value).
SAML_SCRIPT = r'''
import base64, datetime
until = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
provider = "arn:aws:iam::870987654321:saml-provider/okta"
roles = f"<saml:AttributeValue>arn:aws:iam::870987654321:role/Analyst,{provider}</saml:AttributeValue>"
xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_demo" Version="2.0" IssueInstant="{until}">
  <samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
  <saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_assertion" Version="2.0" IssueInstant="{until}">
    <saml:Issuer>https://idp.example.com/demo</saml:Issuer>
    <saml:Subject><saml:NameID>alice@example.com</saml:NameID>
      <saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
        <saml:SubjectConfirmationData NotOnOrAfter="{until}" Recipient="https://signin.aws.amazon.com/saml"/>
      </saml:SubjectConfirmation></saml:Subject>
    <saml:Conditions NotOnOrAfter="{until}"/>
    <saml:AttributeStatement>
      <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName">
        <saml:AttributeValue>alice@example.com</saml:AttributeValue></saml:Attribute>
      <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">{roles}</saml:Attribute>
      <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/SessionDuration">
        <saml:AttributeValue>14400</saml:AttributeValue></saml:Attribute>
    </saml:AttributeStatement>
  </saml:Assertion>
</samlp:Response>"""
print(base64.b64encode(xml.encode()).decode())
'''

# The demo's credential_process: keys valid for an hour, as a vault helper would print them.
PROCESS_SCRIPT = r"""
import datetime, json
until = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
print(json.dumps({"Version": 1, "AccessKeyId": "ASIADEMOPROCESS00000",
                  "SecretAccessKey": "demo/process/secret/not/a/real/key/000",
                  "SessionToken": "demo-process-session-token", "Expiration": until.strftime("%Y-%m-%dT%H:%M:%SZ")}))
"""


def web_identity_token(subject: str = "repo:example/app:ref:refs/heads/main") -> str:
    """A JWT (unsigned: moto's STS accepts any token) whose `exp` is a year away."""

    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    claims = {
        "iss": "https://token.actions.githubusercontent.com",
        "sub": subject,
        "aud": "sts.amazonaws.com",
        "iat": int(time.time()),
        "exp": int(time.time()) + 365 * 86400,
    }
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


# Variables that could point the demo at real credentials or real files: cleared while it runs.
CLEARED = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "ROLECALL_PROFILE",
    "ROLECALL_CACHE_DIR",
    "ZDOTDIR",
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


class FederationEndpoint(BaseHTTPRequestHandler):
    """The console sign-in endpoint, faked: any session gets a token, so `o` and `console` work.
    Every query it answers is kept in `seen` (the tests read what was sent)."""

    seen: list[dict[str, list[str]]] = []
    paths: list[str] = []  # the request lines' paths: what a proxy or a server log would keep

    def do_GET(self) -> None:
        self._answer(urlparse(self.path).query)

    def do_POST(self) -> None:
        length = min(int(self.headers.get("Content-Length") or 0), 64 * 1024)
        self._answer(self.rfile.read(length).decode("utf-8", "replace"))

    def _answer(self, query: str) -> None:
        type(self).paths.append(self.path)
        type(self).seen.append(parse_qs(query))
        body = json.dumps({"SigninToken": "demo-sign-in-token"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class DemoEnvironment:
    """A context manager: temp HOME + AWS files, moto's STS and a sign-in endpoint on 127.0.0.1.
    `discover=False` leaves the SSO session signed in but undiscovered (for the app, which
    discovers it in the background)."""

    def __init__(self, *, discover: bool = True, progress: Callable[[int, int, int], None] | None = None) -> None:
        self.discover = discover
        self.progress = progress  # how far the discovery has come (accounts done, known, roles found)
        self._root: Path | None = None
        self.sts_url = ""
        self._server: ThreadedMotoServer | None = None
        self.sso: FakeSso | None = None
        self._federation: ThreadingHTTPServer | None = None
        self._saved_env: dict[str, str | None] = {}
        self._saved_signals: dict[int, SignalHandler] = {}

    @property
    def root(self) -> Path:
        """The temporary directory holding everything the demo touches (created on entering)."""
        if self._root is None:
            raise RuntimeError("the demo environment has no files before `with DemoEnvironment()` enters it")
        return self._root

    @property
    def profiles(self) -> Path:
        return self.root / "profiles.yaml"

    def __enter__(self) -> Self:
        try:
            from moto.server import ThreadedMotoServer
        except ImportError:
            raise ConfigError("the demo needs moto's STS server, which is not installed", hint=INSTALL_HINT) from None
        self._root = Path(tempfile.mkdtemp(prefix="rolecall-demo-"))
        try:
            self._trap_signals()
            home = self.root / "home"
            (home / ".aws").mkdir(parents=True, mode=0o700)
            (home / ".aws" / "credentials").write_text(
                f"[corp]\naws_access_key_id = {FAKE_KEY}\naws_secret_access_key = {FAKE_SECRET}\n", encoding="utf-8"
            )
            self._write_sources(home)
            logging.getLogger("werkzeug").setLevel(logging.ERROR)
            self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
            self._server.start()
            host, port = self._server.get_host_and_port()
            self.sts_url = f"http://{host}:{port}"
            self._federation = federation = ThreadingHTTPServer(("127.0.0.1", 0), FederationEndpoint)
            threading.Thread(target=federation.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
            self.sso = FakeSso(accounts=SSO_ACCOUNTS, auto_approve=True).start()
            self._set_env(home, self.sso, federation.server_port)
            self._discover()
        except BaseException:
            self.close()
            raise
        return self

    def _write_sources(self, home: Path) -> None:
        """~/.aws/config and credentials, profiles.yaml, and the helper scripts they name."""
        bin_dir = home.parent / "bin"  # on the demo's PATH
        bin_dir.mkdir(mode=0o700)
        for name, script in (("demo-saml-assertion", SAML_SCRIPT), ("demo-credential-process", PROCESS_SCRIPT)):
            (bin_dir / name).write_text(f"#!{sys.executable}" + script, encoding="utf-8")
            (bin_dir / name).chmod(0o700)
        token = home / ".config" / "ci" / "token"
        token.parent.mkdir(parents=True, mode=0o700)
        token.write_text(web_identity_token(), encoding="utf-8")
        (home / ".aws" / "config").write_text(
            AWS_CONFIG.format(process="demo-credential-process", token=token), encoding="utf-8"
        )
        extra = PROFILES_EXTRA.replace("ASSERTION_PROCESS", "demo-saml-assertion")
        self.profiles.write_text(paths.example_profiles().read_text(encoding="utf-8") + extra, encoding="utf-8")

    def _discover(self) -> None:
        """Sign in to the SSO session (the fake approves at once; the "browser" follows its redirect)
        and discover its accounts unless the app will, and fetch the SAML source's roles."""
        from rolecall.core.engine import Engine

        def browser(url: str) -> bool:
            threading.Thread(target=browse, args=(url,), daemon=True).start()
            return True

        engine = Engine.open(self.profiles, use_index=False)
        session = engine.sso_session(SSO_SESSION)
        engine.sso_login(session, open_url=browser)
        if self.discover:
            engine.sso_sync(session, self.progress)
        engine.saml_sync("okta")

    def _set_env(self, home: Path, sso: FakeSso, federation_port: int) -> None:
        values = {
            **home_environment(home),
            **sso.env(),
            "AWS_ENDPOINT_URL_STS": self.sts_url,
            "AWS_ENDPOINT_URL": self.sts_url,
            "AWS_EC2_METADATA_DISABLED": "true",
            "ROLECALL_PROFILES": str(self.profiles),
            "ROLECALL_FEDERATION_URL": f"http://127.0.0.1:{federation_port}/federation",
            "ROLECALL_DEMO": str(self.root),
            # the demo's identity provider and credential_process helpers, and the venv's own
            # scripts (rolecall, aws), are found in the demo's shell
            "PATH": os.pathsep.join(
                (str(home.parent / "bin"), os.path.dirname(sys.executable), os.environ.get("PATH", ""))
            ),
        }
        for name in (*values, *CLEARED):
            self._saved_env.setdefault(name, os.environ.get(name))
        for name in CLEARED:
            os.environ.pop(name, None)
        os.environ.update(values)

    def _trap_signals(self) -> None:
        def stop(signum: int, frame: FrameType | None) -> NoReturn:
            raise SystemExit(128 + signum)  # unwinds through __exit__, which cleans up

        for name in ("SIGTERM", "SIGHUP"):
            sig = getattr(signal, name, None)
            if sig is not None and threading.current_thread() is threading.main_thread():
                self._saved_signals[sig] = signal.signal(sig, stop)

    def __exit__(self, *exc: object) -> None:
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
        if self.sso:
            self.sso.close()
            self.sso = None
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env.clear()
        if self._root:
            shutil.rmtree(self._root, ignore_errors=True)


def _say(message: str) -> None:
    print(f"rolecall demo: {message}", file=sys.stderr, flush=True)


TRY = """\
Try, in this shell (everything points at the local fake STS and a fake IAM Identity Center,
already signed in as session "demo" with its 300 accounts discovered):
  rolecall list
  rolecall assume prod/ReadOnly
  rolecall assume prod/Admin --mfa-code 123456      (any six digits)
  rolecall exec prod/ReadOnly -- aws sts get-caller-identity
  rolecall export staging/Developer --format fish
  rolecall process dev/Developer
  rolecall sessions
  rolecall exec account-0042/ReadOnly -- aws sts get-caller-identity      (IAM Identity Center)
  rolecall exec ci-deploy -- aws sts get-caller-identity                  (web identity)
  rolecall assume partners/Analyst                   (SAML)
  rolecall assume partners/contractor                (a federated user: GetFederationToken)
  rolecall process build-bot                         (a credential_process profile)
  rolecall logout; rolecall login --no-browser       (the fake approves at once)
  rolecall                                           (the app)
Exit the shell to end the demo; its files are removed."""


def run_demo(
    cli: bool = False,
    theme: str | None = None,
    command: list[str] | None = None,
    progress: Callable[[int, int, int], None] | None = None,
) -> int:
    """The demo; `progress` follows its discovery, which a shell or a command waits for."""
    from rolecall.core.gateways import spawn

    with DemoEnvironment(discover=bool(cli or command), progress=progress) as demo:
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
