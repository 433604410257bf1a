"""certyard probe HOST:PORT — the TLS endpoint check."""

from __future__ import annotations

import typer

from certyard.cli.context import cli_context, read_input
from certyard.cli.output import console, emit_json, emit_list, fmt_value, table
from certyard.cli.ui import confirm, working


def register(root: typer.Typer) -> None:
    root.command("probe")(probe)


def probe(
    target: str = typer.Argument(..., help="HOST:PORT"),
    sni: str = typer.Option(None, "--sni", help="Server name to send and verify."),
    starttls: str = typer.Option(None, "--starttls", help="smtp, imap or ldap."),
    trust_store: str = typer.Option("tomcat-trust", "--trust-store",
                                    help="Trust store to validate against (P-trust)."),
    untrusted: str = typer.Option(None, "--untrusted",
                                  help="PEM file of extra intermediates (like AIA fetching)."),
    timeout: float = typer.Option(5.0, "--timeout", min=0.1, max=60,
                                  help="Seconds to wait for each connection (0.1-60)."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Connect, validate the presented chain, enumerate TLS versions, flag defects.
    Exit status 1 when a flag is raised."""
    from certyard.probe import probe_endpoint

    extra = read_input(untrusted, 1024 * 1024) if untrusted else None
    with working(f"Probing {target}"):
        report = probe_endpoint(cli_context(), target, sni=sni, starttls=starttls,
                                trust_store=trust_store, untrusted=extra, timeout=timeout)
    if json_:
        emit_json(report.to_dict())
    else:
        console.print(f"{report.target}: TLS {report.version or '-'} {report.cipher or ''}")
        console.print(f"accepted versions: {', '.join(report.versions) or 'none'}")
        for i, c in enumerate(report.chain):
            console.print(f"  [{i}] {c['subject']}  (issuer {c['issuer']})")
        if report.validation:
            v = report.validation
            console.print("validation: " + ("OK" if v.valid else f"FAILED: {v.reason}"))
        if report.error:
            console.print(f"error: {report.error}")
        table("Findings", ["Flag", "Detail"],
              [(f, report.details.get(f, "")) for f in report.flags], empty="no findings")
    if report.flags:
        # standalone_mode=False swallows typer.Exit codes; a typed error sets exit 1.
        from certyard.errors import CertyardError

        raise CertyardError(f"{target}: {len(report.flags)} finding(s): "
                            f"{', '.join(report.flags)}")


NAME = "probes"
app = typer.Typer(help="Probe inventory: TLS interfaces probed on a schedule (add, list, "
                       "remove, run).", no_args_is_help=True)


@app.command("add")
def add(
    target: str = typer.Argument(..., help="HOST:PORT"),
    name: str = typer.Option(None, "--name", help="Inventory name (default HOST:PORT)."),
    node: str = typer.Option(None, "--node", help="Node the interface belongs to."),
    sni: str = typer.Option(None, "--sni", help="Server name to send and verify."),
    starttls: str = typer.Option(None, "--starttls", help="smtp, imap or ldap."),
    trust_store: str = typer.Option("tomcat-trust", "--trust-store", help="P-trust."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Add an interface to the probe inventory."""
    from certyard.probe import add_target

    view = add_target(cli_context(), target, name=name, node=node, sni=sni,
                      starttls=starttls, trust_store=trust_store)
    if json_:
        emit_json(view.to_dict())
    else:
        console.print(f"added probe target {view.name} ({view.target})")


@app.command("list")
def list_(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The inventory with each target's latest result."""
    from certyard.probe import list_targets

    views = list_targets(cli_context())
    if json_:
        emit_list(views)
        return
    table("Probe inventory", ["Name", "Target", "Node", "SNI", "STARTTLS", "Trust store",
                              "Last check", "Findings"],
          [(v.name, v.target, v.node or "-", v.sni or "-", v.starttls or "-", v.trust_store,
            fmt_value(v.last["checked_at"]) if v.last else "never",
            (", ".join(v.last["flags"]) or "none") if v.last else "-") for v in views],
          empty="no probe targets; add one with `certyard probes add HOST:PORT`")


@app.command("remove")
def remove(name: str = typer.Argument(..., help="Inventory name."),
           yes: bool = typer.Option(False, "--yes", "-y")) -> None:
    """Remove a target (and its results) from the inventory."""
    confirm(f"Remove probe target {name} and its results?", yes=yes)
    from certyard.probe import remove_target

    remove_target(cli_context(), name)
    console.print(f"removed probe target {name}")


@app.command("run")
def run(concurrency: int = typer.Option(32, "--concurrency", min=1, max=256,
                                       help="Targets probed at the same time (1-256)."),
        json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Probe every enabled target now (the scheduled job does this hourly)."""
    from certyard.probe import run_probes

    with working("Probing the inventory"):
        result = run_probes(cli_context(), concurrency=concurrency)
    if json_:
        emit_json(result)
    else:
        console.print(f"probed {result['probed']} target(s), {result['failed']} with findings")
