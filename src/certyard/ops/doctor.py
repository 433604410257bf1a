"""``certyard doctor``: what breaks installations in practice, each finding with its severity
and the command that fixes it. The same report renders in the web UI.

Checks, in order (later ones need a reachable database at the expected schema):

    home_mode, master_key_mode,       files readable by others
    database_mode (SQLite)
    database, schema                  reachable; at this code's migration heads
    ca                                present, not expired or near expiry
    ui_certificate                    the publisher's tomcat certificate valid, names the FQDN
    urls                              CRL/OCSP/CA URLs embedded in issued certificates answer
    listener:<host:port>              TLS policy in force: refuses versions below the minimum,
                                      serves the current tomcat certificate
    jobs                              every background job ran within its interval, leases fresh
    outbox                            no e-mail stuck or failed
    agents                            every enrolled agent synced recently and without error

Severity: ``ok`` < ``warning`` < ``error``; any error makes the exit status 1.
"""

from __future__ import annotations

import datetime as dt
import stat
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from certyard.config import Settings

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["DoctorOptions", "Finding", "Report", "parse_listener", "run_doctor"]

SEVERITIES = ("ok", "warning", "error")
_LATER = ("ca", "ui_certificate", "urls", "listener", "jobs", "outbox", "agents")
_MAX_WARNING_DAYS = 3650


@dataclass(frozen=True, kw_only=True)
class Finding:
    check: str
    severity: str
    message: str
    fix: str = ""

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}")

    def to_dict(self) -> dict[str, str]:
        return {"check": self.check, "severity": self.severity, "message": self.message,
                "fix": self.fix}


@dataclass(frozen=True, kw_only=True)
class Report:
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.severity != "ok"]

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "errors": sum(f.severity == "error" for f in self.findings),
                "warnings": sum(f.severity == "warning" for f in self.findings),
                "findings": [f.to_dict() for f in self.findings]}


@dataclass(frozen=True, kw_only=True)
class DoctorOptions:
    listeners: tuple[str, ...] = ("localhost:8443",)  # host:port of HTTPS listeners
    expiry_warning_days: int = 30
    agent_stale_after: dt.timedelta = dt.timedelta(minutes=5)
    outbox_stuck_after: dt.timedelta = dt.timedelta(hours=1)
    job_grace: dt.timedelta = dt.timedelta(minutes=5)
    url_timeout: float = 5.0
    check_urls: bool = True
    now: dt.datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from certyard.errors import InvalidInput

        for listener in self.listeners:
            parse_listener(listener)
        if not 1 <= self.expiry_warning_days <= _MAX_WARNING_DAYS:
            raise InvalidInput(f"expiry-warning-days must be 1 to {_MAX_WARNING_DAYS}",
                               field="expiry_warning_days")
        if not dt.timedelta(minutes=1) <= self.agent_stale_after <= dt.timedelta(days=365):
            raise InvalidInput("agent-stale-minutes must be 1 to 525600",
                               field="agent_stale_minutes")


def parse_listener(listener: str) -> tuple[str, int]:
    """HOST:PORT ([IPv6]:PORT) of a TLS listener, port 1-65535 (InvalidInput otherwise)."""
    from certyard.errors import InvalidInput
    from certyard.ops.service import valid_host

    host, sep, port_s = listener.rpartition(":")
    bad = InvalidInput(f"listener {listener!r} must be HOST:PORT with a port 1-65535",
                       field="listener")
    if not sep or not port_s.isascii() or not port_s.isdigit() or not 1 <= int(port_s) <= 65535:
        raise bad
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        valid_host(host)
    except InvalidInput:
        raise bad from None
    return host, int(port_s)


def _mode_finding(check: str, path: Any, *, want: int, what: str) -> Finding:
    try:
        st = path.stat()
    except FileNotFoundError:
        return Finding(check=check, severity="error", message=f"{what} {path} does not exist",
                       fix="certyard init")
    except PermissionError:
        return Finding(check=check, severity="error",
                       message=f"{what} {path} cannot be read by this user",
                       fix="run as the service user (sudo -u certyard certyard doctor)")
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o077:
        return Finding(check=check, severity="error",
                       message=f"{what} {path} has mode {mode:04o}: other users can read it",
                       fix=f"chmod {want:o} {path}")
    return Finding(check=check, severity="ok", message=f"{what} {path} mode {mode:04o}")


