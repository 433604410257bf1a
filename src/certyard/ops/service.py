"""systemd units for the server, the agent API listener and the node agent, rendered with the
paths of this installation (``certyard install-service``). ``deploy/systemd/`` holds the
same units rendered with the defaults (a test keeps them equal).

Why the agent is a long-running service and not a timer: ``certyard agent run`` already
keeps the sync interval (from the agent's own ``agent.json``, one source of truth) and backs
off with jitter after failures; a timer would duplicate the interval in the unit and lose
the backoff state between runs.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from certyard.errors import InvalidInput

__all__ = ["ServiceOptions", "UnitFile", "certyard_executable", "render_units", "unit_warnings",
           "write_units"]

_NAME_OK = set("abcdefghijklmnopqrstuvwxyz0123456789_-")

_HARDENING = """\
UMask=0077
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
RemoveIPC=yes
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallErrorNumber=EPERM
"""


@dataclass(frozen=True, kw_only=True)
class ServiceOptions:
    user: str = "certyard"
    home: Path = Path("/var/lib/certyard")
    agent_home: Path = Path("/var/lib/certyard-agent")
    executable: Path = Path("/usr/local/bin/certyard")
    host: str = "0.0.0.0"  # noqa: S104 (a server listens on every address by default)
    https_port: int = 8443
    http_port: int = 8080
    agent_port: int = 8444
    env_file: Path = Path("/etc/certyard/certyard.env")
    agent_paths: tuple[Path, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not self.user or not set(self.user) <= _NAME_OK or self.user[0] == "-":
            raise InvalidInput(f"user name {self.user!r} is not a valid system user name",
                               field="user")
        for name in ("home", "agent_home", "executable", "env_file", *()):
            value = getattr(self, name)
            if not Path(value).is_absolute() or any(c in str(value) for c in " \n\"'%$"):
                raise InvalidInput(f"{name.replace('_', '-')} must be an absolute path "
                                   f"without spaces, quotes, % or $: {value}", field=name)
        for p in self.agent_paths:
            if not p.is_absolute() or any(c in str(p) for c in " \n\"'%$"):
                raise InvalidInput(f"agent path must be absolute, without spaces: {p}",
                                   field="agent_paths")
        for name in ("https_port", "agent_port"):
            if not 1 <= getattr(self, name) <= 65535:
                raise InvalidInput(f"{name.replace('_', '-')} must be 1-65535", field=name)
        if not 0 <= self.http_port <= 65535:
            raise InvalidInput("http-port must be 0-65535", field="http_port")


def unit_warnings(o: ServiceOptions) -> list[str]:
    """Installations the hardening would break, said before systemd does."""
    hidden = ("/home/", "/root/", "/run/user/")
    out = []
    for name, path in (("ExecStart", o.executable), ("home", o.home),
                       ("agent home", o.agent_home), *(("agent path", p) for p in o.agent_paths)):
        if str(path).startswith(hidden) or str(path) in ("/home", "/root"):
            out.append(f"{name} {path} is under a home directory, which ProtectHome=yes hides "
                       "from the service: install certyard system-wide (e.g. a virtualenv in "
                       "/opt/certyard, then --prefix /opt/certyard/venv)")
    return out


@dataclass(frozen=True)
class UnitFile:
    name: str
    text: str


def certyard_executable() -> Path:
    """The absolute path of the installed ``certyard`` console script."""
    found = shutil.which("certyard")
    if found:
        return Path(found).resolve()
    candidate = Path(sys.executable).parent / "certyard"
    if candidate.exists():
        return candidate
    raise InvalidInput("no `certyard` executable found on PATH; pass --prefix", field="prefix")


def _caps(*ports: int) -> str:
    if any(0 < p < 1024 for p in ports):
        return ("CapabilityBoundingSet=CAP_NET_BIND_SERVICE\n"
                "AmbientCapabilities=CAP_NET_BIND_SERVICE\n")
    return "CapabilityBoundingSet=\nAmbientCapabilities=\n"


def _state(home: Path) -> str:
    # Under /var/lib systemd creates the directory owned by the service user, mode 0700.
    if home.parent == Path("/var/lib"):
        return f"StateDirectory={home.name}\nStateDirectoryMode=0700\n"
    return ""


def _server(o: ServiceOptions) -> str:
    return f"""\
[Unit]
Description=certyard server: web UI, REST API, CRL/OCSP and background jobs
After=network-online.target postgresql.service
Wants=network-online.target

[Service]
Type=notify
NotifyAccess=main
User={o.user}
Group={o.user}
Environment=CERTYARD_HOME={o.home}
EnvironmentFile=-{o.env_file}
ExecStart={o.executable} serve --host {o.host} --https-port {o.https_port} \
--http-port {o.http_port} --drain-seconds 2
ExecReload=/bin/kill -HUP $MAINPID
Restart=on-failure
RestartSec=5s
TimeoutStartSec=180s
TimeoutStopSec=60s
WatchdogSec=60s
{_state(o.home)}ReadWritePaths={o.home}
{_caps(o.https_port, o.http_port)}{_HARDENING}
[Install]
WantedBy=multi-user.target
"""


def _agent_server(o: ServiceOptions) -> str:
    return f"""\
[Unit]
Description=certyard agent API (mutual TLS listener the node agents sync from)
After=network-online.target certyard.service
Wants=network-online.target

[Service]
Type=simple
User={o.user}
Group={o.user}
Environment=CERTYARD_HOME={o.home}
EnvironmentFile=-{o.env_file}
ExecStart={o.executable} agent server --host {o.host} --port {o.agent_port}
Restart=on-failure
RestartSec=5s
TimeoutStopSec=30s
{_state(o.home)}ReadWritePaths={o.home}
{_caps(o.agent_port)}{_HARDENING}
[Install]
WantedBy=multi-user.target
"""


def _agent(o: ServiceOptions) -> str:
    extra = "".join(f" {p}" for p in o.agent_paths)
    return f"""\
[Unit]
Description=certyard node agent: keeps this node's certificates, keys and trust stores
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User={o.user}
Group={o.user}
Environment=CERTYARD_AGENT_HOME={o.agent_home}
EnvironmentFile=-{o.env_file}
ExecStart={o.executable} agent run
Restart=on-failure
RestartSec=10s
TimeoutStopSec=30s
{_state(o.agent_home)}ReadWritePaths={o.agent_home}{extra}
{_caps()}{_HARDENING}
[Install]
WantedBy=multi-user.target
"""


def render_units(o: ServiceOptions, *, server: bool = True,
                 agent: bool = False) -> list[UnitFile]:
    out: list[UnitFile] = []
    if server:
        out += [UnitFile("certyard.service", _server(o)),
                UnitFile("certyard-agent-server.service", _agent_server(o))]
    if agent:
        out.append(UnitFile("certyard-agent.service", _agent(o)))
    return out


def write_units(units: list[UnitFile], directory: Path) -> list[Path]:
    """Write each unit (mode 0644) atomically; returns the paths written."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInput(f"cannot create {directory}: {exc.strerror}",
                           field="unit_dir") from None
    written: list[Path] = []
    for unit in units:
        target = directory / unit.name
        tmp = directory / f".{unit.name}.tmp"
        try:
            tmp.write_text(unit.text)
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise InvalidInput(f"cannot write {target}: {exc.strerror}",
                               field="unit_dir") from None
        written.append(target)
    return written
