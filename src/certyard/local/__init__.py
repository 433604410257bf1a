"""The local host utility (seed 004 CiscoCertUtil) on one host directory."""

from __future__ import annotations

from certyard.local.hostdir import HostCertificate, HostDir, LocalResult

__all__ = ["HostCertificate", "HostDir", "LocalResult"]
