"""certyard agent ...: the node agent (enroll, run) and its server side (server, status)."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from certyard.cli.context import cli_context
from certyard.cli.output import console, emit_json, emit_list, fmt_datetime, fmt_value, table, warn

NAME = "agent"
app = typer.Typer(help="Node agent: enroll, run the sync loop; agent server and status.",
                  no_args_is_help=True)

_HOME_HELP = "Agent home (env CERTYARD_AGENT_HOME; default $CERTYARD_HOME/agent)."


def _home(home: Path | None) -> Path:
    if home is not None:
        return home
    env = os.environ.get("CERTYARD_AGENT_HOME")
    if env:
        return Path(env)
    from certyard.config import Settings

    return Settings.from_env().home / "agent"


def _reloads(items: list[str]) -> dict[str, str]:
    from certyard.errors import InvalidInput

    out: dict[str, str] = {}
    for item in items:
        svc, sep, cmd = item.partition("=")
        if not sep or not svc.strip() or not cmd.strip():
            raise InvalidInput(f"--reload takes SERVICE=COMMAND, not {item!r}", field="reload")
        out[svc.strip()] = cmd.strip()
    return out


@app.command("enroll")
def enroll(
    server: str = typer.Option(..., "--server", help="Agent server URL, e.g. https://pub:8444"),
    token: str = typer.Option(None, "--token", help="One-time token from "
                              "`certyard node enroll-token`."),
    node: str = typer.Option(None, "--node", help="Node name (open enrollment only)."),
    ca_file: Path = typer.Option(None, "--ca-file", help="CA chain to verify the server with "
                                 "before the token is sent."),
    ca_fingerprint: str = typer.Option(None, "--ca-fingerprint",
                                       help="Expected SHA-256 of the server's root CA."),
    insecure_tofu: bool = typer.Option(False, "--insecure-tofu",
                                       help="Without --ca-file/--ca-fingerprint: trust the "
                                       "server's CA on first use (the token goes over an "
                                       "unverified connection)."),
    output: Path = typer.Option(None, "--output", help="Where certs/, keys/, trust-certs/ go "
                                "(default HOME/files)."),
    reload: list[str] = typer.Option([], "--reload", help="SERVICE=COMMAND, repeatable."),
    shred_passes: int = typer.Option(3, "--shred-passes", help="Overwrite passes for old key "
                                     "files, 0-10."),
    home: Path = typer.Option(None, "--home", help=_HOME_HELP),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Create the agent key, get a client certificate from the built-in CA, pin the CA."""
    from certyard.agent.client import enroll as do_enroll

    info = do_enroll(_home(home), server=server, token=token, node=node, ca_file=ca_file,
                     ca_fingerprint=ca_fingerprint, output=output, reload=_reloads(reload),
                     shred_passes=shred_passes, insecure_tofu=insecure_tofu)
    if insecure_tofu and not ca_file and not ca_fingerprint:
        warn("--insecure-tofu: the server's CA was trusted on first use; compare the pinned "
             "CA SHA-256 below with the server's before relying on this agent")
    if json_:
        emit_json(info)
    else:
        console.print(f"Enrolled as {info['node']}; certificate valid until "
                      f"{fmt_value(info['not_after'])}; "
                      f"pinned CA SHA-256 {info['ca_sha256']}")


@app.command("run")
def run(
    once: bool = typer.Option(False, "--once", help="Sync once and exit (non-zero on failure)."),
    home: Path = typer.Option(None, "--home", help=_HOME_HELP),
    json_: bool = typer.Option(False, "--json", help="Print each result as JSON."),
) -> None:
    """Keep the node's files in the server's desired state (mutual TLS, backoff on failure)."""
    from certyard.agent.client import SyncResult, load_config, run_loop
    from certyard.errors import CertyardError
    from certyard.ops.logs import configure_logging

    configure_logging(default_level="info")
    cfg = load_config(_home(home))
    last: list[object] = []

    def show(result: SyncResult | CertyardError) -> None:
        last[:] = [result]
        if isinstance(result, CertyardError):
            warn(f"sync failed: {result.message}")
            return
        if json_:
            emit_json(result.to_dict())
        else:
            console.print(f"{result.status}: version {result.version[:12]}, "
                          f"{len(result.changed)} file(s) changed, reloaded: "
                          f"{', '.join(result.reloaded) or '-'}")
        for e in result.errors:
            warn(e)

    run_loop(cfg, once=once, on_result=show)
    if once and last and isinstance(last[0], CertyardError):
        raise last[0]
    if once and last and getattr(last[0], "errors", None):
        raise CertyardError("the sync finished with errors (reported to the server)")


