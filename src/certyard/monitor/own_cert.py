"""The certificate this server's own HTTPS listener serves (the publisher's ``tomcat`` and
``tomcat-ECDSA`` identities), what would replace it, and an alarm when it is revoked or
expired.

``certyard serve`` picks up a changed tomcat certificate within seconds (http/tls.py), so
anything that installs one on the publisher changes what every administrator's browser
sees. The UI asks before such an action (``served_certificate_change``) and shows the
result after; ``check_served_certificates`` raises ``ServedCertificateRevoked`` or
``ServedCertificateExpired`` (and clears them when the condition is gone).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from certyard.alarms import clear_alarm, raise_alarm
from certyard.db.models import Node, StoreEntry
from certyard.monitor.certstate import revocation_states

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = [
    "SERVED_PURPOSES",
    "ServedCertificate",
    "check_served_certificates",
    "served_certificate_change",
    "served_certificates",
    "served_change_for_request",
]

SERVED_PURPOSES = ("tomcat", "tomcat-ECDSA")
REVOKED_ALARM = "ServedCertificateRevoked"
EXPIRED_ALARM = "ServedCertificateExpired"


@dataclass(frozen=True, kw_only=True)
class ServedCertificate:
    entry_id: int
    purpose: str
    node: str
    subject: str
    issuer: str
    serial: str
    not_after: dt.datetime | None
    revocation: str  # good | revoked | hold | ... (certstate)
    expired: bool

    @property
    def problem(self) -> str:
        if self.revocation in ("revoked", "hold"):
            return "revoked" if self.revocation == "revoked" else "on hold"
        return "expired" if self.expired else ""


def _publisher(s: Any) -> Node | None:
    return s.scalars(select(Node).where(Node.is_publisher.is_(True))).first()


def served_certificates(ctx: AppContext) -> list[ServedCertificate]:
    now = ctx.clock.now()
    with ctx.read() as s:
        pub = _publisher(s)
        if pub is None:
            return []
        rows = list(s.scalars(select(StoreEntry).where(
            StoreEntry.type == "identity", StoreEntry.node_id == pub.id,
            StoreEntry.purpose.in_(SERVED_PURPOSES)).order_by(StoreEntry.purpose)))
        node = pub.name
    states = revocation_states(ctx, [r.id for r in rows])
    out = []
    for r in rows:
        na = r.not_after
        if na is not None and na.tzinfo is None:
            na = na.replace(tzinfo=dt.timezone.utc)
        out.append(ServedCertificate(
            entry_id=r.id, purpose=r.purpose, node=node, subject=r.subject,
            issuer=r.issuer or "", serial=r.serial or "", not_after=na,
            revocation=states[r.id].status if r.id in states else "unchecked",
            expired=na is not None and na < now))
    return out


def check_served_certificates(ctx: AppContext) -> list[ServedCertificate]:
    """Raise or clear the served-certificate alarms; returns the served certificates."""
    served = served_certificates(ctx)
    with ctx.transaction() as s:
        for c in served:
            obj = f"{c.purpose} on {c.node}"
            for alarm, bad in ((REVOKED_ALARM, c.problem in ("revoked", "on hold")),
                               (EXPIRED_ALARM, c.problem == "expired")):
                if bad:
                    raise_alarm(s, ctx, name=alarm, object=obj, severity="Critical",
                                message=f"this server's HTTPS listener serves {c.subject} "
                                        f"(serial {c.serial}), which is {c.problem}; install "
                                        f"a valid {c.purpose} certificate on {c.node}")
                else:
                    clear_alarm(s, ctx, name=alarm, object=obj)
    return served


def served_certificate_change(ctx: AppContext, *, purpose: str | None, node: str | None,
                              distribution: str = "single") -> str:
    """What installing a ``purpose`` certificate for ``node`` (or for every node, when
    multi-server) does to the certificate this server serves: a sentence, or "" when it
    does not touch it."""
    if purpose not in SERVED_PURPOSES:
        return ""
    with ctx.read() as s:
        pub = _publisher(s)
        if pub is None:
            return ""
        if distribution != "multi-server" and node not in (None, "", pub.name):
            return ""
        current = s.scalars(select(StoreEntry).where(
            StoreEntry.type == "identity", StoreEntry.node_id == pub.id,
            StoreEntry.purpose == purpose)).first()
        now_serving = current.subject if current is not None else "no certificate"
        how = "a multi-server certificate for every node, including" \
            if distribution == "multi-server" else "a new certificate on"
        return (f"This installs {how} {pub.name}, the node running this server: its HTTPS "
                f"listener (this admin UI and the API) will serve the new {purpose} "
                f"certificate instead of {now_serving} within seconds. Browsers that "
                f"pinned the old one will warn.")


def served_change_for_request(ctx: AppContext, purpose: str | None, node: str | None) -> str:
    """The same question for a CA request made from a node's CSR: its distribution is the
    CSR's (a multi-server CSR on any node installs on the publisher too)."""
    if purpose not in SERVED_PURPOSES or not node:
        return ""
    with ctx.read() as s:
        n = s.scalars(select(Node).where(Node.name == node)).first()
        dist = "single"
        if n is not None:
            csr = s.scalars(select(StoreEntry).where(
                StoreEntry.type == "csr", StoreEntry.purpose == purpose,
                StoreEntry.node_id == n.id)).first()
            dist = csr.distribution if csr is not None else "single"
    return served_certificate_change(ctx, purpose=purpose, node=node, distribution=dist)
