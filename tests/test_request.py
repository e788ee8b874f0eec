"""`rolecall request`: SigV4-signed requests to a local endpoint that re-signs them with botocore and compares."""

from __future__ import annotations

import hmac
import json
import re
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rolecall.cli.parser import parse
from rolecall.core.engine import Engine
from rolecall.core.errors import AwsError, ConfigError
from rolecall.core.index import load_catalog
from rolecall.core.signed_request import scope_from_host

AUTH = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<day>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request, "
    r"SignedHeaders=(?P<signed>[^,]+), Signature=(?P<signature>[0-9a-f]{64})$"
)


class SigV4Endpoint:
    """An IAM-authenticated endpoint: it knows the session's secret, re-signs what it received with
    botocore's SigV4Auth over the headers the request says it signed, and answers 403 on a mismatch.
    It also serves as an HTTP proxy, so a request for an AWS host name can reach it unchanged."""

    def __init__(self):
        self.sessions: dict[str, tuple[str, str | None]] = {}
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def handle_one(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                verdict = endpoint.verify(self.command, self.path, dict(self.headers.items()), body)
                status = 200 if verdict["ok"] else 403
                payload = json.dumps(verdict).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("X-Amzn-RequestId", "test-request-1")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = handle_one

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def verify(self, method: str, path: str, headers: dict, body: bytes) -> dict:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        lower = {k.lower(): v for k, v in headers.items()}
        match = AUTH.match(lower.get("authorization", ""))
        if not match or match["key"] not in self.sessions:
            return {"ok": False, "why": "no SigV4 Authorization header for a known key"}
        secret, token = self.sessions[match["key"]]
        signed = match["signed"].split(";")
        url = path if path.startswith("http") else f"http://{lower['host']}{path}"  # proxied: absolute form
        request = AWSRequest(method=method, url=url, data=body, headers={name: lower[name] for name in signed})
        request.context["timestamp"] = lower["x-amz-date"]
        signer = SigV4Auth(Credentials(match["key"], secret, token), match["service"], match["region"])
        expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
        return {
            "ok": hmac.compare_digest(expected, match["signature"]) and lower.get("x-amz-security-token") == token
            and "x-amz-security-token" in signed,
            "service": match["service"],
            "region": match["region"],
            "method": method,
            "url": url,
            "body": body.decode(),
            "signed": signed,
        }

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoint():
    server = SigV4Endpoint()
    yield server
    server.close()


def no_code(profile):
    raise AssertionError("prod/ReadOnly needs no MFA code")


@pytest.fixture
def request_cli(sandbox, fake_clock, endpoint, capsysbinary, monkeypatch):
    """Run `request ...` through the parser the integrator wires, with sessions from the engine."""
    engine = Engine(load_catalog(use_index=False), clock=fake_clock, audit_path=None)
    tamper = {}

    def session_for(args):
        session = engine.assume(args.profile, no_code)
        creds = session.credentials
        endpoint.sessions[creds.access_key_id] = (creds.secret_access_key, creds.session_token)
        if tamper:
            return replace(session, credentials=replace(creds, **tamper))
        return session

    monkeypatch.setattr("rolecall.cli.request.session_for", session_for)

    def run(*argv: str):
        args = parse(["request", *argv])
        code = args.handler(args)
        out, err = capsysbinary.readouterr()
        return code, out, err.decode()

    run.tamper = tamper
    return run


def test_get_is_signed_with_the_session_token_and_prints_the_body(request_cli, endpoint):
    code, out, err = request_cli("prod/ReadOnly", f"{endpoint.url}/items?limit=2&after=a%20b", "--service", "lambda")
    seen = json.loads(out)
    assert (code, err) == (0, "")
    assert seen["ok"] is True
    assert (seen["service"], seen["region"], seen["method"]) == ("lambda", "eu-west-1", "GET")  # region: the profile's
    assert "x-amz-security-token" in seen["signed"] and "host" in seen["signed"]


def test_data_from_a_file_and_headers_are_signed(request_cli, endpoint, sandbox):
    payload = sandbox.root / "event.json"
    payload.write_text('{"order": 42}')
    code, out, _ = request_cli(
        "prod/ReadOnly", f"{endpoint.url}/orders", "--data", f"@{payload}", "--header", "Content-Type: application/json",
        "-H", "X-Trace: abc", "--service", "execute-api", "--region", "us-west-2",
    )
    seen = json.loads(out)
    assert code == 0 and seen["ok"] is True
    assert (seen["method"], seen["body"], seen["region"]) == ("POST", '{"order": 42}', "us-west-2")
    assert {"content-type", "x-trace"} <= set(seen["signed"])


def test_service_and_region_come_from_a_lambda_function_url(request_cli, endpoint, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", endpoint.url)  # the endpoint stands in for AWS, reached as a proxy
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # the local STS is reached directly
    url = "http://abcdefghijklmnopqrstuvwxyz012345.lambda-url.ap-southeast-2.on.aws/hello?name=alice"
    code, out, _ = request_cli("prod/ReadOnly", url, "--allow-http")  # plain http to a proxy: only when asked
    seen = json.loads(out)
    assert code == 0 and seen["ok"] is True
    assert (seen["service"], seen["region"], seen["url"]) == ("lambda", "ap-southeast-2", url)


def test_refused_signature_exits_1_with_the_status_on_stderr(request_cli, endpoint):
    request_cli.tamper["secret_access_key"] = "not-the-session-secret-at-all-000000000000"
    code, out, err = request_cli("prod/ReadOnly", f"{endpoint.url}/x", "--service", "lambda")
    assert code == 1
    assert json.loads(out)["ok"] is False
    assert err == "rolecall: HTTP 403 Forbidden\n"


def test_include_shows_status_and_headers_before_the_body(request_cli, endpoint):
    code, out, _ = request_cli("prod/ReadOnly", f"{endpoint.url}/x", "--service", "lambda", "-i")
    head, _, body = out.decode().partition("\n\n")
    assert code == 0
    assert head.splitlines()[0] == "HTTP 200 OK"
    assert "X-Amzn-RequestId: test-request-1" in head.splitlines()
    assert json.loads(body)["ok"] is True


@pytest.mark.parametrize(
    ("argv", "error", "message"),
    [
        (["--header", "no colon here"], ConfigError, "--header 'no colon here' is not 'Name: value'"),
        (["--data", "@/nonexistent/body.json"], ConfigError,
         "--data @/nonexistent/body.json: cannot read /nonexistent/body.json: No such file or directory"),
        ([], ConfigError, "cannot tell which AWS service 127.0.0.1 is: pass --service (e.g. execute-api, lambda)"),
        (["--service", "lambda", "--region", "eu-west-1", "?q=a b"], ConfigError, "holds spaces: write them as %20"),
    ],
    ids=["header", "data-file", "service", "space"],
)
def test_bad_input_is_one_line(request_cli, endpoint, argv, error, message):
    url = f"{endpoint.url}/x"
    if argv and argv[-1].startswith("?"):
        url += argv.pop()
    with pytest.raises(error) as caught:
        request_cli("prod/ReadOnly", url, *argv)
    assert caught.value.message.endswith(message) and "\n" not in caught.value.message


def test_nothing_listening_is_one_aws_line(request_cli):
    with pytest.raises(AwsError) as caught:
        request_cli("prod/ReadOnly", "http://127.0.0.1:9/x", "--service", "lambda", "--timeout", "5")
    assert caught.value.message == "cannot connect to 127.0.0.1:9: check the URL and the network"


@pytest.mark.parametrize(
    ("host", "scope"),
    [
        ("abc123.lambda-url.eu-west-1.on.aws", ("lambda", "eu-west-1")),
        ("a1b2c3.execute-api.us-gov-west-1.amazonaws.com", ("execute-api", "us-gov-west-1")),
        ("sts.eu-central-1.amazonaws.com", ("sts", "eu-central-1")),
        ("search-logs-x1.eu-west-1.es.amazonaws.com", ("es", "eu-west-1")),
        ("bucket.s3.cn-north-1.amazonaws.com.cn", ("s3", "cn-north-1")),
        ("iam.amazonaws.com", ("iam", None)),
        ("api.example.com", (None, None)),
    ],
)
def test_scope_from_aws_host_names(host, scope):
    assert scope_from_host(host) == scope
