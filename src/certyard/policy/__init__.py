"""TLS policy: minimum TLS version, Cipher Management, HTTPS Ciphers option, FIPS mode and
Enhanced Security Mode. Other rooms import from here only."""

from __future__ import annotations

from certyard.policy.ciphers import HTTPS_PRIORITY, resolve_tls_ciphers, validate_ssh_string
from certyard.policy.enhanced import disable_enhanced, enable_enhanced, enhanced_status
from certyard.policy.fips import (
    disable_fips,
    enable_fips,
    fips_status,
    noncompliant_entries,
    openssl_fips_status,
)
from certyard.policy.presets import (
    SRTP_PRESETS,
    TLS_PRESETS,
    apply_tls_preset,
    get_srtp_preset,
    set_srtp_preset,
)
from certyard.policy.settings import TLS_DEFAULTS, load_tls
from certyard.policy.sslcontext import SSL_VERSIONS, build_server_ssl_context, tls_policy_stamp
from certyard.policy.tls import (
    CIPHER_INTERFACES,
    HTTPS_OPTIONS,
    TLS_VERSIONS,
    PolicyChange,
    cipher_report,
    effective_tls_string,
    get_tls_policy,
    set_cipher_string,
    set_https_cipher_option,
    set_min_version,
)

__all__ = [
    "CIPHER_INTERFACES",
    "HTTPS_OPTIONS",
    "HTTPS_PRIORITY",
    "SRTP_PRESETS",
    "SSL_VERSIONS",
    "TLS_DEFAULTS",
    "TLS_PRESETS",
    "TLS_VERSIONS",
    "PolicyChange",
    "apply_tls_preset",
    "build_server_ssl_context",
    "cipher_report",
    "disable_enhanced",
    "disable_fips",
    "effective_tls_string",
    "enable_enhanced",
    "enable_fips",
    "enhanced_status",
    "fips_status",
    "get_srtp_preset",
    "get_tls_policy",
    "load_tls",
    "noncompliant_entries",
    "openssl_fips_status",
    "resolve_tls_ciphers",
    "set_cipher_string",
    "set_https_cipher_option",
    "set_min_version",
    "set_srtp_preset",
    "tls_policy_stamp",
    "validate_ssh_string",
]
