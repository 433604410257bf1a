"""Certificates, CSRs, trust stores, purposes and nodes."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from certyard import cluster, store
from certyard.api.v1.common import ERRORS, Id, Name, Upload, upload_bytes
from certyard.http.auth import Auth, require
from certyard.http.params import attachment
from certyard.x509 import SubjectFields

router = APIRouter(responses=ERRORS)
Read = Annotated[Auth, Depends(require("certificates:read"))]


@router.get("/certificates", tags=["certificates"])
def list_certificates(
    auth: Read,
    node: Annotated[str | None, Query(max_length=253)] = None,
    purpose: Annotated[str | None, Query(max_length=64)] = None,
    type: Literal["identity", "trust", "csr"] | None = None,
    find: Annotated[str | None, Query(max_length=256)] = None,
    expiring_before: dt.date | None = None,
    sort: Literal["common_name", "expiration", "purpose", "type", "created", "id"] = "common_name",
    desc: bool = False,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> dict[str, Any]:
    """The Certificate List with the Find controls, paginated."""
    before = (dt.datetime.combine(expiring_before, dt.time(), tzinfo=dt.timezone.utc)
              if expiring_before else None)
    return store.find_entries(auth.ctx, node=node, purpose=purpose, type=type, text=find,
                              expiring_before=before, sort=sort, descending=desc, page=page,
                              page_size=page_size).to_dict()


@router.get("/certificates/{entry_id}", tags=["certificates"])
def show_certificate(entry_id: Id, auth: Read) -> dict[str, Any]:
    """Certificate Details with the SHA-512 checksum."""
    return store.show_entry(auth.ctx, entry_id)


@router.get("/certificates/{entry_id}/download", tags=["certificates"],
            response_class=Response)
def download_certificate(entry_id: Id, auth: Read,
                         format: Literal["pem", "der"] = "pem") -> Response:
    name, data = store.download_entry(auth.ctx, entry_id, format=format)
    media = "application/x-pem-file" if format == "pem" else "application/pkix-cert"
    return Response(data, media_type=media,
                    headers={"Content-Disposition": attachment(name)})


@router.delete("/certificates/{entry_id}", tags=["certificates"])
def delete_certificate(
    entry_id: Id, auth: Annotated[Auth, Depends(require("certificates:delete"))],
) -> dict[str, Any]:
    return store.delete_entry(auth.ctx, entry_id)


class SelfSigned(BaseModel):
    purpose: str = Field(..., min_length=1, max_length=64)
    node: str | None = Field(None, max_length=253)
    key_length: int | None = Field(None, ge=256, le=8192)
    hash: str | None = Field(None, max_length=16)


@router.post("/certificates/self-signed", tags=["certificates"], status_code=201)
def generate_self_signed(
    body: SelfSigned, auth: Annotated[Auth, Depends(require("certificates:create"))],
) -> dict[str, Any]:
    return store.generate_self_signed(auth.ctx, body.purpose, node=body.node,
                                      key_length=body.key_length,
                                      hash_name=body.hash).to_dict()


class IdentityUpload(Upload):
    purpose: str = Field(..., min_length=1, max_length=64)
    node: str | None = Field(None, max_length=253)


@router.post("/certificates/upload", tags=["certificates"], status_code=201)
def upload_certificate(
    body: IdentityUpload, auth: Annotated[Auth, Depends(require("certificates:create"))],
    tasks: BackgroundTasks,
) -> dict[str, Any]:
    """Upload a signed certificate or chain for a purpose (checked against its CSR key)."""
    data = upload_bytes(body.data, auth.ctx.settings.max_upload_bytes)
    r = store.upload_identity_certificate(auth.ctx, body.purpose, data, node=body.node,
                                          description=body.description,
                                          after=tasks.add_task)  # checks after the answer
    return r.to_dict()


@router.post("/trust-stores/{trust_store}/certificates", tags=["certificates"],
             status_code=201)
def upload_trust(
    trust_store: Name, body: Upload,
    auth: Annotated[Auth, Depends(require("certificates:create"))], tasks: BackgroundTasks,
) -> dict[str, Any]:
    data = upload_bytes(body.data, auth.ctx.settings.max_upload_bytes)
    r = store.upload_trust_certificates(auth.ctx, trust_store, data,
                                        description=body.description,
                                        after=tasks.add_task)  # checks after the answer
    return r.to_dict()


class CsrRequest(BaseModel):
    purpose: str = Field(..., min_length=1, max_length=64)
    node: str | None = Field(None, max_length=253)
    distribution: Literal["single", "multi-server"] = "single"
    common_name: str | None = Field(None, max_length=64)
    sans: list[Annotated[str, Field(max_length=253)]] = Field(default_factory=list,
                                                              max_length=100)
    key_length: int | None = Field(None, ge=256, le=8192)
    hash: str | None = Field(None, max_length=16)
    organization: str = Field("", max_length=64)
    organizational_unit: str = Field("", max_length=64)
    locality: str = Field("", max_length=128)
    state: str = Field("", max_length=128)
    country: str = Field("", max_length=2)


class SubjectDefaults(BaseModel):
    model_config = ConfigDict(extra="forbid")
    organization: str | None = Field(None, max_length=64)
    organizational_unit: str | None = Field(None, max_length=64)
    locality: str | None = Field(None, max_length=128)
    state: str | None = Field(None, max_length=128)
    country: str | None = Field(None, max_length=2)


@router.get("/csr-defaults", tags=["certificates"])
def get_csr_defaults(auth: Read) -> dict[str, Any]:
    from certyard.store.subject import get_subject_defaults

    return get_subject_defaults(auth.ctx).to_dict()


@router.put("/csr-defaults", tags=["certificates"])
def put_csr_defaults(
    body: SubjectDefaults, auth: Annotated[Auth, Depends(require("certificates:create"))],
) -> dict[str, Any]:
    from certyard.store.subject import set_subject_defaults

    return set_subject_defaults(auth.ctx, body.model_dump()).to_dict()


@router.post("/csrs", tags=["certificates"], status_code=201)
def generate_csr(
    body: CsrRequest, auth: Annotated[Auth, Depends(require("certificates:create"))],
) -> dict[str, Any]:
    return store.generate_csr(auth.ctx, body.purpose, node=body.node,
                              distribution=body.distribution, common_name=body.common_name,
                              sans=body.sans, key_length=body.key_length,
                              hash_name=body.hash, subject=SubjectFields(
                                  organization=body.organization,
                                  organizational_unit=body.organizational_unit,
                                  locality=body.locality, state=body.state,
                                  country=body.country)).to_dict()


@router.get("/csrs/{purpose}", tags=["certificates"], response_class=Response)
def download_csr(purpose: Name, auth: Read,
                 node: Annotated[str | None, Query(max_length=253)] = None) -> Response:
    name, pem = store.download_csr(auth.ctx, purpose, node=node)
    return Response(pem, media_type="application/pkcs10",
                    headers={"Content-Disposition": attachment(name)})


@router.get("/purposes", tags=["certificates"])
def list_purposes(auth: Read) -> list[dict[str, Any]]:
    return [p.to_dict() for p in store.list_purposes(auth.ctx)]


class PurposeIn(BaseModel):
    """Left out: the defaults of ``PurposeSpec.parse`` (the same in CLI, API and web)."""

    name: str = Field(..., min_length=1, max_length=64)
    key_type: Literal["RSA", "EC", "rsa", "ec"] = "RSA"
    key_lengths: list[int] | None = Field(None, min_length=1, max_length=8,
                                          description="default 2048, 3072, 4096")
    default_key_length: int | None = Field(None, description="default: the first length")
    hashes: list[Annotated[str, Field(max_length=16)]] | None = Field(
        None, min_length=1, max_length=8, description="default SHA256, SHA384, SHA512")
    default_hash: str | None = Field(None, max_length=16,
                                     description="default: the first hash")
    multi_server: bool = False
    services: list[Annotated[str, Field(max_length=64)]] = Field(default_factory=list,
                                                                 max_length=20)
    description: str = Field("", max_length=300)


@router.post("/purposes", tags=["certificates"], status_code=201)
def add_purpose(body: PurposeIn,
                auth: Annotated[Auth, Depends(require("certificates:create"))]) -> dict[str, Any]:
    """Add a purpose by configuration; every node gets a self-signed identity for it."""
    spec = store.PurposeSpec.parse(body.model_dump())
    return store.add_purpose(auth.ctx, spec).to_dict()


@router.get("/nodes", tags=["nodes"])
def list_nodes(auth: Annotated[Auth, Depends(require("nodes:read"))]) -> list[dict[str, Any]]:
    return [n.to_dict() for n in cluster.list_nodes(auth.ctx)]


class NodeIn(BaseModel):
    name: str = Field(..., min_length=1, max_length=64)
    fqdn: str = Field(..., min_length=1, max_length=253)
    ip: str | None = Field(None, max_length=45)


@router.post("/nodes", tags=["nodes"], status_code=201)
def add_node(body: NodeIn,
             auth: Annotated[Auth, Depends(require("nodes:create"))]) -> dict[str, Any]:
    return cluster.add_node(auth.ctx, body.name, fqdn=body.fqdn, ip=body.ip).to_dict()


@router.delete("/nodes/{name}", tags=["nodes"])
def remove_node(name: Name,
                auth: Annotated[Auth, Depends(require("nodes:delete"))]) -> dict[str, Any]:
    return cluster.remove_node(auth.ctx, name).to_dict()
