"""IPsec policies (seed 001 "IPSEC Management", seed 002 chapter 6): the fields and rules
of Table 4, FIPS-aware algorithm choices, and export as strongSwan swanctl.conf."""

from __future__ import annotations

from certyard.ipsec.algorithms import choices
from certyard.ipsec.policies import (
    IpsecPolicyView,
    add_policy,
    delete_policies,
    get_policy,
    list_policies,
    set_enabled,
    update_policy,
)
from certyard.ipsec.spec import IpsecPolicySpec
from certyard.ipsec.swanctl import SwanctlExport, export_swanctl

__all__ = ["IpsecPolicySpec", "IpsecPolicyView", "SwanctlExport", "add_policy", "choices",
           "delete_policies", "export_swanctl", "get_policy", "list_policies", "set_enabled",
           "update_policy"]
