"""certyard cert ..."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import typer

from certyard import monitor, store
from certyard.cli.context import cli_context, read_input
from certyard.cli.output import console, emit_json, emit_list, fmt_date, show_fields, table, warn
from certyard.cli.ui import confirm, write_output
from certyard.store.upload_hooks import run_now

NAME = "cert"
app = typer.Typer(help="Certificate Management: list, show, download, delete, generate, "
                       "upload.", no_args_is_help=True)


def _days_left(view: store.EntryView) -> str:
    if view.not_after is None:
        return "-"
    days = (view.not_after - dt.datetime.now(dt.timezone.utc)).days
    return f"{fmt_date(view.not_after)} ({'expired' if days < 0 else f'{days}d'})"


def _revocation(state: monitor.RevocationState | None) -> str:
    """The Revocation column/line, from the web list's source of truth
    (monitor.revocation_states): "Revoked 2026-11-30 (key compromise)", "Good", "-"."""
    if state is None or state.status == "unchecked":
        return "-" if state is None else "Not checked"
    text = state.label
    if state.since is not None:
        text += f" {fmt_date(state.since)}"
    if state.reason:
        words = re.sub(r"(?<=[a-z])([A-Z])", r" \1", state.reason).lower()
        text += f" ({words})"
    return text


def _revocation_json(state: monitor.RevocationState | None) -> dict[str, object] | None:
    return None if state is None else state.to_dict()


@app.command("list")
def list_(
    node: str = typer.Option(None, "--node", help="Only this node (plus cluster-wide trust)."),
    purpose: str = typer.Option(None, "--purpose", help="Purpose, or PURPOSE-trust."),
    type_: str = typer.Option(None, "--type", help="identity, trust or csr."),
    find: str = typer.Option(None, "--find", help="Text in the common name."),
    expiring_before: dt.datetime = typer.Option(
        None, "--expiring-before", formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"],
        help="Only certificates that expire before this date (UTC)."),
    sort: str = typer.Option("common_name", "--sort",
                             help="common_name, expiration, purpose, type, created, id."),
    desc: bool = typer.Option(False, "--desc", help="Sort descending."),
    page: int = typer.Option(1, "--page", min=1, help="Page to show (from 1)."),
    page_size: int = typer.Option(50, "--page-size", min=1, max=1000,
                                  help="Certificates per page (1-1000)."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The Certificate List with the Find controls."""
    ctx = cli_context()
    result = store.find_entries(
        ctx, node=node, purpose=purpose, type=type_, text=find,
        expiring_before=(expiring_before.replace(tzinfo=dt.timezone.utc)
                         if expiring_before else None), sort=sort, descending=desc,
        page=page, page_size=page_size)
    states = monitor.revocation_states(ctx, [v.id for v in result.items])
    if json_:
        d = result.to_dict()
        items = d.pop("items")
        for item in items:
            item["revocation"] = _revocation_json(states.get(item["id"]))
        emit_list(items, **{k: v for k, v in d.items() if k != "total"},
                  total=result.total)
        return
    types = {"identity": "Identity", "trust": "Trust", "csr": "CSR Only"}
    table(f"Certificates (page {result.page} of {result.pages}, {result.total} in all)",
          ["ID", "Purpose", "Common Name", "Type", "Key", "Distribution", "Node", "Issued By",
           "Expiration", "Revocation", "Description"],
          [(v.id, v.store, v.common_name, types[v.type], f"{v.key_type}-{v.key_size}",
            v.distribution, v.node or "all", v.issued_by, _days_left(v),
            _revocation(states.get(v.id)), v.description)
           for v in result.items],
          empty="no certificates match these filters" if any(
              (node, purpose, type_, find, expiring_before)) else "no certificates yet")


