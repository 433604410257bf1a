"""The built-in certificate authority: setup/import, profiles, the request queue with
pending/approve/deny, issuance, revocation, CRLs and the OCSP responder.

Other rooms (web/API, agent, jobs) import from here only. Errors are the usual
``certyard.errors`` types: InvalidCSR (broken signature), WeakAlgorithm (key below minimum),
PolicyViolation (a name the policy forbids), Duplicate (a second pending request for the
same key), NotFound (unknown request or serial), Conflict (wrong state), NotInitialised
(no CA yet), TokenUnavailable (the PKCS#11 token holding a CA key is gone).
"""

from __future__ import annotations

from certyard.ca.authority import (
    CA_KEY_SIZES,
    CaInfo,
    ca_key_size_help,
    export_ca,
    import_ca,
    init_ca,
)
from certyard.ca.config import CaSettings
from certyard.ca.crl import (
    REASONS,
    RevocationView,
    current_crl,
    refresh_crls,
    release_hold,
    revoke_certificate,
)
from certyard.ca.crl_delta import current_delta_crl
from certyard.ca.direct import IssuedNow, submit_and_issue, submit_and_issue_async
from certyard.ca.distribution import (
    Download,
    ca_settings,
    configure_ca,
    distribution,
    token_rule_warning,
)
from certyard.ca.issue import IssuedView
from certyard.ca.keys import CaKeyView, check_token_keys, describe_ca_keys
from certyard.ca.listeners import (
    ListenerSettings,
    embedded_urls,
    listener_settings,
    update_listeners,
    url_warnings,
)
from certyard.ca.ocsp import ocsp_cached, ocsp_respond, presign_responses
from certyard.ca.overview import CaCertificateView, CaOverview, ca_overview, issued_with_chain
from certyard.ca.profiles import PROFILES, Profile
from certyard.ca.requests import (
    RequestView,
    deny_request,
    issue_certificate_for_csr,
    issue_certificates_for_csrs,
    issue_request,
    list_issued,
    list_requests,
    show_issued,
    show_request,
    sign_pending,
    sign_pending_entry,
    submit_request,
    usable_profiles,
)
from certyard.ca.signing import TokenRef

generate_crl = current_crl  # the public name: the current CRL, regenerated when due

__all__ = [
    "CA_KEY_SIZES",
    "PROFILES",
    "REASONS",
    "CaCertificateView",
    "CaInfo",
    "CaKeyView",
    "CaOverview",
    "CaSettings",
    "Download",
    "IssuedNow",
    "IssuedView",
    "ListenerSettings",
    "Profile",
    "RequestView",
    "RevocationView",
    "TokenRef",
    "ca_key_size_help",
    "ca_overview",
    "ca_settings",
    "check_token_keys",
    "configure_ca",
    "current_crl",
    "current_delta_crl",
    "deny_request",
    "describe_ca_keys",
    "distribution",
    "embedded_urls",
    "export_ca",
    "generate_crl",
    "import_ca",
    "init_ca",
    "issue_certificate_for_csr",
    "issue_certificates_for_csrs",
    "issue_request",
    "issued_with_chain",
    "list_issued",
    "list_requests",
    "listener_settings",
    "ocsp_cached",
    "ocsp_respond",
    "presign_responses",
    "refresh_crls",
    "release_hold",
    "revoke_certificate",
    "show_issued",
    "show_request",
    "sign_pending",
    "sign_pending_entry",
    "submit_and_issue",
    "submit_and_issue_async",
    "submit_request",
    "token_rule_warning",
    "update_listeners",
    "url_warnings",
    "usable_profiles",
]
