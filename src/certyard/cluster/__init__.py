"""The cluster: nodes (one publisher), the desired state per node, agent enrollment and
sync, the signed trust list, and secured connections."""

from __future__ import annotations

from certyard.cluster.agents import (
    AgentStatusView,
    EnrollResult,
    EnrollToken,
    create_enroll_token,
    enroll_agent,
    list_agent_status,
    report_status,
    set_open_enrollment,
    sync_state,
)
from certyard.cluster.connections import (
    ConnectionView,
    DirectionCheck,
    add_connection,
    check_connection,
    fix_connection,
    list_connections,
    remove_connection,
)
from certyard.cluster.desired import desired_state
from certyard.cluster.enrolled import EnrolledAgentView, list_enrolled_agents, revoke_agents
from certyard.cluster.jws import TrustListRejected, VerifiedList, accept_list, parse_list
from certyard.cluster.nodes import (
    InitResult,
    NodeView,
    add_node,
    init_cluster,
    list_nodes,
    remove_node,
)
from certyard.cluster.trustlist import (
    TrustListInfo,
    publish_trust_list,
    rollover_signer,
    trust_lists_after,
)

__all__ = [
    "AgentStatusView",
    "ConnectionView",
    "DirectionCheck",
    "EnrollResult",
    "EnrollToken",
    "EnrolledAgentView",
    "InitResult",
    "NodeView",
    "TrustListInfo",
    "TrustListRejected",
    "VerifiedList",
    "accept_list",
    "add_connection",
    "add_node",
    "check_connection",
    "create_enroll_token",
    "desired_state",
    "enroll_agent",
    "fix_connection",
    "init_cluster",
    "list_agent_status",
    "list_connections",
    "list_enrolled_agents",
    "list_nodes",
    "parse_list",
    "publish_trust_list",
    "remove_connection",
    "remove_node",
    "report_status",
    "revoke_agents",
    "rollover_signer",
    "set_open_enrollment",
    "sync_state",
    "trust_lists_after",
]
