"""Private keys at rest: AES-256-GCM under a master key kept outside the database."""

from __future__ import annotations

from certyard.sealing.master import MasterKey, load_or_create_master_key

__all__ = ["MasterKey", "load_or_create_master_key"]
