"""`rolecall request` through the real CLI (a fresh interpreter, no terminal): SigV4-signed requests to a
local endpoint that re-signs them with botocore and compares."""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler

import pytest

from rolecall.core.gateways.signed_request import scope_from_host
from tests.servers import LocalServer

AUTH = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<day>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request, "
    r"SignedHeaders=(?P<signed>[^,]+), Signature=(?P<signature>[0-9a-f]{64})$"
)


class SigV4Endpoint:
    """An IAM-authenticated endpoint: it knows the sessions' secrets (`secret_of`), re-signs what it received
    with botocore's SigV4Auth over the headers the request says it signed, and answers 403 on a mismatch.
    It also serves as an HTTP proxy, so a request for an AWS host name can reach it unchanged."""

    def __init__(self, secret_of: Callable[[str], tuple[str, str | None] | None]):
        self.secret_of = secret_of
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

        self.served = LocalServer(Handler)
        self.url = self.served.url

    def verify(self, method: str, path: str, headers: dict, body: bytes) -> dict:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        lower = {k.lower(): v for k, v in headers.items()}
        match = AUTH.match(lower.get("authorization", ""))
        known = self.secret_of(match["key"]) if match else None
        if not known:
            return {"ok": False, "why": "no SigV4 Authorization header for a known key"}
        secret, token = known
        signed = match["signed"].split(";")
        url = path if path.startswith("http") else f"http://{lower['host']}{path}"  # proxied: absolute form
        request = AWSRequest(method=method, url=url, data=body, headers={name: lower[name] for name in signed})
        request.context["timestamp"] = lower["x-amz-date"]
        signer = SigV4Auth(Credentials(match["key"], secret, token), match["service"], match["region"])
        expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
        return {
            "ok": hmac.compare_digest(expected, match["signature"])
            and lower.get("x-amz-security-token") == token
            and "x-amz-security-token" in signed,
            "service": match["service"],
            "region": match["region"],
            "method": method,
            "url": url,
            "body": body.decode(),
            "signed": signed,
        }

    def close(self):
        self.served.close()


@pytest.fixture
def endpoint(sandbox):
    """The endpoint, knowing every session rolecall has cached in the sandbox (as AWS knows what STS issued);
    `endpoint.forged[key] = secret` makes it expect another secret for that key."""

    def secret_of(key: str) -> tuple[str, str | None] | None:
        if key in server.forged:
            return server.forged[key], None
        for path in (sandbox.cache / "sessions").glob("*.json"):
            credentials = json.loads(path.read_text())["session"]["credentials"]
            if credentials["AccessKeyId"] == key:
                return credentials["SecretAccessKey"], credentials.get("SessionToken")
        return None

    server = SigV4Endpoint(secret_of)
    server.forged = {}
    yield server
    server.close()


def test_get_is_signed_with_the_session_token_and_prints_the_body(cli, endpoint):
    done = cli("request", "prod/ReadOnly", f"{endpoint.url}/items?limit=2&after=a%20b", "--service", "lambda")
    assert (done.code, done.err) == (0, "")
    seen = done.json()
    assert seen["ok"] is True
    assert (seen["service"], seen["region"], seen["method"]) == ("lambda", "eu-west-1", "GET")  # region: the profile's
    assert "x-amz-security-token" in seen["signed"] and "host" in seen["signed"]


def test_data_from_a_file_and_headers_are_signed(cli, endpoint, sandbox):
    payload = sandbox.root / "event.json"
    payload.write_text('{"order": 42}')
    done = cli(
        "request",
        "prod/ReadOnly",
        f"{endpoint.url}/orders",
        "--data",
        f"@{payload}",
        "--header",
        "Content-Type: application/json",
        "-H",
        "X-Trace: abc",
        "--service",
        "execute-api",
        "--region",
        "us-west-2",
    )
    seen = done.json()
    assert done.code == 0 and seen["ok"] is True, done.err
    assert (seen["method"], seen["body"], seen["region"]) == ("POST", '{"order": 42}', "us-west-2")
    assert {"content-type", "x-trace"} <= set(seen["signed"])


