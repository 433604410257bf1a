"""``certyard serve``: the HTTPS application (UI + REST API) and the plain-HTTP listener
(CRL, OCSP, CA downloads; everything else redirected to HTTPS)."""

from __future__ import annotations

from certyard.server.app import create_app, create_http_app

__all__ = ["create_app", "create_http_app"]
