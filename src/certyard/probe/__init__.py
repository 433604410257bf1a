"""TLS endpoint checks and offline chain validation. Other rooms import from here only."""

from __future__ import annotations

from certyard.probe.check import FLAGS, ProbeReport, check_endpoint, check_endpoints
from certyard.probe.inventory import (
    TargetView,
    add_target,
    latest_results,
    list_targets,
    remove_target,
    run_probes,
)
from certyard.probe.service import probe_endpoint, trust_anchors, verify_files
from certyard.probe.verify import VerifyResult, verify_chain

__all__ = ["FLAGS", "ProbeReport", "TargetView", "VerifyResult", "add_target",
           "check_endpoint", "check_endpoints", "latest_results", "list_targets",
           "probe_endpoint", "remove_target", "run_probes", "trust_anchors", "verify_chain",
           "verify_files"]
