"""Pure X.509 functions on `cryptography` objects: keys, names, parsing, building,
inspection and path building. No database, no HTTP."""

from __future__ import annotations

from certyard.x509.build import build_csr, build_self_signed, random_serial
from certyard.x509.chain import build_path
from certyard.x509.describe import (
    CertificateFacts,
    certificate_details,
    certificate_facts,
    csr_details,
    csr_facts,
    fingerprint,
)
from certyard.x509.keys import (
    generate_private_key,
    hash_algorithm,
    key_description,
    load_private_key,
    private_key_der,
    public_sha256,
)
from certyard.x509.names import (
    SubjectFields,
    check_common_name,
    check_dns_name,
    check_no_wildcard,
    parse_san,
    san_strings,
)
from certyard.x509.parse import check_size, load_certificates, load_csr

__all__ = [
    "CertificateFacts",
    "SubjectFields",
    "build_csr",
    "build_path",
    "build_self_signed",
    "certificate_details",
    "certificate_facts",
    "check_common_name",
    "check_dns_name",
    "check_no_wildcard",
    "check_size",
    "csr_details",
    "csr_facts",
    "fingerprint",
    "generate_private_key",
    "hash_algorithm",
    "key_description",
    "load_certificates",
    "load_csr",
    "load_private_key",
    "parse_san",
    "private_key_der",
    "public_sha256",
    "random_serial",
    "san_strings",
]
