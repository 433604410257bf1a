"""systemd units for the server, the agent API listener and the node agent, rendered with the
paths of this installation (``certyard install-service``). ``deploy/systemd/`` holds the
same units rendered with the defaults (a test keeps them equal).

Why the agent is a long-running service and not a timer: ``certyard agent run`` already
keeps the sync interval (from the agent's own ``agent.json``, one source of truth) and backs
off with jitter after failures; a timer would duplicate the interval in the unit and lose
the backoff state between runs.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from certyard.errors import InvalidInput
from certyard.hostutil.files import atomic_write

__all__ = ["ServiceOptions", "UnitFile", "certyard_executable", "install_service",
           "render_units", "service_path", "setup_steps", "unit_warnings", "valid_host",
           "valid_port", "valid_user", "write_units"]

_USER_RE = re.compile(r"[a-z_][a-z0-9_-]{0,30}[$]?")
_LABEL_RE = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_PATH_BAD = set(" \t\"'%$\\;") | {chr(c) for c in range(32)} | {chr(127)}
# Whole system trees a service must never own or write: the sandbox would be pointless.
_FORBIDDEN = {Path(p) for p in ("/", "/etc", "/usr", "/bin", "/sbin", "/lib", "/lib64", "/boot",
                                "/proc", "/sys", "/dev", "/run", "/var", "/var/lib", "/home",
                                "/root", "/tmp", "/opt", "/srv", "/usr/local")}  # noqa: S108
_SYSTEM_TREES = tuple(Path(p) for p in ("/proc", "/sys", "/dev", "/boot", "/usr", "/bin",
                                        "/sbin", "/lib", "/lib64"))


def valid_host(host: str) -> str:
    """An IP address or a DNS name, nothing else (it goes into ExecStart=)."""
    if not host or len(host) > 253:
        raise InvalidInput("host must be an IP address or a DNS name", field="host")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    name = host[:-1] if host.endswith(".") else host
    if not all(_LABEL_RE.fullmatch(label) for label in name.split(".")):
        raise InvalidInput(f"host must be an IP address or a DNS name, not {host!r}",
                           field="host")
    return host


def valid_port(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise InvalidInput(f"{name} must be 1-65535, not {value!r}", field=name.replace("-", "_"))
    return value


def valid_user(user: str) -> str:
    """A Linux system user name (useradd's pattern, at most 32 characters), never root."""
    if not user or len(user) > 32 or not _USER_RE.fullmatch(user):
        raise InvalidInput(f"user name {user!r} is not a valid system user name (lower-case "
                           "letters, digits, _ and -, at most 32, not starting with a digit)",
                           field="user")
    if user == "root":
        raise InvalidInput("the service must not run as root: use a dedicated system user",
                           field="user")
    return user


def service_path(value: Path | str, name: str, *, writable: bool = True) -> Path:
    """An absolute, normalised path without characters systemd would interpret; a path the
    service writes must not be (or lie in) a whole system tree."""
    text = str(value)
    label = name.replace("_", "-")
    if not text or not text.startswith("/"):
        raise InvalidInput(f"{label} must be an absolute path: {text!r}", field=name)
    if any(c in _PATH_BAD for c in text):
        raise InvalidInput(f"{label} must be an absolute path without spaces, quotes, "
                           f"control characters, ;, \\, % or $: {text!r}", field=name)
    path = Path(os.path.normpath(text))
    if str(path).startswith("//"):
        path = Path("/" + str(path).lstrip("/"))
    if writable and (path in _FORBIDDEN or any(path.is_relative_to(t) for t in _SYSTEM_TREES)):
        raise InvalidInput(f"{label} {path} is a system directory; use a directory of its own "
                           "(e.g. /var/lib/certyard)", field=name)
    return path


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
    agent_user: str = "certyard-agent"
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
        # Every value is checked (and paths normalised) here, in the service layer: each one
        # ends up in a unit file, where a newline or a space would add directives or arguments.
        valid_user(self.user)
        valid_user(self.agent_user)
        if self.agent_user == self.user:
            raise InvalidInput(f"the node agent must run as another user than the server "
                               f"({self.user}), e.g. certyard-agent", field="user")
        object.__setattr__(self, "host", valid_host(self.host))
        for name in ("home", "agent_home"):
            object.__setattr__(self, name, service_path(getattr(self, name), name))
        for name in ("executable", "env_file"):
            object.__setattr__(self, name, service_path(getattr(self, name), name,
                                                        writable=False))
        paths: list[Path] = []
        for p in self.agent_paths:
            q = service_path(p, "agent_path")
            if q not in paths and q != self.agent_home:
                paths.append(q)
        object.__setattr__(self, "agent_paths", tuple(paths))
        ports = {"https-port": self.https_port, "http-port": self.http_port,
                 "agent-port": self.agent_port}
        for name, value in ports.items():
            if not (name == "http-port" and value == 0):  # 0: no plain-HTTP listener
                valid_port(value, name)
        used = [v for v in ports.values() if v]
        if len(set(used)) != len(used):
            raise InvalidInput("https-port, http-port and agent-port must be three different "
                               f"ports: {self.https_port}, {self.http_port}, {self.agent_port}",
                               field="http_port")


def unit_warnings(o: ServiceOptions) -> list[str]:
    """Installations the hardening would break, said before systemd does."""
    hidden = ("/home/", "/root/", "/run/user/")
    out = []
    if not o.executable.exists():
        out.append(f"{o.executable} does not exist (yet): ExecStart will fail until certyard "
                   "is installed there (check --prefix)")
    for name, path in (("ExecStart", o.executable), ("home", o.home),
                       ("agent home", o.agent_home), *(("agent path", p) for p in o.agent_paths)):
        if str(path).startswith(hidden) or str(path) in ("/home", "/root"):
            out.append(f"{name} {path} is under a home directory, which ProtectHome=yes hides "
                       "from the service: install certyard system-wide (e.g. a virtualenv in "
                       "/opt/certyard, then --prefix /opt/certyard/venv)")
    return out


def setup_steps(o: ServiceOptions, units: list[UnitFile], *, agent: bool) -> list[str]:
    """The commands (as root) that complete the installation of ``units``."""
    user, home = (o.agent_user, o.agent_home) if agent else (o.user, o.home)
    steps = [f"useradd --system --home-dir {home} --shell /usr/sbin/nologin {user}"]
    if not _state(home):  # outside /var/lib systemd does not create it
        steps.append(f"install -d -o {user} -g {user} -m 0700 {home}")
    if agent:  # output directories others (the web server) read
        steps += [f"install -d -o {user} -g {user} -m 0755 {d}" for d in o.agent_paths]
    names = " ".join(u.name for u in units)
    steps.append(f"systemctl daemon-reload && systemctl enable --now {names}")
    return steps


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
User={o.agent_user}
Group={o.agent_user}
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


def install_service(*, user: str | None, home: Path, agent_home: Path, prefix: Path | None,
                    agent: bool, agent_paths: list[Path], host: str, https_port: int,
                    http_port: int, agent_port: int
                    ) -> tuple[ServiceOptions, list[UnitFile], list[str]]:
    """Validate the options of ``certyard install-service``; the units and the warnings."""
    if agent_paths and not agent:
        raise InvalidInput("--agent-path is for the node agent's unit: add --agent",
                           field="agent_paths")
    if prefix is not None:
        exe = service_path(prefix, "prefix", writable=False) / "bin" / "certyard"
    else:
        exe = certyard_executable()
    defaults = ServiceOptions.__dataclass_fields__
    server_user = str(defaults["user"].default)
    agent_user = str(defaults["agent_user"].default)
    if user is not None:
        if agent:
            agent_user = user
        else:
            server_user = user
    opts = ServiceOptions(user=server_user, agent_user=agent_user, home=home,
                          agent_home=agent_home, executable=exe,
                          host=host, https_port=https_port, http_port=http_port,
                          agent_port=agent_port, agent_paths=tuple(agent_paths))
    return opts, render_units(opts, server=not agent, agent=agent), unit_warnings(opts)


def write_units(units: list[UnitFile], directory: Path) -> list[tuple[Path, bool]]:
    """Write each unit (mode 0644) atomically; returns each path written and whether it
    replaced an existing file."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInput(f"cannot create {directory}: {exc.strerror}",
                           field="unit_dir") from None
    written: list[tuple[Path, bool]] = []
    for unit in units:
        target = directory / unit.name
        existed = target.exists()
        try:
            atomic_write(target, unit.text.encode(), mode=0o644)
        except OSError as exc:
            raise InvalidInput(f"cannot write {target}: {exc.strerror}",
                               field="unit_dir") from None
        written.append((target, existed))
    return written
