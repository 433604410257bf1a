"""The CA's signer interface and its two implementations.

``Signer`` (a Protocol: ``sign(data)``, ``public_key()``, ``algorithm``,
``hash_algorithm``, ``location``) is all that issuance, CRL and OCSP code sees of a CA key.
``SealedFileSigner`` holds a key sealed under the master key; ``Pkcs11Signer`` reaches a
key that never leaves a PKCS#11 token. ``sign_certificate``/``sign_crl``/
``sign_ocsp_response`` sign ``cryptography`` builders with either.
"""

from __future__ import annotations

from certyard.ca.signing.assemble import (
    sign_certificate,
    sign_crl,
    sign_ocsp_response,
    signing_hash,
)
from certyard.ca.signing.base import KeyLocation, Signer, hash_for
from certyard.ca.signing.filekey import SealedFileSigner
from certyard.ca.signing.pkcs11 import (
    Pkcs11Signer,
    TokenRef,
    find_token_key,
    generate_token_key,
)
from certyard.ca.signing.stored import (
    is_token_row,
    location_of,
    open_signer,
    seal_token_ref,
    token_ref,
)

__all__ = [
    "KeyLocation",
    "Pkcs11Signer",
    "SealedFileSigner",
    "Signer",
    "TokenRef",
    "find_token_key",
    "generate_token_key",
    "hash_for",
    "is_token_row",
    "location_of",
    "open_signer",
    "seal_token_ref",
    "sign_certificate",
    "sign_crl",
    "sign_ocsp_response",
    "signing_hash",
    "token_ref",
]
