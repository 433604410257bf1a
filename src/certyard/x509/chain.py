"""Path building from a leaf to a trust anchor, bounded in depth and work.

Used where the store must decide whether an uploaded certificate chains to a certificate in
a trust store. It accepts what the seed allows (SHA-1, RSA-1024) — strength is judged by
the purpose, not here — but is strict on structure: issuer name, signature, validity of
every certificate at the given time, and cA=TRUE on every issuer that is not the anchor.
A hostile set (many candidates sharing a subject and key, loops, very deep chains) costs
at most ``max_signature_checks`` signature verifications, then fails with a clear reason.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence

from cryptography import x509
from cryptography.hazmat.primitives.hashes import SHA256

from certyard.errors import UntrustedChain

__all__ = ["build_path"]

_SHA256 = SHA256()


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        # v1 certificates predate the extension; accept them only as anchors (checked below).
        return False
    except Exception:  # duplicate or malformed extensions: never an issuer
        return False


def _signed_by(child: x509.Certificate, parent: x509.Certificate) -> bool:
    try:
        child.verify_directly_issued_by(parent)
    except ValueError as exc:
        # cryptography >= 45 no longer verifies SHA-1 certificate signatures through this
        # call; the seed still allows SHA-1, so check it with the public key directly.
        if "Unsupported signature algorithm" not in str(exc):
            return False
        return _verify_legacy(child, parent)
    except Exception:  # InvalidSignature / TypeError for odd key types
        return False
    return True


def _verify_legacy(child: x509.Certificate, parent: x509.Certificate) -> bool:
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, padding, rsa

    algo = child.signature_hash_algorithm
    if algo is None or child.issuer != parent.subject:
        return False
    key = parent.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(child.signature, child.tbs_certificate_bytes, padding.PKCS1v15(), algo)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(child.signature, child.tbs_certificate_bytes, ec.ECDSA(algo))
        elif isinstance(key, dsa.DSAPublicKey):
            key.verify(child.signature, child.tbs_certificate_bytes, algo)
        else:
            return False
    except Exception:  # InvalidSignature, UnsupportedAlgorithm
        return False
    return True


def build_path(
    leaf: x509.Certificate,
    *,
    intermediates: Sequence[x509.Certificate],
    anchors: Iterable[x509.Certificate],
    at: dt.datetime,
    max_depth: int = 8,
    max_signature_checks: int = 64,
) -> list[x509.Certificate]:
    """[leaf, ..., anchor]; raises UntrustedChain naming why no path exists."""
    anchors = list(anchors)
    anchor_der = {a.fingerprint(_SHA256) for a in anchors}
    by_subject: dict[bytes, list[tuple[x509.Certificate, bool]]] = defaultdict(list)
    for a in anchors:
        by_subject[a.subject.public_bytes()].append((a, True))
    seen: set[bytes] = set()
    for c in intermediates:
        fp = c.fingerprint(_SHA256)
        if fp in seen or fp in anchor_der:
            continue
        seen.add(fp)
        by_subject[c.subject.public_bytes()].append((c, False))

    if leaf.fingerprint(_SHA256) in anchor_der:
        return [leaf]

    budget = [max_signature_checks]
    reasons: list[tuple[str, str]] = []  # (reason code, text)

    def valid_at(c: x509.Certificate) -> bool:
        return c.not_valid_before_utc <= at <= c.not_valid_after_utc

    def extend(path: list[x509.Certificate]) -> list[x509.Certificate] | None:
        current = path[-1]
        if len(path) > max_depth:
            reasons.append(("too_deep", f"chain is deeper than {max_depth} certificates"))
            return None
        candidates = by_subject.get(current.issuer.public_bytes(), [])
        # Anchors first: the shortest path to trust wins.
        for cand, is_anchor in sorted(candidates, key=lambda t: not t[1]):
            if any(cand is p for p in path):
                continue
            if budget[0] <= 0:
                raise UntrustedChain(
                    f"gave up after {max_signature_checks} signature checks: the chain offers "
                    "too many candidate issuers (hostile or broken chain)",
                    reason="work_limit",
                )
            budget[0] -= 1
            if not _signed_by(current, cand):
                reasons.append((
                    "bad_signature",
                    f"'{current.subject.rfc4514_string()}' is not signed by the key of "
                    f"'{cand.subject.rfc4514_string()}'"))
                continue
            if not valid_at(cand):
                reasons.append((
                    "issuer_not_valid_now",
                    f"issuer '{cand.subject.rfc4514_string()}' is expired or not yet valid"))
                continue
            if is_anchor:
                return [*path, cand]
            if not _is_ca(cand):
                reasons.append(("issuer_not_ca",
                                f"'{cand.subject.rfc4514_string()}' is not a CA certificate"))
                continue
            found = extend([*path, cand])
            if found:
                return found
        return None

    path = extend([leaf])
    if path:
        return path
    if reasons:
        code, text = reasons[0]
        raise UntrustedChain(f"chain not trusted: {text}", reason=code)
    raise UntrustedChain(
        f"chain not trusted: no certificate in the trust store issued "
        f"'{_last_issuer(leaf, by_subject)}'; upload the CA root certificate to the trust "
        "store first",
        reason="issuer_not_found",
    )


def _last_issuer(leaf: x509.Certificate, by_subject: dict) -> str:  # type: ignore[type-arg]
    current = leaf
    for _ in range(8):
        nxt = by_subject.get(current.issuer.public_bytes())
        if not nxt:
            break
        current = nxt[0][0]
    return current.issuer.rfc4514_string()