def test_data_from_standard_input_is_signed(cli, endpoint):
    done = cli(
        "request",
        "prod/ReadOnly",
        f"{endpoint.url}/orders",
        "--data",
        "@-",
        "--service",
        "lambda",
        input='{"from": "stdin"}',
    )
    seen = done.json()
    assert done.code == 0 and seen["ok"] is True, done.err
    assert (seen["method"], seen["body"]) == ("POST", '{"from": "stdin"}')


def test_service_and_region_come_from_a_lambda_function_url(cli, endpoint):
    url = "http://abcdefghijklmnopqrstuvwxyz012345.lambda-url.ap-southeast-2.on.aws/hello?name=alice"
    # the endpoint stands in for AWS, reached as a proxy (plain http to it: only when asked); the local
    # STS is reached directly
    done = cli(
        "request", "prod/ReadOnly", url, "--allow-http", env={"HTTP_PROXY": endpoint.url, "NO_PROXY": "127.0.0.1"}
    )
    seen = done.json()
    assert done.code == 0 and seen["ok"] is True, done.err
    assert (seen["service"], seen["region"], seen["url"]) == ("lambda", "ap-southeast-2", url)


def test_refused_signature_exits_1_with_the_status_on_stderr(cli, endpoint):
    key = cli("process", "prod/ReadOnly").json()["AccessKeyId"]
    endpoint.forged[key] = "not-the-session-secret-at-all-000000000000"
    done = cli("request", "prod/ReadOnly", f"{endpoint.url}/x", "--service", "lambda")
    assert done.code == 1
    assert done.json()["ok"] is False
    assert done.err == "rolecall: HTTP 403 Forbidden\n"


def test_include_shows_status_and_headers_before_the_body(cli, endpoint):
    done = cli("request", "prod/ReadOnly", f"{endpoint.url}/x", "--service", "lambda", "-i")
    head, _, body = done.out.partition("\n\n")
    assert done.code == 0, done.err
    assert head.splitlines()[0] == "HTTP 200 OK"
    assert "X-Amzn-RequestId: test-request-1" in head.splitlines()
    assert json.loads(body)["ok"] is True


def test_an_mfa_role_takes_its_code_from_the_option(cli, endpoint, sts_proxy):
    url = f"{endpoint.url}/x"
    asked = cli("request", "prod/Admin", url, "--service", "lambda")
    assert (asked.code, asked.out) == (2, "")
    assert asked.err.startswith("rolecall: an MFA code is needed for arn:aws:iam::111111111111:mfa/alice")
    assert cli("request", "prod/Admin", url, "--service", "lambda", "--mfa-code", "12ab").code == 2
    done = cli("request", "prod/Admin", url, "--service", "lambda", "--mfa-code", "123456")
    assert done.code == 0 and done.json()["ok"] is True, done.err
    assert [form["TokenCode"] for form in sts_proxy.requests if "TokenCode" in form] == ["123456"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--header", "no colon here"], "--header 'no colon here' is not 'Name: value'"),
        (
            ["--data", "@/nonexistent/body.json"],
            "--data @/nonexistent/body.json: cannot read /nonexistent/body.json: No such file or directory",
        ),
        ([], "cannot tell which AWS service 127.0.0.1 is: pass --service (e.g. execute-api, lambda)"),
        (["--service", "lambda", "--region", "eu-west-1", "?q=a b"], "holds spaces: write them as %20"),
        (["--service", "lambda", "--timeout", "soon"], "argument --timeout: invalid float value: 'soon'"),
    ],
    ids=["header", "data-file", "service", "space", "timeout"],
)
def test_bad_input_is_one_line_and_exit_2(cli, endpoint, argv, message):
    url = f"{endpoint.url}/x"
    if argv and argv[-1].startswith("?"):
        url += argv.pop()
    done = cli("request", "prod/ReadOnly", url, *argv)
    assert (done.code, done.out) == (2, "")
    said = [line for line in done.err.splitlines() if line.startswith("rolecall")]  # argparse: usage, then this
    assert len(said) == 1 and said[0].endswith(message), done.err
    assert "Traceback" not in done.err


def test_nothing_listening_is_one_aws_line_and_exit_1(cli):
    done = cli("request", "prod/ReadOnly", "http://127.0.0.1:9/x", "--service", "lambda", "--timeout", "5")
    assert (done.code, done.err) == (1, "rolecall: cannot connect to 127.0.0.1:9: check the URL and the network\n")


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
