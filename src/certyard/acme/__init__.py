"""The ACME server (RFC 8555, RFC 8737, RFC 8738, RFC 9773): directories per profile,
External Account Binding, accounts, orders, challenges, finalize through the CA's request
queue (so approval, audit, expiry monitoring and revocation apply), revocation and ARI.

Management (CLI, API, web) imports from here: profiles, EAB keys, accounts, orders and
settings. The protocol itself is served by ``certyard.api.acme`` on
``certyard.acme.protocol``. Errors: ``AcmeProblem(acme_type)`` for the protocol, the usual
``certyard.errors`` types for management.
"""

from __future__ import annotations

from certyard.acme.admin import (
    AccountView,
    OrderView,
    deactivate_account,
    list_accounts,
    list_orders,
    show_order,
)
from certyard.acme.eab import (
    EabKeyCreated,
    EabKeyView,
    create_eab_key,
    list_eab_keys,
    revoke_eab_key,
)
from certyard.acme.problems import AcmeProblem
from certyard.acme.profiles import (
    APPROVALS,
    ProfileView,
    add_profile,
    directory_url,
    list_profiles,
    remove_profile,
    show_profile,
    update_profile,
)
from certyard.acme.settings import AcmeSettings, acme_settings, update_acme_settings

__all__ = [
    "APPROVALS",
    "AccountView",
    "AcmeProblem",
    "AcmeSettings",
    "EabKeyCreated",
    "EabKeyView",
    "OrderView",
    "ProfileView",
    "acme_settings",
    "add_profile",
    "create_eab_key",
    "deactivate_account",
    "directory_url",
    "install_hooks",
    "list_accounts",
    "list_eab_keys",
    "list_orders",
    "list_profiles",
    "remove_profile",
    "revoke_eab_key",
    "show_order",
    "show_profile",
    "update_acme_settings",
    "update_profile",
]


def install_hooks() -> None:
    """An administrator's plain approval of an ACME request issues the profile's
    lifetime (the CA asks the rooms that queue requests)."""
    from certyard.acme.finalize import requested_days
    from certyard.ca.requests import REQUEST_DAYS_HOOKS

    if requested_days not in REQUEST_DAYS_HOOKS:
        REQUEST_DAYS_HOOKS.append(requested_days)
