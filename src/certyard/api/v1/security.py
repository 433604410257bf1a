"""REST routes for IPsec policies, bulk certificate management and the audit trail with
remote syslog. Each route calls one service function of ``certyard.ipsec``,
``certyard.bulk`` or ``certyard.audit``; errors are mapped in one place (certyard.http.errors)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from certyard import bulk, ipsec, syslog
from certyard.api.v1.common import ERRORS, Name
from certyard.audit import query as audit_query
from certyard.http.auth import Auth, require
from certyard.ipsec.spec import LIFETIME_BOUNDS

router = APIRouter(responses=ERRORS, tags=["security"])


PolicyRead = Annotated[Auth, Depends(require("policy:read"))]
PolicyCreate = Annotated[Auth, Depends(require("policy:create"))]
PolicyEdit = Annotated[Auth, Depends(require("policy:edit"))]
PolicyDelete = Annotated[Auth, Depends(require("policy:delete"))]
PolicyExec = Annotated[Auth, Depends(require("policy:execute"))]
SettingsRead = Annotated[Auth, Depends(require("settings:read"))]
SettingsEdit = Annotated[Auth, Depends(require("settings:edit"))]
CertRead = Annotated[Auth, Depends(require("certificates:read"))]
CertCreate = Annotated[Auth, Depends(require("certificates:create"))]
CertExec = Annotated[Auth, Depends(require("certificates:execute"))]
AuditRead = Annotated[Auth, Depends(require("audit:read"))]
AuditEdit = Annotated[Auth, Depends(require("audit:edit"))]

Port = Annotated[int, Field(ge=1, le=65535)]
# The spec's bounds (seed: 300-86,400 seconds), here too so the OpenAPI document says so.
Lifetime = Annotated[int, Field(ge=LIFETIME_BOUNDS[0], le=LIFETIME_BOUNDS[1])]
Choice = Annotated[str, Field(min_length=1, max_length=32)]


class PolicyFields(BaseModel):
    group_name: str | None = Field(None, max_length=64)
    # Choices in any letter case, read by the spec's own parse() as in the CLI and web.
    auth_method: Choice | None = Field(None, description="pre-shared-key or certificate")
    preshared_key: str | None = Field(None, max_length=128, description="write-only")
    peer_type: Choice | None = Field(None, description="same or different")
    destination_address: str | None = Field(None, max_length=253)
    destination_port: Port | None = None
    source_address: str | None = Field(None, max_length=253)
    source_port: Port | None = None
    mode: Choice | None = Field(None, description="transport or tunnel")
    remote_port: Port | None = None
    protocol: Choice | None = Field(None, description="TCP, UDP or Any")
    encryption_algorithm: str | None = Field(None, max_length=16)
    hash_algorithm: str | None = Field(None, max_length=16)
    esp_algorithm: str | None = Field(None, max_length=16)
    phase1_lifetime: Lifetime | None = None
    phase1_dh: int | None = Field(None, ge=0, le=64)
    phase2_lifetime: Lifetime | None = None
    phase2_dh: int | None = Field(None, ge=0, le=64)
    enabled: bool | None = None


class NewPolicy(PolicyFields):
    group_name: str = Field(..., min_length=1, max_length=64)  # type: ignore[assignment]
    name: str = Field(..., min_length=1, max_length=64)
    destination_address: str = Field(..., min_length=1, max_length=253)  # type: ignore[assignment]
    source_address: str = Field(..., min_length=1, max_length=253)  # type: ignore[assignment]


class PolicyNames(BaseModel):
    names: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        ..., min_length=1, max_length=1000)


@router.get("/ipsec/policies")
def list_ipsec_policies(auth: PolicyRead, group: str | None = Query(None, max_length=64)
                        ) -> list[dict[str, Any]]:
    return [v.to_dict() for v in ipsec.list_policies(auth.ctx, group=group)]


@router.get("/ipsec/algorithms")
def ipsec_algorithms(auth: PolicyRead) -> dict[str, Any]:
    return ipsec.choices()


@router.get("/ipsec/policies/{name}")
def show_ipsec_policy(name: Name, auth: PolicyRead) -> dict[str, Any]:
    return ipsec.get_policy(auth.ctx, name).to_dict()


@router.post("/ipsec/policies", status_code=201)
def add_ipsec_policy(body: NewPolicy, auth: PolicyCreate) -> dict[str, Any]:
    data = ipsec.IpsecPolicySpec.parse(body.model_dump(exclude_none=True))
    return ipsec.add_policy(auth.ctx, ipsec.IpsecPolicySpec.from_dict(data)).to_dict()


@router.patch("/ipsec/policies/{name}")
def edit_ipsec_policy(name: Name, body: PolicyFields, auth: PolicyEdit) -> dict[str, Any]:
    changes = ipsec.IpsecPolicySpec.parse(body.model_dump(exclude_none=True))
    return ipsec.update_policy(auth.ctx, name, **changes).to_dict()


@router.post("/ipsec/policies/delete")
def delete_ipsec_policies(body: PolicyNames, auth: PolicyDelete) -> dict[str, Any]:
    return {"deleted": ipsec.delete_policies(auth.ctx, body.names)}


@router.get("/ipsec/export/swanctl")
def export_ipsec_swanctl(auth: PolicyExec, node: str | None = Query(None, max_length=253)
                         ) -> dict[str, Any]:
    """swanctl.conf and certificate files (text) for one node; holds pre-shared keys."""
    res = ipsec.export_swanctl(auth.ctx, node=node)
    return {"policies": res.policies, "files": res.files}


class SftpIn(BaseModel):
    host: str = Field(..., min_length=1, max_length=253)
    port: Port = 22
    user_id: str = Field(..., min_length=1, max_length=128)
    directory: str = Field(..., min_length=1, max_length=1024)
    password: str | None = Field(None, max_length=1024, description="write-only")
    private_key: str | None = Field(None, max_length=65536, description="write-only")
    known_hosts: str | None = Field(None, max_length=65536)
    host_key_fingerprint: str | None = Field(None, max_length=128)


class ExportIn(BaseModel):
    scope: Literal["tomcat", "tftp", "all"]


class ImportIn(BaseModel):
    trust_stores: list[Annotated[str, Field(min_length=1, max_length=80)]] = Field(
        ..., min_length=1, max_length=50)


@router.get("/bulk/sftp")
def show_bulk_sftp(auth: SettingsRead) -> dict[str, Any]:
    return bulk.show_sftp(auth.ctx).to_dict()


@router.put("/bulk/sftp")
def configure_bulk_sftp(body: SftpIn, auth: SettingsEdit) -> dict[str, Any]:
    return bulk.configure_sftp(
        auth.ctx, host=body.host, port=body.port, user_id=body.user_id,
        directory=body.directory, password=body.password,
        private_key=body.private_key.encode() if body.private_key else None,
        known_hosts=body.known_hosts, host_key_fingerprint=body.host_key_fingerprint).to_dict()


@router.post("/bulk/export")
def bulk_export(body: ExportIn, auth: CertExec) -> dict[str, Any]:
    return bulk.export_certificates(auth.ctx, body.scope).to_dict()


@router.get("/bulk/exports")
def bulk_exports(auth: CertRead) -> list[str]:
    return bulk.list_exports(auth.ctx)


@router.get("/bulk/exports/{name}/preview")
def bulk_import_preview(name: Name, auth: CertRead) -> dict[str, Any]:
    return bulk.preview_import(auth.ctx, name).to_dict()


@router.post("/bulk/exports/{name}/import")
def bulk_import(name: Name, body: ImportIn, auth: CertCreate) -> dict[str, Any]:
    return bulk.import_trust_certificates(auth.ctx, name, body.trust_stores)


def _filter(actor: str | None, action: str | None, target: str | None,
            outcome: Literal["success", "failure"] | None, since: dt.datetime | None,
            until: dt.datetime | None, limit: int) -> audit_query.AuditFilter:
    return audit_query.AuditFilter(actor=actor, action=action, target=target, outcome=outcome,
                                   since=since, until=until, limit=limit)


class _Filters:
    def __init__(self, actor: str | None = Query(None, max_length=128),
                 action: str | None = Query(None, max_length=64),
                 target: str | None = Query(None, max_length=300),
                 outcome: Literal["success", "failure"] | None = None,
                 since: dt.datetime | None = None, until: dt.datetime | None = None,
                 limit: int = Query(100, ge=1, le=10_000)) -> None:
        self.value = (actor, action, target, outcome, since, until, limit)


@router.get("/audit/events")
def list_audit_events(auth: AuditRead, f: Annotated[_Filters, Depends()]
                      ) -> list[dict[str, Any]]:
    return [r.to_dict() for r in audit_query.list_events(auth.ctx, _filter(*f.value))]


@router.get("/audit/export", response_class=PlainTextResponse)
def export_audit_events(auth: AuditRead, f: Annotated[_Filters, Depends()],
                        format: Literal["csv", "json"] = "csv") -> PlainTextResponse:
    text = audit_query.export_events(auth.ctx, _filter(*f.value), fmt=format)
    media = "text/csv" if format == "csv" else "application/json"
    return PlainTextResponse(text, media_type=media)


@router.get("/audit/verify")
def verify_audit_trail(auth: AuditRead) -> dict[str, Any]:
    return audit_query.verify_chain(auth.ctx).to_dict()


class SyslogIn(BaseModel):
    host: str | None = Field(None, max_length=253)
    port: int | None = Field(None, ge=0, le=65535)
    protocol: Literal["tcp", "udp"] | None = None
    tls: bool | None = None
    enabled: bool | None = None


class ProtocolIn(BaseModel):
    protocol: Literal["tcp", "udp"]


@router.get("/syslog")
def show_syslog(auth: AuditRead) -> dict[str, Any]:
    return syslog.syslog_status(auth.ctx)


@router.put("/syslog")
def configure_remote_syslog(body: SyslogIn, auth: AuditEdit) -> dict[str, Any]:
    return syslog.configure_syslog(auth.ctx, host=body.host, port=body.port,
                                   protocol=body.protocol, tls=body.tls,
                                   enabled=body.enabled).to_dict()


@router.put("/syslog/protocol")
def set_syslog_protocol(body: ProtocolIn, auth: AuditEdit) -> dict[str, Any]:
    return syslog.set_protocol(auth.ctx, body.protocol).to_dict()
