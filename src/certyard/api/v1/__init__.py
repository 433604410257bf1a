"""REST API v1: JSON over HTTPS under ``/api/v1``. Each route calls one service function."""

from __future__ import annotations

from fastapi import APIRouter

from certyard.api.v1 import accounts, acme, agents, ca, monitor, policy, security, store

router = APIRouter(prefix="/api/v1")
router.include_router(store.router)
router.include_router(ca.router)
router.include_router(accounts.router)
router.include_router(security.router)
router.include_router(monitor.router)
router.include_router(policy.router)
router.include_router(agents.router)
router.include_router(acme.router)

__all__ = ["router"]
