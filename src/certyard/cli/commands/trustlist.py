"""certyard trustlist ...: the cluster's signed trust list (JWS), publish, fetch, verify."""

from __future__ import annotations

from pathlib import Path

import typer

from certyard.cli.context import cli_context, read_input
from certyard.cli.output import console, emit_json, emit_list

NAME = "trustlist"
app = typer.Typer(help="Signed trust list (the certificates every node trusts): publish, "
                       "show, rollover, fetch, verify.", no_args_is_help=True)

_PIN_HELP = "Pinned state file (trust on first use when missing)."


@app.command("publish")
def publish(
    force: bool = typer.Option(False, "--force", help="Publish a new version even if unchanged."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Publish a new version of the signed trust list when the store changed."""
    from certyard.cluster.trustlist import publish_trust_list

    info = publish_trust_list(cli_context(), force=force)
    if json_:
        emit_json(info.to_dict())
    else:
        word = "Published" if info.published else "Unchanged:"
        console.print(f"{word} version {info.version}, {info.records} records, "
                      f"signer {info.signer[:16]}")


@app.command("show")
def show(
    output: Path = typer.Option(None, "-o", "--output", help="Write the signed list here."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show (and optionally save) the current signed trust list."""
    from certyard.cluster.jws import parse_list
    from certyard.cluster.trustlist import trust_lists_after

    data = trust_lists_after(cli_context())[-1]
    vl = parse_list(data)
    if output is not None:
        output.write_bytes(data)
    if json_:
        emit_json({**vl.to_dict(), "records": [{k: v for k, v in r.items() if k != "certificate"}
                                               for r in vl.records]})
        return
    console.print(f"Version {vl.version}, signer {vl.signer[:16]}, {len(vl.records)} records")
    for r in vl.records:
        console.print(f"  {r['role']:<32} {r['subject']}  {r['fingerprint'][:16]}",
                      highlight=False)


@app.command("rollover")
def rollover(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Replace the trust-list signing key (a transition list names old and new key)."""
    from certyard.cluster.trustlist import rollover_signer

    info = rollover_signer(cli_context())
    if json_:
        emit_json(info.to_dict())
    else:
        console.print(f"New signing key {info.signer[:16]}; version {info.version} published.")


@app.command("fetch")
def fetch(
    server: str = typer.Option(..., "--server", help="Agent server URL, e.g. https://pub:8444"),
    pin: Path = typer.Option(Path("trustlist.pin.json"), "--pin", help=_PIN_HELP),
    ca_file: Path = typer.Option(None, "--ca-file", help="Verify the server's TLS certificate "
                                 "with this CA (the list itself is always signature-checked)."),
    output: Path = typer.Option(None, "-o", "--output", help="Write the accepted list here."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Fetch the trust lists newer than the pinned one and accept them in order."""
    import json
    import ssl

    import httpx

    from certyard.cluster.jws import accept_list
    from certyard.errors import ExternalServiceError

    after = 0
    if pin.exists():
        try:
            after = int(json.loads(pin.read_text())["version"])
        except (ValueError, KeyError):
            after = 0
    verify = ssl.create_default_context(cafile=str(ca_file)) if ca_file else False
    try:
        r = httpx.get(f"{server.rstrip('/')}/agent/v1/trustlist", params={"after": after},
                      verify=verify, timeout=15)
        r.raise_for_status()
        lists = r.json()["lists"]
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        raise ExternalServiceError(f"cannot fetch the trust list from {server}: {exc}") from None
    results = []
    for text in lists:
        vl, how = accept_list(text.encode(), pin)
        results.append({**vl.to_dict(), "accepted": how})
    if output is not None and lists:
        output.write_bytes(lists[-1].encode())
    if json_:
        emit_list(results)
    else:
        for res in results:
            console.print(f"Version {res['version']}: accepted ({res['accepted']})")


@app.command("verify")
def verify(
    file: str = typer.Argument(..., help="Signed trust list file ('-' for stdin)."),
    pin: Path = typer.Option(Path("trustlist.pin.json"), "--pin", help=_PIN_HELP),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Verify a signed trust list against the pinned state (and pin it when accepted)."""
    from certyard.cluster.jws import accept_list

    vl, how = accept_list(read_input(file, 4 * 1024 * 1024), pin)
    if json_:
        emit_json({**vl.to_dict(), "accepted": how})
    else:
        console.print(f"Version {vl.version} accepted ({how}); signer {vl.signer[:16]}; "
                      f"{len(vl.records)} records")
