"""schemathesis (tests/api/test_schemathesis.py) drives the operations of the published
OpenAPI document, with a bearer token. That covers the whole API only if every route under
/api/ is in the document with every method it answers: this pins that down, so a route
hidden with ``include_in_schema=False`` cannot escape the fuzzer unnoticed."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute

from certyard.server import create_app


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_every_api_route_is_in_the_openapi_document(ctx) -> None:  # type: ignore[no-untyped-def]
    app = create_app(ctx)
    paths = app.openapi()["paths"]
    missing = []
    for route in app.routes:
        if not isinstance(route, APIRoute) or not route.path.startswith("/api/"):
            continue
        if route.path == "/api/v1/openapi.json":
            continue
        documented = {m.upper() for m in paths.get(route.path, {})}
        for method in (route.methods or set()) - {"HEAD", "OPTIONS"}:
            if method not in documented:
                missing.append(f"{method} {route.path}")
    assert not missing, f"API operations schemathesis would not fuzz: {missing}"
    assert len(paths) >= 50  # the real API, not an empty document
