"""Signing a large batch on several cores.

CSR checks and signing are pure CPU work in `cryptography`, which holds the GIL, so a big
batch (bulk enrolment, benchmarks) is split over forked worker processes that inherit the
already-opened issuing key; only CSR DER goes in and row values come out (a token key
signs in this process: its sessions do not survive a fork). The database work stays in
the parent, in one transaction.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from cryptography import x509

__all__ = ["default_workers", "sign_many"]

_STATE: dict[str, Any] = {}
MIN_PER_WORKER = 200  # below this, forking costs more than it saves


def default_workers(n: int) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    return max(1, min(cores, n // MIN_PER_WORKER))


def _sign_chunk(chunk: list[bytes]) -> list[dict[str, Any]]:
    from certyard.ca.issue import check_csr

    signer, profile, days, now = (_STATE["signer"], _STATE["profile"], _STATE["days"],
                                  _STATE["now"])
    out = []
    for der in chunk:
        csr = x509.load_der_x509_csr(der)
        out.append(signer.sign(check_csr(csr, profile, signer.settings), profile=profile,
                               days=days, request_id=None, now=now))
    return out


def sign_many(signer: Any, csrs: list[x509.CertificateSigningRequest], *, profile: Any,
              days: int | None, now: dt.datetime, workers: int) -> list[dict[str, Any]]:
    """Row values for every CSR, in order; CSRs were already parsed and signature-checked."""
    from cryptography.hazmat.primitives.serialization import Encoding

    from certyard.ca.issue import check_csr

    # A token key is reached through sessions that a forked child cannot use.
    in_process = getattr(signer.key, "private_key", None) is None
    if workers <= 1 or in_process or "fork" not in multiprocessing.get_all_start_methods():
        return [signer.sign(check_csr(c, profile, signer.settings), profile=profile,
                            days=days, request_id=None, now=now) for c in csrs]
    ders = [c.public_bytes(Encoding.DER) for c in csrs]
    size = -(-len(ders) // workers)
    chunks = [ders[i:i + size] for i in range(0, len(ders), size)]
    _STATE.update(signer=signer, profile=profile, days=days, now=now)
    try:
        with ProcessPoolExecutor(max_workers=workers,
                                 mp_context=multiprocessing.get_context("fork")) as pool:
            results = list(pool.map(_sign_chunk, chunks))
    finally:
        _STATE.clear()
    return [v for chunk in results for v in chunk]
