"""The plain-HTTP OCSP endpoint under hostile input, in-process over ASGI: GET with random
base64 paths, POST with random and mutated DER bodies and wrong content types. It answers
every one with an RFC 6960 response or a 4xx, never a 5xx."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from cryptography.x509 import ocsp
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certyard.server import create_http_app
from tests.fuzz.conftest import Samples
from tests.fuzz.mutate import mutations
from tests.support.budget import examples

pytestmark = pytest.mark.slow  # quick lane: pytest -m "not slow"

FUZZ = settings(max_examples=examples(150), deadline=None, suppress_health_check=list(HealthCheck))
CONTENT_TYPES = st.sampled_from([
    "application/ocsp-request", "application/json", "text/plain", "multipart/form-data",
    "application/x-www-form-urlencoded", "", "application/ocsp-request; charset=\x7f"])


@pytest.fixture(scope="module")
def client(samples: Samples) -> Iterator[TestClient]:
    with TestClient(create_http_app(samples.ctx, https_port=8443),
                    raise_server_exceptions=False, follow_redirects=False) as c:
        yield c


def _check(r: object) -> None:
    status = r.status_code  # type: ignore[attr-defined]
    assert status < 500, (status, r.text[:200])  # type: ignore[attr-defined]
    if status == 200:
        ocsp.load_der_ocsp_response(r.content)  # type: ignore[attr-defined]


@FUZZ
@given(st.one_of(st.binary(max_size=600).map(lambda b: base64.b64encode(b).decode()),
                 st.text(max_size=200)))
def test_get_with_random_paths(client: TestClient, path: str) -> None:
    _check(client.get("/ocsp/" + quote(path, safe="/+=")))


@FUZZ
@given(data=st.data())
def test_get_with_mutated_requests(client: TestClient, samples: Samples,
                                   data: st.DataObject) -> None:
    der = data.draw(mutations(samples.ocsp_der))
    _check(client.get("/ocsp/" + quote(base64.b64encode(der).decode(), safe="")))


@FUZZ
@given(data=st.data())
def test_post_with_mutated_bodies(client: TestClient, samples: Samples,
                                  data: st.DataObject) -> None:
    body = data.draw(mutations(samples.ocsp_der))
    _check(client.post("/ocsp", content=body,
                       headers={"Content-Type": data.draw(CONTENT_TYPES)}))


def test_valid_request_get_and_post(client: TestClient, samples: Samples) -> None:
    for r in (client.post("/ocsp", content=samples.ocsp_der,
                          headers={"Content-Type": "application/ocsp-request"}),
              client.get("/ocsp/" + quote(base64.b64encode(samples.ocsp_der).decode(),
                                          safe=""))):
        assert r.status_code == 200
        assert ocsp.load_der_ocsp_response(r.content).certificate_status == \
            ocsp.OCSPCertStatus.GOOD


def test_other_methods_and_paths(client: TestClient) -> None:
    for method in ("PUT", "DELETE", "PATCH"):
        assert client.request(method, "/ocsp", content=b"x").status_code < 500
    assert client.get("/ocsp/" + "A" * 30000).status_code == 414
    assert client.get("/ocsp/%ZZ%00").status_code < 500
