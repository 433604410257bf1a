"""REST routes of the monitor: Certificate Monitor settings, SMTP (the password is
write-only) with a test mail, revocation settings and checks, the alarm log with alert
actions, the expiry scan and the e-mail outbox. Each route calls one ``certyard.monitor``
service function; errors are mapped in one place (certyard.http.errors).
"""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from certyard import alarms, monitor
from certyard.api.v1.common import ERRORS, Id
from certyard.http.auth import Auth, require

__all__ = ["router"]

log = logging.getLogger(__name__)
router = APIRouter(responses=ERRORS, tags=["monitoring"])

MonRead = Annotated[Auth, Depends(require("monitoring:read"))]
MonEdit = Annotated[Auth, Depends(require("monitoring:edit"))]
MonExec = Annotated[Auth, Depends(require("monitoring:execute"))]

Unit = Literal["hours", "days"]
Email = Annotated[str, Field(min_length=3, max_length=254)]


class MonitorIn(BaseModel):
    """Certificate Monitor (seed Table 3); fields not given keep their value."""

    notification_start_days: int | None = Field(None, ge=1, le=3650,
                                                description="Notification Start Time (days)")
    notification_frequency: int | None = Field(None, ge=1, le=10000)
    notification_frequency_unit: Unit | None = None
    email_enabled: bool | None = Field(None, description="Enable E-mail Notification")
    email_ids: list[Email] | None = Field(None, max_length=100, description="Email IDs")


class SmtpIn(BaseModel):
    host: str | None = Field(None, max_length=253)
    port: int | None = Field(None, ge=1, le=65535)
    security: Literal["none", "starttls", "tls"] | None = None
    username: str | None = Field(None, max_length=256)
    password: str | None = Field(None, max_length=1024,
                                 description="write-only; empty string removes it")
    sender: str | None = Field(None, min_length=3, max_length=254)
    timeout_seconds: int | None = Field(None, ge=1, le=300)


class TestMailIn(BaseModel):
    to: list[Email] = Field(..., min_length=1, max_length=20)


class RevocationIn(BaseModel):
    ocsp_enabled: bool | None = Field(None, description="Enable OCSP")
    ocsp_uri_source: Literal["certificate", "configured"] | None = Field(
        None, description="Use OCSP URI from Certificate, or Use configured OCSP URI")
    ocsp_configured_uri: str | None = Field(None, max_length=2048)
    revocation_check_enabled: bool | None = Field(None, description="Enable Revocation Check")
    check_every: int | None = Field(None, ge=1, le=10000)
    check_every_unit: Unit | None = None
    timeout_seconds: int | None = Field(None, ge=1, le=120)
    crl_fallback: bool | None = None
    allowed_destinations: list[Annotated[str, Field(max_length=253)]] | None = Field(
        None, max_length=200, description="hosts, .domains or CIDR networks that OCSP/CRL "
        "URLs from certificates may reach besides public addresses")


class CheckIn(BaseModel):
    entry_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] | None = Field(
        None, max_length=10000, description="only these store entries; default all")


class AlertActionIn(BaseModel):
    recipients: list[Email] | None = Field(None, max_length=100)
    enabled: bool | None = None
    alarm: str | None = Field(None, min_length=1, max_length=64,
                              description="route this alarm to the action")


def _changes(body: BaseModel) -> dict[str, Any]:
    return body.model_dump(exclude_none=True)


@router.get("/monitor/settings")
def get_monitor_settings(auth: MonRead) -> dict[str, Any]:
    return monitor.get_monitor_settings(auth.ctx).to_dict()


@router.put("/monitor/settings")
def set_monitor_settings(body: MonitorIn, auth: MonEdit) -> dict[str, Any]:
    saved = monitor.update_monitor_settings(auth.ctx, **_changes(body)).to_dict()
    return {**saved, "warnings": monitor.settings_warnings(auth.ctx)}


@router.post("/monitor/expiry/scan")
def run_expiry_scan(auth: MonExec) -> dict[str, Any]:
    """Run the expiry scan now; a notice is still sent once per frequency period."""
    return monitor.scan_expiry(auth.ctx).to_dict()


@router.get("/monitor/smtp")
def get_smtp_settings(auth: MonRead) -> dict[str, Any]:
    """The password is never returned; ``password_set`` says whether one is stored."""
    return monitor.get_smtp_settings(auth.ctx).to_dict()


@router.put("/monitor/smtp")
def set_smtp_settings(body: SmtpIn, auth: MonEdit) -> dict[str, Any]:
    return monitor.update_smtp_settings(auth.ctx, **_changes(body)).to_dict()


