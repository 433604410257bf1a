"""The systemd units: verified by systemd-analyze, written with this installation's paths,
hardened, and the copies in deploy/systemd/ equal to the defaults."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from certyard.errors import InvalidInput
from certyard.ops.service import ServiceOptions, render_units
from tests.support.cli import run_cli

ROOT = Path(__file__).resolve().parents[2]


def _analyze() -> str:
    exe = shutil.which("systemd-analyze")
    if exe is None:
        pytest.fail("systemd-analyze is required (apt-get install systemd)")
    return exe


def test_generated_units_verify_clean(tmp_path: Path) -> None:
    # The console script of the interpreter running the suite (a venv's), not whichever
    # certyard comes first on PATH.
    beside = Path(sys.executable).parent / "certyard"
    certyard = str(beside) if beside.exists() else shutil.which("certyard")
    assert certyard, "the certyard console script is installed"
    res = run_cli({}, "install-service", "--unit-dir", str(tmp_path), "--prefix",
                  str(Path(certyard).parent.parent))
    assert res.code == 0, res.stderr
    res = run_cli({}, "install-service", "--agent", "--unit-dir", str(tmp_path),
                  "--prefix", str(Path(certyard).parent.parent),
                  "--agent-path", "/etc/ssl/certyard")
    assert res.code == 0, res.stderr
    names = sorted(p.name for p in tmp_path.glob("*.service"))
    assert names == ["certyard-agent-server.service", "certyard-agent.service",
                     "certyard.service"]
    proc = subprocess.run([_analyze(), "verify", "--man=no",
                           *(str(tmp_path / n) for n in names)],
                          capture_output=True, text=True, check=False)
    # Unknown keys are only warnings for systemd: the output must be empty too.
    assert proc.returncode == 0 and proc.stdout + proc.stderr == "", proc.stderr
    server = (tmp_path / "certyard.service").read_text()
    assert f"ExecStart={Path(certyard).parent}/certyard serve " in server
    agent = (tmp_path / "certyard-agent.service").read_text()
    assert "ReadWritePaths=/var/lib/certyard-agent /etc/ssl/certyard" in agent


def test_verify_would_catch_a_wrong_path(tmp_path: Path) -> None:
    unit = render_units(ServiceOptions(executable=tmp_path / "missing" / "certyard"))[0]
    (tmp_path / unit.name).write_text(unit.text)
    proc = subprocess.run([_analyze(), "verify", "--man=no", str(tmp_path / unit.name)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode != 0 and "not executable" in proc.stderr


def test_hardening_and_capabilities() -> None:
    text = render_units(ServiceOptions())[0].text
    for line in ("Type=notify", "User=certyard", "ProtectSystem=strict", "ProtectHome=yes",
                 "NoNewPrivileges=yes", "PrivateTmp=yes", "PrivateDevices=yes",
                 "ProtectKernelTunables=yes", "ProtectKernelModules=yes",
                 "SystemCallFilter=@system-service", "ReadWritePaths=/var/lib/certyard",
                 "CapabilityBoundingSet=\n", "Restart=on-failure",
                 "ExecReload=/bin/kill -HUP $MAINPID",
                 "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6"):
        assert line in text, line
    low = render_units(ServiceOptions(https_port=443, http_port=80))[0].text
    assert "CapabilityBoundingSet=CAP_NET_BIND_SERVICE\n" in low
    assert "AmbientCapabilities=CAP_NET_BIND_SERVICE\n" in low


def test_deploy_copies_are_the_defaults() -> None:
    units = render_units(ServiceOptions(), server=True) + render_units(
        ServiceOptions(), server=False, agent=True)
    for unit in units:
        assert (ROOT / "deploy" / "systemd" / unit.name).read_text() == unit.text, unit.name


def test_dry_run_writes_nothing_and_bad_input_is_one_line(tmp_path: Path) -> None:
    res = run_cli({}, "install-service", "--dry-run", "--unit-dir", str(tmp_path / "u"),
                  "--prefix", "/opt/certyard", "--https-port", "443")
    assert res.code == 0 and "ExecStart=/opt/certyard/bin/certyard serve" in res.stdout
    assert not (tmp_path / "u").exists()
    hidden = run_cli({}, "install-service", "--dry-run", "--prefix", "/home/me/.venv")
    assert hidden.code == 0 and "ProtectHome=yes hides" in hidden.stderr
    bad = run_cli({}, "install-service", "--dry-run", "--user", "root; rm", "--prefix", "/x")
    assert bad.code == 2 and "valid system user name" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    bad = run_cli({}, "install-service", "--dry-run", "--home", "relative/home",
                  "--prefix", "/x")
    assert bad.code == 2 and "absolute path" in bad.stderr


def test_exposure_score_stays_low(tmp_path: Path) -> None:
    """systemd's own offline assessment of the sandbox (0 = locked down, 10 = none)."""
    import re

    units = render_units(ServiceOptions(executable=Path(shutil.which("certyard") or "/x")),
                         agent=True)
    for unit in units:
        (tmp_path / unit.name).write_text(unit.text)
        proc = subprocess.run([_analyze(), "security", "--offline=yes", "--no-pager",
                               str(tmp_path / unit.name)],
                              capture_output=True, text=True, check=False)
        m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", proc.stdout + proc.stderr)
        assert m, proc.stdout + proc.stderr
        assert float(m.group(1)) <= 2.0, (unit.name, m.group(1))


