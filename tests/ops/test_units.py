"""The systemd units: verified by systemd-analyze, written with this installation's paths,
hardened, and the copies in deploy/systemd/ equal to the defaults."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from certyard.ops.service import ServiceOptions, render_units
from tests.support.cli import run_cli

ROOT = Path(__file__).resolve().parents[2]


def _analyze() -> str:
    exe = shutil.which("systemd-analyze")
    if exe is None:
        pytest.fail("systemd-analyze is required (apt-get install systemd)")
    return exe


def test_generated_units_verify_clean(tmp_path: Path) -> None:
    certyard = shutil.which("certyard")
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
