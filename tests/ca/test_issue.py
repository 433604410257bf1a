"""Direct issuance for internal callers (agent client certificates) and batched issuance
on several worker processes: unique serials, all stored, the key as in the CSR."""

from __future__ import annotations

from cryptography import x509
from sqlalchemy import func, select

from certyard import ca
from certyard.db.models.ca import CaIssued, CaRequest
from tests.ca.helpers import make_csr, setup_ca


def test_client_certificate_for_agent(ctx) -> None:  # type: ignore[no-untyped-def]
    setup_ca(ctx)
    key, csr = make_csr("agent-sub1", sans=[])
    issued = ca.issue_certificate_for_csr(ctx, csr, profile="client", days=30,
                                          requester="agent enrolment sub1")
    cert = x509.load_pem_x509_certificate(issued.pem.encode())
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]
    assert cert.public_key() == key.public_key()
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days == 30
    with ctx.read() as s:
        assert s.scalar(select(func.count()).select_from(CaRequest)) == 0  # no queue


def test_batch_on_worker_processes(ctx) -> None:  # type: ignore[no-untyped-def]
    setup_ca(ctx)
    csrs = [make_csr(f"h{i}.example.com")[1] for i in range(40)]
    views = ca.issue_certificates_for_csrs(ctx, csrs, profile="server", workers=2)
    assert len({v.serial for v in views}) == 40
    assert [v.subject for v in views] == [f"CN=h{i}.example.com" for i in range(40)]
    with ctx.read() as s:
        assert s.scalar(select(func.count()).select_from(CaIssued)) == 40