@pytest.mark.parametrize("host", ['0.0.0.0\nExecStartPre=/bin/sh -c "id > /tmp/pwn"\nUser=root\n#',
                                  "0.0.0.0 --debug", "", "a..b", "-x.example", "h%n"])
def test_host_cannot_inject_directives_or_arguments(tmp_path: Path, host: str) -> None:
    res = run_cli({}, "install-service", "--unit-dir", str(tmp_path / "u"), "--prefix", "/usr",
                  "--host", host)
    assert res.code == 2 and "IP address or a DNS name" in res.stderr, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "u").exists()
    with pytest.raises(InvalidInput):
        ServiceOptions(host=host)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"home": Path("/")}, "system directory"),
    ({"home": Path("/var/lib/../../etc")}, "home /etc is a system directory"),
    ({"home": Path("/var")}, "system directory"),
    ({"home": Path("/proc/self")}, "system directory"),
    ({"agent_home": Path("/usr/local")}, "system directory"),
    ({"agent_paths": (Path("/run"),)}, "system directory"),
    ({"home": Path("var/lib/x")}, "absolute path"),
    ({"home": Path("/var/lib/a b")}, "without spaces"),
    ({"user": "0"}, "valid system user name"),
    ({"user": "root"}, "must not run as root"),
    ({"user": "a" * 33}, "valid system user name"),
    ({"user": "Certyard"}, "valid system user name"),
    ({"agent_user": "certyard"}, "another user than the server"),
    ({"https_port": 0}, "1-65535"),
    ({"agent_port": 65536}, "1-65535"),
    ({"http_port": -1}, "1-65535"),
    ({"http_port": 8443}, "different ports"),
    ({"agent_port": 8080}, "different ports"),
])
def test_service_options_refuse_sandbox_defeating_values(kwargs: dict[str, object],
                                                         message: str) -> None:
    with pytest.raises(InvalidInput) as err:
        ServiceOptions(**kwargs)  # type: ignore[arg-type]
    assert message in err.value.message


def test_paths_normalised_and_deduplicated_users_distinct() -> None:
    o = ServiceOptions(home=Path("/srv/x/../certyard"),
                       agent_paths=(Path("/etc/ssl/cy"), Path("/etc/ssl/cy/"),
                                    Path("/etc/ssl//cy")))
    assert o.home == Path("/srv/certyard") and o.agent_paths == (Path("/etc/ssl/cy"),)
    server, agent = render_units(o)[0].text, render_units(o, server=False, agent=True)[0].text
    assert "User=certyard\n" in server and "User=certyard-agent\n" in agent
    assert "ReadWritePaths=/var/lib/certyard-agent /etc/ssl/cy\n" in agent
    assert ServiceOptions(http_port=0).http_port == 0  # no plain-HTTP listener


def test_cli_steps_warnings_and_replaced(tmp_path: Path) -> None:
    units = tmp_path / "u"
    units.mkdir()
    (units / "certyard.service").write_text("old")
    res = run_cli({}, "install-service", "--unit-dir", str(units), "--prefix",
                  str(tmp_path / "nowhere"), "--home", "/srv/certyard")
    assert res.code == 0, res.stderr
    assert "does not exist (yet)" in " ".join(res.stderr.split())
    assert f"replaced {units / 'certyard.service'}" in res.stdout
    assert f"wrote {units / 'certyard-agent-server.service'}" in res.stdout
    assert "install -d -o certyard -g certyard -m 0700 /srv/certyard" in res.stdout
    res = run_cli({}, "install-service", "--dry-run", "--prefix", "/usr",
                  "--agent-path", "/etc/ssl/x")
    assert res.code == 2 and "add --agent" in res.stderr
    res = run_cli({}, "install-service", "--unit-dir", str(units), "--prefix", "/usr",
                  "--agent")
    assert res.code == 0 and "useradd --system --home-dir /var/lib/certyard-agent " \
        "--shell /usr/sbin/nologin certyard-agent" in res.stdout
    res = run_cli({}, "install-service", "--dry-run", "--prefix", "/usr", "--agent",
                  "--user", "root")
    assert res.code == 2 and "root" in res.stderr
