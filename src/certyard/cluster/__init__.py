"""The cluster: nodes (one publisher), and later the agent protocol and trust lists."""

from __future__ import annotations

from certyard.cluster.nodes import (
    InitResult,
    NodeView,
    add_node,
    init_cluster,
    list_nodes,
    remove_node,
)

__all__ = ["InitResult", "NodeView", "add_node", "init_cluster", "list_nodes", "remove_node"]
