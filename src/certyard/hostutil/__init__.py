"""Host utilities: the local host utility (seed 004 CiscoCertUtil) on one host directory,
and the file writes every room relies on (atomic replace, key shredding)."""

from __future__ import annotations

from certyard.hostutil.files import atomic_write, check_shred_passes, shred_file
from certyard.hostutil.hostdir import HostCertificate, HostDir, LocalResult

__all__ = ["HostCertificate", "HostDir", "LocalResult", "atomic_write", "check_shred_passes",
           "shred_file"]
