"""A local AWS sign-in service: CreateOAuth2Token (POST /v1/token) with a refresh token, checking
the DPoP proof against the key `aws login` cached, as the real service does."""

from __future__ import annotations

import base64
import json
from http.server import BaseHTTPRequestHandler

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from tests.servers import LocalServer


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_key_pem() -> tuple[ec.EllipticCurvePrivateKey, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()
    return key, pem


class FakeSignIn:
    """Answers refreshes for one client: `refresh_token` must match and the DPoP proof must be signed
    by `key`. `expired` makes it answer TOKEN_EXPIRED as for a session past its 12 hours."""

    def __init__(self, key: ec.EllipticCurvePrivateKey, refresh_token: str):
        self.public = key.public_key()
        self.refresh_token = refresh_token
        self.expired = False
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                fake.requests.append({"path": self.path, "body": body, "dpop": self.headers.get("DPoP")})
                if self.path != "/v1/token" or not fake.proof_ok(self.headers.get("DPoP", "")):
                    return self.answer(
                        400, {"error": "INVALID_REQUEST", "message": "bad DPoP proof"}, "ValidationException"
                    )
                if fake.expired or body.get("refreshToken") != fake.refresh_token:
                    return self.answer(
                        403, {"error": "TOKEN_EXPIRED", "message": "the session expired"}, "AccessDeniedException"
                    )
                fake.refresh_token = "refresh-2"
                return self.answer(
                    200,
                    {
                        "accessToken": {
                            "accessKeyId": "ASIAREFRESHED",
                            "secretAccessKey": "refreshed-secret",
                            "sessionToken": "refreshed-token",
                        },
                        "tokenType": "aws_sigv4",
                        "expiresIn": 900,
                        "refreshToken": "refresh-2",
                    },
                )

            def answer(self, status: int, data: dict, error_type: str | None = None) -> None:
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                if error_type:
                    self.send_header("x-amzn-ErrorType", error_type)
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: object) -> None:
                pass

        self.served = LocalServer(Handler)
        self.url = self.served.url

    def proof_ok(self, proof: str) -> bool:
        try:
            header, payload, signature = proof.split(".")
            claims = json.loads(_unb64(payload))
            raw = _unb64(signature)
            der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
            self.public.verify(der, f"{header}.{payload}".encode(), ec.ECDSA(hashes.SHA256()))
        except (ValueError, InvalidSignature):
            return False
        return claims.get("htm") == "POST" and str(claims.get("htu", "")).endswith("/v1/token")

    def close(self) -> None:
        self.served.close()
