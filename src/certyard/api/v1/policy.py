"""TLS policy, FIPS / Enhanced Security Mode, TLS endpoint probes and offline validation.

Mounted by ``certyard.api.v1`` (``router.include_router(policy.router)``). Each route calls
one service function of ``certyard.policy`` / ``certyard.probe``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from certyard import policy, probe
from certyard.api.v1.common import ERRORS, upload_bytes
from certyard.http.auth import Auth, require

router = APIRouter(responses=ERRORS, tags=["policy"])
Read = Annotated[Auth, Depends(require("policy:read"))]
Edit = Annotated[Auth, Depends(require("policy:edit"))]
Execute = Annotated[Auth, Depends(require("policy:execute"))]
_LIMIT = 4 * 1024 * 1024


class MinVersion(BaseModel):
    version: Literal["1.0", "1.1", "1.2", "1.3"]


class CipherString(BaseModel):
    string: str | None = Field(None, max_length=2000, description="null or '' clears it")


class HttpsOption(BaseModel):
    option: Literal["rsa-only", "ec-and-rsa"]


class FipsEnable(BaseModel):
    regenerate: bool = False


class ProbeRequest(BaseModel):
    target: str = Field(..., max_length=300, description="HOST:PORT")
    sni: str | None = Field(None, max_length=253)
    starttls: Literal["smtp", "imap", "ldap"] | None = None
    trust_store: str = Field("tomcat-trust", max_length=80)
    untrusted: str | None = Field(None, max_length=1_500_000)


class ProbeTargetIn(BaseModel):
    target: str = Field(..., max_length=300)
    name: str | None = Field(None, max_length=200)
    node: str | None = Field(None, max_length=253)
    sni: str | None = Field(None, max_length=253)
    starttls: Literal["smtp", "imap", "ldap"] | None = None
    trust_store: str = Field("tomcat-trust", max_length=80)


class VerifyRequest(BaseModel):
    certificate: str = Field(..., min_length=1, max_length=1_500_000)
    untrusted: str | None = Field(None, max_length=1_500_000)
    trust_store: str | None = Field(None, max_length=80)
    trusted: str | None = Field(None, max_length=1_500_000)
    hostname: str | None = Field(None, max_length=253)
    at: dt.datetime | None = None
    purpose: Literal["server", "client"] = "server"


@router.get("/policy/tls")
def show_tls(auth: Read) -> dict[str, Any]:
    """Minimum TLS version, HTTPS Ciphers option and per-interface resolved ciphers."""
    return policy.cipher_report(auth.ctx)


@router.put("/policy/tls/min-version")
def set_min_version(body: MinVersion, auth: Edit) -> dict[str, Any]:
    return policy.set_min_version(auth.ctx, body.version).to_dict()


@router.put("/policy/tls/ciphers/{interface}")
def set_ciphers(interface: Literal["all", "https", "sip", "ssh-ciphers", "ssh-kex", "ssh-mac"],
                body: CipherString, auth: Edit) -> dict[str, Any]:
    return policy.set_cipher_string(auth.ctx, interface, body.string).to_dict()


@router.put("/policy/tls/https-ciphers")
def set_https_ciphers(body: HttpsOption, auth: Edit) -> dict[str, Any]:
    return policy.set_https_cipher_option(auth.ctx, body.option).to_dict()


class PresetIn(BaseModel):
    preset: str = Field(..., min_length=1, max_length=64)


@router.put("/policy/tls/ciphers/{interface}/preset")
def set_cipher_preset(interface: Literal["all", "https", "sip"], body: PresetIn,
                      auth: Edit) -> dict[str, Any]:
    """Set an interface's cipher string to one of the seed's TLS Ciphers presets."""
    return policy.apply_tls_preset(auth.ctx, interface, body.preset).to_dict()


@router.get("/policy/tls/srtp-ciphers")
def get_srtp_ciphers(auth: Read) -> dict[str, Any]:
    return policy.get_srtp_preset(auth.ctx)


@router.put("/policy/tls/srtp-ciphers")
def set_srtp_ciphers(body: PresetIn, auth: Edit) -> dict[str, Any]:
    return policy.set_srtp_preset(auth.ctx, body.preset).to_dict()


@router.get("/policy/fips")
def fips_status(auth: Read) -> dict[str, Any]:
    return policy.fips_status(auth.ctx).to_dict()


@router.post("/policy/fips/enable")
def fips_enable(body: FipsEnable, auth: Edit) -> dict[str, Any]:
    return policy.enable_fips(auth.ctx, regenerate=body.regenerate).to_dict()


@router.post("/policy/fips/disable")
def fips_disable(auth: Edit) -> dict[str, Any]:
    return policy.disable_fips(auth.ctx).to_dict()


class SecurityPasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: str = Field(..., min_length=1, max_length=127)
    current: str | None = Field(None, max_length=127)


@router.get("/policy/security-password")
def security_password_status(auth: Read) -> dict[str, Any]:
    """Whether the security password is set and long enough for FIPS mode (never the
    password)."""
    from certyard import backup

    return backup.security_password_status(auth.ctx).to_dict()


@router.put("/policy/security-password")
def set_security_password(body: SecurityPasswordIn, auth: Edit) -> dict[str, Any]:
    from certyard import backup

    return backup.set_security_password(auth.ctx, body.password, current=body.current)


@router.get("/policy/enhanced-security")
def enhanced_status(auth: Read) -> dict[str, Any]:
    return policy.enhanced_status(auth.ctx)


@router.post("/policy/enhanced-security/enable")
def enhanced_enable(auth: Edit) -> dict[str, Any]:
    return policy.enable_enhanced(auth.ctx)


@router.post("/policy/enhanced-security/disable")
def enhanced_disable(auth: Edit) -> dict[str, Any]:
    return policy.disable_enhanced(auth.ctx)


@router.post("/probe")
def run_probe(body: ProbeRequest, auth: Execute) -> dict[str, Any]:
    """The TLS endpoint check of one HOST:PORT."""
    extra = upload_bytes(body.untrusted, _LIMIT, "untrusted") if body.untrusted else None
    return probe.probe_endpoint(auth.ctx, body.target, sni=body.sni, starttls=body.starttls,
                                trust_store=body.trust_store, untrusted=extra).to_dict()


@router.get("/probes")
def list_probe_targets(auth: Read) -> list[dict[str, Any]]:
    return probe.latest_results(auth.ctx)


@router.post("/probes")
def add_probe_target(body: ProbeTargetIn, auth: Edit) -> dict[str, Any]:
    return probe.add_target(auth.ctx, body.target, name=body.name, node=body.node,
                            sni=body.sni, starttls=body.starttls,
                            trust_store=body.trust_store).to_dict()


@router.delete("/probes/{name}")
def remove_probe_target(name: str, auth: Edit) -> dict[str, Any]:
    probe.remove_target(auth.ctx, name)
    return {"removed": name}


@router.post("/probes/run")
def run_probe_inventory(auth: Execute) -> dict[str, Any]:
    return probe.run_probes(auth.ctx)


@router.post("/certificates/verify", tags=["certificates"])
def verify_certificate(body: VerifyRequest, auth: Read) -> dict[str, Any]:
    """Offline validation of a chain, as a TLS client would."""
    return probe.verify_files(
        auth.ctx, upload_bytes(body.certificate, _LIMIT, "certificate"),
        untrusted=upload_bytes(body.untrusted, _LIMIT, "untrusted") if body.untrusted else None,
        trust_store=body.trust_store,
        trusted=upload_bytes(body.trusted, _LIMIT, "trusted") if body.trusted else None,
        hostname=body.hostname, at=body.at, purpose=body.purpose).to_dict()
