"""certyard install-service"""

from __future__ import annotations

from pathlib import Path

import typer

from certyard.cli.output import console


def register(root: typer.Typer) -> None:
    @root.command("install-service")
    def install_service(
        user: str = typer.Option(None, "--user", help="Dedicated system user (default: "
                                 "certyard; with --agent: certyard-agent). Never root."),
        home: Path = typer.Option(Path("/var/lib/certyard"), "--home",
                                  help="CERTYARD_HOME of the server."),
        agent_home: Path = typer.Option(Path("/var/lib/certyard-agent"), "--agent-home",
                                        help="CERTYARD_AGENT_HOME of the node agent."),
        prefix: Path = typer.Option(None, "--prefix",
                                    help="Installation prefix (ExecStart=PREFIX/bin/certyard); "
                                    "default: the certyard on PATH."),
        agent: bool = typer.Option(False, "--agent",
                                   help="Write the node agent's unit instead of the server's."),
        agent_path: list[Path] = typer.Option([], "--agent-path",
                                              help="Extra directory the agent writes "
                                              "(its output), repeatable."),
        host: str = typer.Option("0.0.0.0", "--host", help="Address to listen on."),  # noqa: S104
        https_port: int = typer.Option(8443, "--https-port",
                                       help="HTTPS port of the web UI and REST API."),
        http_port: int = typer.Option(8080, "--http-port",
                                      help="Plain-HTTP port for CRL, OCSP and CA downloads."),
        agent_port: int = typer.Option(8444, "--agent-port",
                                       help="Port of the mutual-TLS agent listener."),
        unit_dir: Path = typer.Option(Path("/etc/systemd/system"), "--unit-dir",
                                      help="Where the unit files go."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Print the units, write nothing."),
    ) -> None:
        """Write systemd units (server: certyard.service and certyard-agent-server.service;
        --agent: certyard-agent.service) with this installation's paths."""
        from certyard.cli.output import warn
        from certyard.ops.service import install_service as plan
        from certyard.ops.service import write_units

        opts, units, warnings = plan(
            user=user, home=home, agent_home=agent_home, prefix=prefix, agent=agent,
            agent_paths=agent_path, host=host, https_port=https_port, http_port=http_port,
            agent_port=agent_port)
        for message in warnings:
            warn(message)
        if dry_run:
            for unit in units:
                console.print(f"# {unit_dir / unit.name}", markup=False)
                console.print(unit.text, markup=False)
            return
        for path, replaced in write_units(units, unit_dir):
            console.print(f"{'replaced' if replaced else 'wrote'} {path}", markup=False)
        console.print("Next (as root):", markup=False)
        from certyard.ops.service import setup_steps

        for step in setup_steps(opts, units, agent=agent):
            console.print(f"  {step}", markup=False)
