"""Endpoints served on the plain-HTTP listener without login: CA certificate and chain
downloads, the CRL and the OCSP responder. Filled in by the certificate authority room;
mounted by ``certyard serve``."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
