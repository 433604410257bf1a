"""Hypothesis over every parser of uploaded or fetched material: certificates (PEM, DER,
PKCS#7), CSRs as the CA checks them, OCSP requests as the responder reads them, CRLs as the
revocation checker fetches them, backup archives and signed trust lists. The only
exceptions allowed out are the typed ``CertyardError`` family; memory stays bounded."""

from __future__ import annotations

import json
import resource
import struct
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509 import ocsp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certyard.errors import CertyardError
from certyard.x509 import load_certificates, load_csr
from tests.fuzz.conftest import PASSWORD, Samples
from tests.fuzz.mutate import mutations, only_typed_errors
from tests.support.budget import examples

pytestmark = pytest.mark.slow  # quick lane: pytest -m "not slow"

FUZZ = settings(max_examples=examples(200), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module", autouse=True)
def bounded_memory() -> Iterator[None]:
    """The whole module's peak RSS may grow by at most 256 MiB (ru_maxrss is in KiB)."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    yield
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown < 256 * 1024, f"peak memory grew by {grown // 1024} MiB while fuzzing"


@FUZZ
@given(data=st.data())
def test_certificate_parsers(samples: Samples, data: st.DataObject) -> None:
    seed = data.draw(st.sampled_from([samples.cert_der, samples.cert_pem, samples.p7b]))
    blob = data.draw(mutations(seed))
    certs = only_typed_errors(load_certificates, blob)
    assert certs is None or all(c.subject is not None for c in certs)


@FUZZ
@given(data=st.data())
def test_csr_parsers(samples: Samples, data: st.DataObject) -> None:
    from certyard.ca.config import load_settings
    from certyard.ca.issue import check_csr, parse_csr, resolve_profile

    blob = data.draw(mutations(data.draw(st.sampled_from([samples.csr_der, samples.csr_pem]))))
    only_typed_errors(load_csr, blob)
    csr = only_typed_errors(parse_csr, blob, 1024 * 1024)
    if csr is not None:
        with samples.ctx.read() as s:
            cfg = load_settings(s)
        only_typed_errors(check_csr, csr, resolve_profile("server"), cfg)


@FUZZ
@given(data=st.data())
def test_ocsp_requests(samples: Samples, data: st.DataObject) -> None:
    from certyard.ca import ocsp_respond

    der = ocsp_respond(samples.ctx, data.draw(mutations(samples.ocsp_der)))
    ocsp.load_der_ocsp_response(der)  # always a well-formed response, success or error


class _CrlPeer(ThreadingHTTPServer):
    body = b""


class _Serve(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = self.server.body  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def crl_peer() -> Iterator[_CrlPeer]:
    srv = _CrlPeer(("127.0.0.1", 0), _Serve)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()


@settings(max_examples=examples(80), deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_fetched_crls(samples: Samples, crl_peer: _CrlPeer, data: st.DataObject) -> None:
    """The revocation checker's CRL path: any answer, never an exception."""
    import datetime as dt

    from certyard.monitor.egress import EgressPolicy
    from certyard.monitor.ocsp import check_crl

    crl_peer.body = data.draw(mutations(samples.crl_der))
    url = f"http://127.0.0.1:{crl_peer.server_address[1]}/ca.crl"
    answer = check_crl(samples.leaf, samples.issuer, url, now=dt.datetime.now(dt.timezone.utc),
                       timeout=5, egress=EgressPolicy(allowed=("127.0.0.1/32",)))
    assert answer.status in ("good", "revoked", "error"), answer


def test_unmodified_samples_are_accepted(samples: Samples, crl_peer: _CrlPeer) -> None:
    """The seeds themselves parse, so the mutations above start from real material."""
    import datetime as dt

    from certyard.ca import ocsp_respond
    from certyard.cluster.jws import parse_list
    from certyard.monitor.egress import EgressPolicy
    from certyard.monitor.ocsp import check_crl

    assert len(load_certificates(samples.p7b)) >= 2
    load_csr(samples.csr_der)
    resp = ocsp.load_der_ocsp_response(ocsp_respond(samples.ctx, samples.ocsp_der))
    assert resp.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    crl_peer.body = samples.crl_der
    answer = check_crl(samples.leaf, samples.issuer,
                       f"http://127.0.0.1:{crl_peer.server_address[1]}/ca.crl",
                       now=dt.datetime.now(dt.timezone.utc),
                       egress=EgressPolicy(allowed=("127.0.0.1/32",)))
    assert answer.status == "revoked"
    assert parse_list(samples.trust_list).version >= 1


@settings(max_examples=examples(25), deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_backup_archives(samples: Samples, tmp_path_factory: pytest.TempPathFactory,
                         data: st.DataObject) -> None:
    from certyard.backup import read_backup_info

    seed = samples.backup.read_bytes()
    head = data.draw(mutations(seed[:64]))  # the header is where a parser can go wrong
    path = tmp_path_factory.mktemp("bk") / "x.cybk"
    path.write_bytes(head + seed[64:] if data.draw(st.booleans()) else head)
    only_typed_errors(read_backup_info, path, password=PASSWORD)


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                     lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8),
                                                                         c, max_size=3),
                     max_leaves=8)
_DOC_KEYS = st.sampled_from(["format", "created_at", "heads", "tables", "master_key"])


def _seal(doc: object, path: Path) -> None:
    """A well-encrypted archive (right password) whose content is hostile."""
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    salt, nonce = b"s" * 16, b"n" * 12
    header = struct.pack(">4sBBBB16s12s", b"CYBK", 1, 10, 8, 1, salt, nonce)
    key = Scrypt(salt=salt, length=32, n=1 << 10, r=8, p=1).derive(PASSWORD.encode())
    body = zlib.compress(json.dumps(doc).encode())
    path.write_bytes(header + AESGCM(key).encrypt(nonce, body, header))


@settings(max_examples=examples(40), deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(_JSON, st.dictionaries(_DOC_KEYS, _JSON, max_size=5).map(
    lambda d: {**d, "format": 1})))
def test_backup_content(tmp_path_factory: pytest.TempPathFactory, doc: object) -> None:
    from certyard.backup import read_backup_info

    path = tmp_path_factory.mktemp("bk") / "doc.cybk"
    _seal(doc, path)
    only_typed_errors(read_backup_info, path, password=PASSWORD)


@FUZZ
@given(data=st.data())
def test_trust_lists(samples: Samples, tmp_path_factory: pytest.TempPathFactory,
                     data: st.DataObject) -> None:
    from certyard.cluster.jws import accept_list, parse_list

    text = samples.trust_list
    blob = data.draw(st.one_of(mutations(text), st.text(max_size=300).map(str.encode),
                               st.lists(st.sampled_from(text.split(b".")), min_size=1,
                                        max_size=4).map(b".".join)))
    only_typed_errors(parse_list, blob)
    pin = tmp_path_factory.mktemp("pin") / "pin.json"
    pin.write_bytes(data.draw(st.sampled_from([b"{}", b"not json", b'{"version": "x"}'])))
    only_typed_errors(accept_list, blob, pin)


def test_oversized_material_is_refused_by_size() -> None:
    with pytest.raises(CertyardError, match=r"larger|too large|bytes"):
        load_certificates(b"\x30\x82" + b"\0" * (2 * 1024 * 1024))