@app.command("status")
def status(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Per node: enrolled, last report, and whether its agent holds the current state."""
    from certyard.cluster.agents import list_agent_status

    rows, open_mode = list_agent_status(cli_context())
    if json_:
        emit_list(rows, open_enrollment=open_mode)
        return
    if open_mode:
        warn("open enrollment is ON: any host can enroll as any node without a token")
    table("Agents", ["Node", "Enrolled", "Current", "Last report", "Error"],
          [(r.node, "yes" if r.enrolled else "no", "yes" if r.current else "no",
            fmt_datetime(r.reported_at), r.error or "-") for r in rows], empty="no nodes")


@app.command("open-enrollment")
def open_enrollment(
    state: str = typer.Argument(..., help="on or off"),
) -> None:
    """Allow enrollment without a token (an empty token); off by default."""
    from certyard.cluster.agents import set_open_enrollment
    from certyard.errors import InvalidInput

    if state not in ("on", "off"):
        raise InvalidInput("say on or off", field="state")
    set_open_enrollment(cli_context(), state == "on")
    if state == "on":
        warn("open enrollment is ON: any host can enroll as any node without a token")
    else:
        console.print("Open enrollment is off.")


@app.command("server")
def server(
    host: str = typer.Option("0.0.0.0", "--host", help="Address to listen on."),  # noqa: S104
    port: int = typer.Option(8444, "--port", help="Port of the mutual-TLS agent listener."),
    name: list[str] = typer.Option(["localhost", "127.0.0.1"], "--name",
                                   help="Extra DNS names / IPs for the server certificate."),
) -> None:
    """Serve the agent API over mutual TLS (certificate from the built-in CA)."""
    from certyard.server.agent_listener import run_agent_server

    console.print(f"Agent server on https://{host}:{port}")
    run_agent_server(cli_context(), host=host, port=port, names=name)


@app.command("list")
def list_agents(
    node: str = typer.Option(None, "--node", help="Only this node's agents."),
    all_: bool = typer.Option(False, "--all", help="Also revoked and expired agents."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Enrolled agents: node, certificate serial, enrolled when and on whose token, last
    seen."""
    from certyard.cluster import list_enrolled_agents

    rows = list_enrolled_agents(cli_context(), node=node, include_inactive=all_)
    if json_:
        emit_json({"agents": [r.to_dict() for r in rows]})
        return
    table("Enrolled agents", ["Node", "Serial", "Enrolled", "By", "Last seen", "Valid until",
                              "State"],
          [(r.node, r.serial, r.enrolled_at.isoformat()[:19], r.enrolled_by,
            r.last_seen_at.isoformat()[:19] if r.last_seen_at else "-",
            r.not_after.isoformat()[:19], r.state) for r in rows], empty="no enrolled agents")


@app.command("revoke")
def revoke(
    serial: str = typer.Argument(None, help="Certificate serial of the agent (from "
                                 "`certyard agent list`)."),
    node: str = typer.Option(None, "--node", help="Revoke every live agent of this node."),
    reason: str = typer.Option("cessationOfOperation", "--reason",
                               help="cessationOfOperation, keyCompromise, superseded or "
                                    "unspecified."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Revoke an enrolled agent: its client certificate is revoked at the CA, so it can
    neither fetch state nor renew."""
    from certyard.cluster import revoke_agents

    rows = revoke_agents(cli_context(), serial=serial, node=node, reason=reason)
    if json_:
        emit_json({"revoked": [r.to_dict() for r in rows]})
        return
    for r in rows:
        console.print(f"Revoked agent {r.serial} of {r.node}.")
    if not rows:
        console.print("No live agent to revoke.")