@router.post("/monitor/smtp/test")
def send_test_mail(body: TestMailIn, auth: MonExec) -> dict[str, Any]:
    """Send a test mail now; an SMTP failure comes back with the server's reason."""
    return monitor.send_test_mail(auth.ctx, to=body.to)


@router.get("/monitor/revocation")
def get_revocation_settings(auth: MonRead) -> dict[str, Any]:
    return monitor.get_revocation_settings(auth.ctx).to_dict()


@router.put("/monitor/revocation")
def set_revocation_settings(body: RevocationIn, auth: MonEdit) -> dict[str, Any]:
    saved = monitor.update_revocation_settings(auth.ctx, **_changes(body)).to_dict()
    return {**saved, "warnings": monitor.settings_warnings(auth.ctx)}


@router.post("/monitor/revocation/check")
def run_revocation_checks(auth: MonExec, body: CheckIn | None = None) -> dict[str, Any]:
    """Check now, also when scheduled checking is disabled (an explicit request)."""
    ids = body.entry_ids if body else None
    return monitor.run_revocation_checks(auth.ctx, force=True, entry_ids=ids).to_dict()


@router.get("/monitor/revocation/statuses")
def list_revocation_statuses(auth: MonRead) -> list[dict[str, Any]]:
    return [v.to_dict() for v in monitor.list_revocation_statuses(auth.ctx)]


@router.get("/monitor/revocation/statuses/{entry_id}")
def show_revocation_status(entry_id: Id, auth: MonRead) -> dict[str, Any]:
    return monitor.revocation_status_of(auth.ctx, entry_id).to_dict()


@router.get("/monitor/outbox")
def list_outbox(auth: MonRead, status: Literal["pending", "sent"] | None = None,
                limit: int = Query(200, ge=1, le=10000)) -> list[dict[str, Any]]:
    return [m.to_dict() for m in monitor.list_outbox(auth.ctx, status=status, limit=limit)]


@router.post("/monitor/outbox/deliver")
def deliver_outbox(auth: MonExec) -> dict[str, Any]:
    return monitor.deliver_outbox(auth.ctx).to_dict()


@router.get("/alarms")
def list_alarms(
    auth: MonRead, active: bool = Query(False, description="only alarms not cleared"),
    name: str | None = Query(None, max_length=64),
    object: str | None = Query(None, max_length=300, description="object contains"),
    severity: str | None = Query(None, max_length=16),
    limit: int = Query(500, ge=1, le=10000),
) -> list[dict[str, Any]]:
    """The alarm log, newest first."""
    rows = alarms.list_alarms(auth.ctx, active_only=active, name=name,
                               object_contains=object, limit=limit)
    return [a.to_dict() for a in rows if severity is None or a.severity == severity]


@router.get("/alarms/{alarm_id}")
def show_alarm(alarm_id: Id, auth: MonRead) -> dict[str, Any]:
    return alarms.get_alarm(auth.ctx, alarm_id).to_dict()


@router.post("/alarms/{alarm_id}/clear")
def clear_alarm(alarm_id: Id, auth: MonEdit) -> dict[str, Any]:
    return alarms.clear_alarm_by_id(auth.ctx, alarm_id).to_dict()


@router.get("/alert-actions")
def get_alert_actions(auth: MonRead) -> dict[str, Any]:
    """Alert actions (recipients, enabled) and which alarm uses which (else "Default")."""
    return alarms.get_alert_actions(auth.ctx).to_dict()


@router.put("/alert-actions/{name}")
def set_alert_action(name: Annotated[str, Path(min_length=1, max_length=64)],
                     body: AlertActionIn, auth: MonEdit) -> dict[str, Any]:
    return alarms.update_alert_actions(auth.ctx, action=name, recipients=body.recipients,
                                        enabled=body.enabled, alarm=body.alarm).to_dict()


class MetricsAllowlistIn(BaseModel):
    networks: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        ..., max_length=100, description="addresses or CIDR networks; [] lets nobody in "
                                         "by address")


@router.get("/monitor/metrics-allowlist")
def get_metrics_allowlist(auth: MonRead) -> dict[str, Any]:
    """Addresses that may read /metrics without credentials (e.g. a Prometheus server)."""
    from certyard.monitor import scrape_access

    return {"networks": scrape_access.get_metrics_allowlist(auth.ctx)}


@router.put("/monitor/metrics-allowlist")
def set_metrics_allowlist(body: MetricsAllowlistIn, auth: MonEdit) -> dict[str, Any]:
    from certyard.monitor import scrape_access

    return {"networks": scrape_access.set_metrics_allowlist(auth.ctx, body.networks)}