def _files(settings: Settings) -> list[Finding]:
    out = [_mode_finding("home_mode", settings.home, want=0o700, what="home directory")]
    from certyard.db.failures import sqlite_file

    db_file = sqlite_file(settings.database_url)
    if db_file is not None:
        out.append(_mode_finding("database_mode", db_file, want=0o600, what="database file"))
    if settings.master_key_b64:
        out.append(Finding(check="master_key_mode", severity="ok",
                           message="master key comes from CERTYARD_MASTER_KEY (no file)"))
    else:
        out.append(_mode_finding("master_key_mode", settings.master_key_file, want=0o600,
                                 what="master key file"))
    return out


def _database(settings: Settings) -> tuple[list[Finding], Any]:

    from certyard.db.failures import database_failure, open_database
    from certyard.db.schema import schema_status

    try:
        engine = open_database(settings.database_url)
        shown = engine.url.render_as_string(hide_password=True)
        st = schema_status(engine)
    except Exception as exc:  # any failure to use the database is the finding itself
        failure = database_failure(exc, settings.database_url)
        if "engine" in locals():
            engine.dispose()
        return [Finding(check="database", severity="error", message=failure.message,
                        fix=getattr(failure, "fix", "") or "start the database server, or "
                        "correct CERTYARD_DATABASE_URL")], None
    found = [Finding(check="database", severity="ok", message=f"database {shown} answers")]
    fixes = {"behind": ("error", "older than this version expects", "certyard db upgrade"),
             "ahead": ("error", "newer than this version knows",
                       "install the certyard version that upgraded it"),
             "empty": ("error", "empty (not initialised)", "certyard init"),
             "unversioned": ("error", "missing: tables exist but no schema version — not a "
                             "certyard database or damaged", "restore a backup of the database"),
             "current": ("ok", "at this version's migration heads", "")}
    sev, text_, fix = fixes[st.state]
    found.append(Finding(check="schema", severity=sev, message=f"schema {text_}", fix=fix))
    if st.state != "current":
        engine.dispose()
        return found, None
    return found, engine


def run_doctor(settings: Settings, options: DoctorOptions | None = None,
               *, ctx: AppContext | None = None) -> Report:
    """Run every check; ``ctx`` (an open AppContext) is reused when the caller has one."""
    from certyard.ops import checks

    options = options or DoctorOptions()
    findings = _files(settings)
    if ctx is None:
        db_findings, engine = _database(settings)
        findings += db_findings
        if engine is None:
            return Report(findings=findings)
        if not settings.master_key_b64 and not settings.master_key_file.exists():
            engine.dispose()  # opening the store would make a new key: report instead
            return Report(findings=findings)
        from certyard.context import open_context

        opened = settings
        if any(f.check == "master_key_mode" and f.severity == "error" and "mode" in f.message
               for f in findings):
            # Already reported (with chmod 600 as the fix); a read-only diagnosis still reads
            # the key so that the other checks run.
            try:
                opened = replace(settings,
                                 master_key_b64=settings.master_key_file.read_text().strip())
            except OSError:
                pass
        try:
            ctx = open_context(opened, engine=engine)
        except Exception as exc:  # e.g. master key unreadable: report, do not crash
            engine.dispose()
            reason = " ".join(str(exc).split())[:300]
            if not any(f.check == "master_key_mode" and f.severity == "error"
                       for f in findings):
                findings.append(Finding(check="master_key", severity="error", message=reason,
                                        fix="restore the master key file, or set "
                                            "CERTYARD_MASTER_KEY"))
            findings.append(Finding(
                check="skipped", severity="warning",
                message=f"not run: {', '.join(_LATER)} (the store cannot be opened: {reason})",
                fix="fix the errors above, then run certyard doctor again"))
            return Report(findings=findings)
        own = True
    else:
        findings += [Finding(check="database", severity="ok", message="database answers"),
                     Finding(check="schema", severity="ok",
                             message="schema at this version's migration heads")]
        own = False
    now = options.now or ctx.clock.now()
    try:
        steps: list[Callable[..., list[Finding]]] = [
            checks.ca_check, checks.ui_certificate_check, checks.url_check,
            checks.listener_check, checks.jobs_check, checks.outbox_check,
            checks.agents_check]
        for step in steps:
            try:
                findings += step(ctx, options, now)
            except Exception as exc:  # one broken check must not hide the others
                findings.append(Finding(check=step.__name__.removesuffix("_check"),
                                        severity="error",
                                        message=f"check failed: {' '.join(str(exc).split())}"
                                        [:300], fix="certyard doctor --log-level debug"))
    finally:
        if own:
            ctx.engine.dispose()
    return Report(findings=findings)