@app.command("show")
def show(
    entry_id: int = typer.Argument(..., metavar="ID", help="Certificate ID (see cert list)."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Certificate Details, with the SHA-512 checksum and fingerprints."""
    ctx = cli_context()
    d = store.show_entry(ctx, entry_id)
    state = monitor.revocation_states(ctx, [entry_id]).get(entry_id)
    d["revocation"] = _revocation_json(state)
    if json_:
        emit_json(d)
        return
    det = d["details"]
    rows = [
        ("ID", d["id"]), ("Type", d["type"]), ("Purpose", d["store"]),
        ("Node", d["node"] or "all nodes"), ("Distribution", d["distribution"]),
        ("Subject", det["subject"]), ("Issuer", det.get("issuer", "-")),
        ("Serial", det.get("serial", "-")), ("Valid from", det.get("not_before", "-")),
        ("Valid to", det.get("not_after", "-")),
        ("Revocation", _revocation(state)),
        ("Key", f"{det['key_type']} {det['key_size']}"),
        ("Signature algorithm", det["signature_algorithm"]),
        ("Subject alternative names", ", ".join(det["sans"]) or "-"),
    ]
    for label, key in (("Key usage", "key_usage"), ("Extended key usage", "extended_key_usage"),
                       ("Basic constraints", "basic_constraints"),
                       ("Authority info access", "authority_information_access"),
                       ("CRL distribution points", "crl_distribution_points")):
        if key in det:
            rows.append((label, det[key] if det[key] is not None else "-"))
    rows += [("Description", d["description"] or "-"), ("SHA-512", det["sha512"]),
             ("SHA-256", det["sha256"])]
    if "sha1" in det:
        rows.append(("SHA-1", det["sha1"]))
    show_fields(dict(rows))


@app.command("download")
def download(
    entry_id: int = typer.Argument(..., metavar="ID", help="Certificate ID (see cert list)."),
    format_: str = typer.Option("pem", "--format", help="pem or der (binary: needs -o or a "
                                "redirect)."),
    output: Path = typer.Option(None, "-o", "--output", help="Write to this file."),
) -> None:
    """Download a certificate or CSR (never a private key)."""
    _name, data = store.download_entry(cli_context(), entry_id, format=format_)
    write_output(data, output, binary=format_.lower() == "der",
                 what=f"certificate {entry_id} in DER")


@app.command("delete")
def delete(
    entry_id: int = typer.Argument(..., metavar="ID", help="Certificate ID (see cert list)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Delete a certificate; its CSR is deleted with it."""
    confirm(f"Deleting certificate {entry_id} can affect the services that use it, and "
            "its CSR is deleted too. Continue?", yes=yes,
            action=f"delete certificate {entry_id} and its CSR")
    result = store.delete_entry(cli_context(), entry_id)
    console.print(f"Deleted {len(result['deleted'])} entr"
                  f"{'y' if len(result['deleted']) == 1 else 'ies'} "
                  f"({result['type']} {result['purpose']} {result['common_name']}).")


@app.command("generate-self-signed")
def generate_self_signed(
    purpose: str = typer.Argument(..., help="Purpose, e.g. tomcat (see purpose list)."),
    node: str = typer.Option(None, "--node", help="Node (default: publisher)."),
    key_length: int = typer.Option(None, "--key-length",
                                   help="Key length in bits (default: the purpose's)."),
    hash_: str = typer.Option(None, "--hash", help="SHA256, SHA384 or SHA512."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Regenerate a node's self-signed certificate (CN is the node FQDN)."""
    result = store.generate_self_signed(cli_context(), purpose, node=node,
                                        key_length=key_length, hash_name=hash_)
    if json_:
        emit_json(result.to_dict())
        return
    for w in result.warnings:
        warn(w)
    e = result.entries[0]
    console.print(f"Generated self-signed {e.purpose} certificate {e.id} for {e.node} "
                  f"({e.key_type}-{e.key_size}, expires {fmt_date(e.not_after)}).")
    if result.restart_services:
        console.print(f"Restart: {', '.join(result.restart_services)}")


@app.command("upload-trust")
def upload_trust(
    trust_store: str = typer.Argument(..., metavar="PURPOSE-trust",
                                     help="Trust store, e.g. tomcat-trust."),
    file: str = typer.Argument(..., metavar="FILE", help="PEM, DER or PKCS#7; '-' for stdin."),
    description: str = typer.Option("", "--description", help="Free text shown in lists."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Upload CA certificates to a trust store; they are distributed to every node."""
    ctx = cli_context()
    data = read_input(file, ctx.settings.max_upload_bytes)
    result = store.upload_trust_certificates(ctx, trust_store, data, description=description,
                                             after=run_now)
    if json_:
        emit_json(result.to_dict())
        return
    for w in result.warnings:
        warn(w)
    for e in result.added:
        console.print(f"Added {e.common_name} to {e.store} (ID {e.id}).")
    for d in result.duplicates:
        console.print(f"Already in {trust_store}, not stored twice: {d}")


@app.command("upload")
def upload(
    purpose: str = typer.Argument(..., help="Purpose, e.g. tomcat (see purpose list)."),
    file: str = typer.Argument(..., metavar="FILE", help="PEM, DER or PKCS#7 chain; '-' stdin."),
    node: str = typer.Option(None, "--node", help="Node (default: publisher)."),
    description: str = typer.Option("", "--description", help="Free text shown in lists."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Upload a CA-signed application certificate for a purpose."""
    ctx = cli_context()
    data = read_input(file, ctx.settings.max_upload_bytes)
    result = store.upload_identity_certificate(ctx, purpose, data, node=node,
                                               description=description, after=run_now)
    if json_:
        emit_json(result.to_dict())
        return
    for w in result.warnings:
        warn(w)
    e = result.added[0]
    console.print(f"Installed {e.purpose} certificate '{e.common_name}' "
                  f"({e.distribution}) on {', '.join(result.nodes)}.")
    for t in result.trust_added:
        console.print(f"Added intermediate {t.common_name} to {t.store}.")
    if result.restart_services:
        console.print(f"Restart these services: {', '.join(result.restart_services)}")
