"""Interim http-01 check used until certyard.acme.challenges lands (deleted then)."""

from __future__ import annotations

import httpx


class ChallengeFailed(Exception):
    def __init__(self, acme_type: str, message: str) -> None:
        super().__init__(message)
        self.acme_type = acme_type


class ValidationConfig:
    def __init__(self, *, http_port: int = 80, tlsalpn_port: int = 443,
                 dns_resolver: tuple[str, int] | None = None,
                 allowed_networks: tuple[str, ...] = (), timeout: float = 10.0) -> None:
        self.http_port, self.timeout = http_port, timeout


def validate(kind: str, id_type: str, value: str, token: str, key_auth: str,
             cfg: ValidationConfig) -> None:
    if kind != "http-01":
        raise ChallengeFailed("unauthorized", f"{kind} is not available yet")
    host = f"[{value}]" if ":" in value else value
    try:
        r = httpx.get(f"http://{host}:{cfg.http_port}/.well-known/acme-challenge/{token}",
                      timeout=cfg.timeout, follow_redirects=False)
    except httpx.HTTPError as exc:
        raise ChallengeFailed("connection", f"cannot fetch the token: {exc}") from None
    if r.status_code != 200 or r.text.strip() != key_auth:
        raise ChallengeFailed("incorrectResponse", "the token's content is not the key "
                              "authorization")
