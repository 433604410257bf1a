"""The node agent: enrolls with the server, pulls the node's desired state over mutual TLS
and applies it to a directory (atomic writes, 0600 keys, reloads, key shredding)."""

from __future__ import annotations

from certyard.agent.apply import ApplyResult, apply_state

__all__ = ["ApplyResult", "apply_state"]
