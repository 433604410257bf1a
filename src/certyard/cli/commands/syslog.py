"""certyard syslog ... — remote audit logging (RFC 5424 over UDP, TCP or TLS)."""

from __future__ import annotations

import typer

from certyard.cli.context import cli_context
from certyard.cli.output import console, emit_json, show_fields
from certyard.errors import ExternalServiceError
from certyard.syslog.forward import configure_syslog, deliver_backlog, set_protocol, syslog_status

NAME = "syslog"
app = typer.Typer(help="Remote audit logging to a syslog server.", no_args_is_help=True)


@app.command("configure")
def configure(
    host: str = typer.Option(None, "--host", help="Syslog server IP address or FQDN."),
    port: int = typer.Option(None, "--port", help="Port (0: 514 UDP, 601 TCP, 6514 TLS)."),
    protocol: str = typer.Option(None, "--protocol", help="tcp or udp."),
    tls: bool = typer.Option(None, "--tls/--no-tls", help="TLS over TCP (RFC 5425)."),
    ca_file: str = typer.Option(None, "--ca-file", help="CA bundle to verify the server."),
    hostname: str = typer.Option(None, "--hostname", help="HOSTNAME field of messages."),
    enable: bool = typer.Option(None, "--enable/--disable", help="Turn forwarding on/off."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Set the remote syslog server and turn forwarding on or off."""
    cfg = configure_syslog(cli_context(), host=host, port=port, protocol=protocol, tls=tls,
                           ca_file=ca_file, enabled=enable, hostname=hostname)
    if json_:
        emit_json(cfg.to_dict())
    else:
        state = "enabled" if cfg.enabled else "disabled"
        console.print(f"Remote syslog {state}: {cfg.host or '-'}:{cfg.effective_port} "
                      f"{cfg.protocol}{'+tls' if cfg.tls else ''}.")


@app.command("set-protocol")
def set_protocol_(protocol: str = typer.Argument(..., help="tcp or udp.")) -> None:
    """Choose TCP or UDP."""
    cfg = set_protocol(cli_context(), protocol)
    console.print(f"Remote syslog protocol set to {cfg.protocol}.")


@app.command("show-protocol")
def show_protocol() -> None:
    """Print the configured protocol."""
    console.print(syslog_status(cli_context())["protocol"])


@app.command("show")
def show(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Settings and delivery state (backlog size, last error)."""
    st = syslog_status(cli_context())
    if json_:
        emit_json(st)
        return
    show_fields({k: st[k] for k in ("enabled", "host", "effective_port", "protocol", "tls",
                                    "pending", "last_sent_at", "last_error", "last_error_at")},
                labels={"effective_port": "Port", "tls": "TLS", "pending": "Waiting to send",
                        "last_sent_at": "Last sent", "last_error_at": "Last error at"})


@app.command("flush")
def flush(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Send the backlog now (the server's job does this every 10 seconds)."""
    res = deliver_backlog(cli_context())
    if json_:
        emit_json(res.to_dict())
    else:
        console.print(f"Sent {res.sent}; {res.pending} waiting.")
    if res.error:
        raise ExternalServiceError(res.error)
