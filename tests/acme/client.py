"""A small hand-made ACME client (joserfc + httpx) for protocol tests: it signs exactly
what a test tells it to, so tests can also send what a good client never would."""

from __future__ import annotations

import base64
import http.server
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from joserfc import jws
from joserfc.jwk import ECKey, OctKey
from joserfc.jws import JWSRegistry

from tests.support.ports import listening_socket

__all__ = ["AcmeClient", "b64", "csr_der", "http01_responder"]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _registry() -> JWSRegistry:
    r = JWSRegistry(strict_check_header=False)
    r.max_header_length = 4096
    return r


def csr_der(names: list[tuple[str, str]], *, cn: str | None = None) -> tuple[Any, bytes]:
    import ipaddress

    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    gns: list[x509.GeneralName] = [
        x509.DNSName(v) if t == "dns" else x509.IPAddress(ipaddress.ip_address(v))
        for t, v in names]
    b = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)] if cn else []))
    b = b.add_extension(x509.SubjectAlternativeName(gns), critical=False)
    return key, b.sign(key, hashes.SHA256()).public_bytes(Encoding.DER)


class AcmeClient:
    def __init__(self, http: httpx.Client, directory_url: str, key: Any = None) -> None:
        self.http = http
        self.dir = http.get(directory_url).json()
        self.key = key or ECKey.generate_key("P-256")
        self.kid: str | None = None

    @property
    def jwk(self) -> dict[str, Any]:
        return dict(self.key.as_dict(private=False))

    def thumbprint(self) -> str:
        return str(self.key.thumbprint())

    def nonce(self) -> str:
        return self.http.head(self.dir["newNonce"]).headers["Replay-Nonce"]

    def sign(self, url: str, payload: Any, *, key: Any = None, nonce: str | None = None,
             use_jwk: bool = False, header_url: str | None = None,
             extra: dict[str, Any] | None = None) -> dict[str, Any]:
        key = key or self.key
        protected: dict[str, Any] = {"alg": "ES256", "nonce": nonce or self.nonce(),
                                     "url": header_url or url, **(extra or {})}
        if use_jwk or self.kid is None:
            protected["jwk"] = dict(key.as_dict(private=False))
        else:
            protected["kid"] = self.kid
        body = b"" if payload is None else json.dumps(payload).encode()
        return dict(jws.serialize_json({"protected": protected}, body, key,
                                       registry=_registry()))

    def post(self, url: str, payload: Any, **kw: Any) -> httpx.Response:
        return self.http.post(url, content=json.dumps(self.sign(url, payload, **kw)),
                              headers={"Content-Type": "application/jose+json"})

    def eab(self, kid: str, hmac_b64: str) -> dict[str, Any]:
        key = OctKey.import_key(base64.urlsafe_b64decode(hmac_b64 + "=" * (-len(hmac_b64) % 4)))
        return dict(jws.serialize_json(
            {"protected": {"alg": "HS256", "kid": kid, "url": self.dir["newAccount"]}},
            json.dumps(self.jwk).encode(), key, registry=_registry()))

    def register(self, **payload: Any) -> httpx.Response:
        payload.setdefault("termsOfServiceAgreed", True)
        r = self.post(self.dir["newAccount"], payload, use_jwk=True)
        if r.status_code in (200, 201):
            self.kid = r.headers["Location"]
        return r

    def order(self, identifiers: list[tuple[str, str]]) -> httpx.Response:
        return self.post(self.dir["newOrder"],
                         {"identifiers": [{"type": t, "value": v} for t, v in identifiers]})

    def poll(self, url: str, until: tuple[str, ...], deadline: float = 60) -> dict[str, Any]:
        end = time.monotonic() + deadline
        while True:
            body = self.post(url, None).json()
            if body.get("status") in until or time.monotonic() > end:
                return body
            time.sleep(0.2)

    def validate_all(self, order: dict[str, Any], kind: str = "http-01") -> None:
        for authz_url in order["authorizations"]:
            authz = self.post(authz_url, None).json()
            chal = next(c for c in authz["challenges"] if c["type"] == kind)
            self.post(chal["url"], {})
        for authz_url in order["authorizations"]:
            self.poll(authz_url, ("valid", "invalid"))


@contextmanager
def http01_responder(answers: dict[str, str]) -> Iterator[int]:
    """A plain HTTP server on 127.0.0.1 answering /.well-known/acme-challenge/<token> from
    ``answers`` (mutable: tests add tokens while it runs). Yields its port."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            token = self.path.rsplit("/", 1)[-1]
            body = answers.get(token)
            if not self.path.startswith("/.well-known/acme-challenge/") or body is None:
                self.send_response(404)
                self.end_headers()
                return
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    sock = listening_socket()
    server = http.server.ThreadingHTTPServer(sock.getsockname(), Handler,
                                             bind_and_activate=False)
    server.socket.close()
    server.socket = sock
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(sock.getsockname()[1])
    finally:
        server.shutdown()
        sock.close()
