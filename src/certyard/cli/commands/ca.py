"""certyard ca ... — the built-in certificate authority."""

from __future__ import annotations

from pathlib import Path

import typer

from certyard import ca
from certyard.cli.context import cli_context, read_input
from certyard.cli.output import (
    console,
    emit_json,
    emit_list,
    err,
    fmt_date,
    fmt_value,
    show_fields,
    table,
)
from certyard.cli.ui import confirm, working, write_output

NAME = "ca"
app = typer.Typer(help="Built-in certificate authority: requests, issuance, revocation, "
                  "CRL, OCSP.", no_args_is_help=True)


def _write(data: bytes, output: str | None, *, binary: bool = False, what: str = "") -> None:
    write_output(data, output, binary=binary, what=what or "the output")


def _print_info(info: ca.CaInfo, json_: bool) -> None:
    if json_:
        emit_json(info.to_dict())
        return
    console.print(f"Root CA:    {info.root['subject']} (SHA-256 {info.root['fingerprint_sha256']})")
    console.print(f"Issuing CA: {info.issuing['subject']}")
    console.print(f"Added the root to: {', '.join(info.trust_stores) or '-'}")
    console.print(f"CRL/OCSP/AIA base URL: {info.base_url}")


@app.command("init")
def init(
    cn: str = typer.Option(None, "--cn", help="Root CA common name."),
    org: str = typer.Option(None, "--org", help="Organisation (default certyard)."),
    key_type: str = typer.Option("EC", "--key-type", help="Key type: RSA or EC."),
    key_size: int = typer.Option(None, "--key-size", help=ca.ca_key_size_help()),
    root_days: int = typer.Option(7300, "--root-days", help="Validity of the root, in days."),
    intermediate_days: int = typer.Option(3650, "--intermediate-days",
                                          help="Validity of the issuing CA, in days."),
    no_intermediate: bool = typer.Option(False, "--no-intermediate",
                                         help="Sign from the root directly."),
    purpose: list[str] = typer.Option(None, "--purpose",
                                      help="Purposes it signs for (default: all)."),
    pkcs11: str = typer.Option(None, "--pkcs11", metavar="MODULE",
                               help="Generate the keys in a PKCS#11 token (module path)."),
    token: str = typer.Option(None, "--token", metavar="LABEL", help="Token label."),
    key_label: str = typer.Option(None, "--key-label",
                                  help="Key label prefix (default certyard-ca)."),
    pin_file: str = typer.Option(None, "--pin-file", help="File holding the token PIN."),
    pin_env: str = typer.Option(None, "--pin-env", metavar="VAR",
                                help="Environment variable holding the token PIN."),
    seal_pin: bool = typer.Option(False, "--seal-pin",
                                  help="Read the PIN once and keep it sealed."),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Create a root CA and an issuing intermediate."""
    ref = _token_ref(pkcs11, token, "certyard-ca" if key_label is None else key_label, None,
                     pin_file, pin_env, seal_pin)
    with working("Creating the CA keys and certificates"):
        info = ca.init_ca(cli_context(), common_name=cn, organization=org, key_type=key_type,
                          key_size=key_size, root_days=root_days,
                          intermediate_days=intermediate_days,
                          intermediate=not no_intermediate, purposes=list(purpose or []),
                          pkcs11=ref)
    _print_info(info, json_)


def _token_ref(module: str | None, token: str | None, key_label: str | None,
               key_id: str | None, pin_file: str | None, pin_env: str | None,
               seal_pin: bool) -> ca.TokenRef | None:
    if module is None:
        if token or pin_file or pin_env or seal_pin:
            from certyard.errors import InvalidInput

            raise InvalidInput("--token, --pin-file, --pin-env and --seal-pin go with "
                               "--pkcs11 MODULE", field="pkcs11")
        return None
    return ca.TokenRef.from_options(module=module, token=token, key_label=key_label,
                                    key_id=key_id, pin_file=pin_file, pin_env=pin_env,
                                    seal_pin=seal_pin)


@app.command("import")
def import_(
    cert: str = typer.Argument(..., help="CA certificate (PEM/DER)."),
    key: str = typer.Argument(None, help="CA private key (PEM/DER); not with --pkcs11."),
    chain: str = typer.Option(None, "--chain", help="Certificates up to the root."),
    purpose: list[str] = typer.Option(None, "--purpose",
                                      help="Purposes it signs for (default: all)."),
    pkcs11: str = typer.Option(None, "--pkcs11", metavar="MODULE",
                               help="The key is in a PKCS#11 token (module path)."),
    token: str = typer.Option(None, "--token", metavar="LABEL", help="Token label."),
    key_label: str = typer.Option(None, "--key-label", help="Label of the key in the token."),
    key_id: str = typer.Option(None, "--key-id", metavar="HEX", help="ID of the key."),
    pin_file: str = typer.Option(None, "--pin-file", help="File holding the token PIN."),
    pin_env: str = typer.Option(None, "--pin-env", metavar="VAR",
                                help="Environment variable holding the token PIN."),
    seal_pin: bool = typer.Option(False, "--seal-pin",
                                  help="Read the PIN once and keep it sealed."),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Bring an existing CA (certificate and key, or the key's place in a token)."""
    ref = _token_ref(pkcs11, token, key_label, key_id, pin_file, pin_env, seal_pin)
    if ref is not None and key is not None:
        from certyard.errors import InvalidInput

        raise InvalidInput("give either a key file or --pkcs11, not both", field="key")
    ctx = cli_context()
    limit = ctx.settings.max_upload_bytes
    chain_data = read_input(chain, limit) if chain else None
    if chain_data is not None and not chain_data.strip():
        from certyard.errors import InvalidFile

        raise InvalidFile(f"--chain file {chain} is empty: it must hold the certificates up "
                          "to the root (leave --chain out when the CA is a root)",
                          field="chain")
    info = ca.import_ca(ctx, read_input(cert, limit),
                        read_input(key, limit) if key is not None else None,
                        chain_data=chain_data,
                        purposes=list(purpose or []), pkcs11=ref)
    _print_info(info, json_)


@app.command("show")
def show(json_: bool = typer.Option(False, "--json")) -> None:
    """The CA certificates and where each key lives (sealed file or PKCS#11 token)."""
    views = ca.describe_ca_keys(cli_context())
    if json_:
        emit_json({"items": [v.to_dict() for v in views]})
        return
    table(None, ["ID", "Role", "Subject", "Key", "Key lives in", "Key ID"],
          [(v.id, v.role, v.subject, v.key, v.where,
            (v.location.key_id if v.location else None) or "-") for v in views],
          empty="no CA; run `certyard ca init`")


def _print_request(r: ca.RequestView) -> None:
    for label, value in (("Request", r.id), ("State", r.state), ("Subject", r.subject),
                         ("SANs", r.sans), ("Key", r.key),
                         ("Profile", r.profile), ("Requester", r.requester),
                         ("Submitted", r.submitted_at), ("Node", r.node or "-"),
                         ("Purpose", r.purpose or "-"), ("Decided", r.decided_at or "-"),
                         ("Decided by", r.decided_by or "-"), ("Reason", r.reason or "-"),
                         ("Serial", r.serial or "-")):
        console.print(f"{label + ':':12} {fmt_value(value)}", markup=False)


@app.command("submit")
def submit(
    file: str = typer.Argument(..., help="CSR file (PEM/DER), or - for stdin."),
    profile: str = typer.Option(None, "--profile", help="server-client (default), server, "
                                "client, ocsp, sub-ca."),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Submit a CSR; it waits pending. Prints the request ID."""
    ctx = cli_context()
    r = ca.submit_request(ctx, read_input(file, ctx.settings.max_upload_bytes),
                          profile=profile)
    if json_:
        emit_json({"id": r.id, "state": r.state})
    else:
        console.print(str(r.id))


@app.command("requests")
def requests(
    state: str = typer.Option(None, "--state", help="pending, issued or denied."),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """List requests (newest first)."""
    items = ca.list_requests(cli_context(), state=state)
    if json_:
        emit_list(items)
        return
    table(None, ["ID", "State", "Subject", "SANs", "Key", "Requester", "Submitted", "Serial"],
          [(i.id, i.state, i.subject, ", ".join(i.sans), i.key, i.requester,
            fmt_date(i.submitted_at), i.serial) for i in items], empty="no requests")


@app.command("show-request")
def show_request(request_id: int = typer.Argument(..., help="Request ID (see ca requests)."),
                 json_: bool = typer.Option(False, "--json")) -> None:
    """Show one request."""
    r = ca.show_request(cli_context(), request_id)
    if json_:
        emit_json(r.to_dict())
    else:
        _print_request(r)


@app.command("issue")
def issue(
    request_id: int = typer.Argument(..., help="Request ID (see ca requests)."),
    profile: str = typer.Option(None, "--profile", help="server-client (default), server, "
                                "client, ocsp, sub-ca."),
    days: int = typer.Option(None, "--days", help="Validity in days (default: the "
                             "profile's)."),
    output: str = typer.Option(None, "-o", "--output", help="Write the PEM here."),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Issue a pending request; prints the certificate (PEM). A node's request is also
    installed on the node."""
    r = ca.issue_request(cli_context(), request_id, profile=profile, days=days)
    if json_:
        if output:
            _write(r.pem.encode(), output)
        emit_json({**r.to_dict(), "output": str(Path(output).absolute()) if output else None})
        return
    _write(r.pem.encode(), output)
    if r.installed_on:
        console.print(f"Installed as {r.purpose} on {', '.join(r.installed_on)}.",
                      style="dim")


@app.command("deny")
def deny(request_id: int = typer.Argument(..., help="Request ID (see ca requests)."),
         reason: str = typer.Option(None, "--reason", help="Why (required)."),
         json_: bool = typer.Option(False, "--json")) -> None:
    """Deny a pending request."""
    r = ca.deny_request(cli_context(), request_id, reason=reason or "")
    if json_:
        emit_json(r.to_dict())
    else:
        console.print(f"Request {r.id} denied.")


@app.command("sign-pending")
def sign_pending(
    purpose: str = typer.Argument(..., help="Purpose, e.g. ipsec (see purpose list)."),
    node: str = typer.Option(None, "--node", help="Node (default: publisher)."),
    profile: str = typer.Option(None, "--profile", help="server-client (default), server, "
                                "client, ocsp, sub-ca."),
    approve: bool = typer.Option(False, "--approve", help="Issue and install at once."),
    days: int = typer.Option(None, "--days", help="Validity in days (default: the "
                             "profile's)."),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Send a node's pending CSR for PURPOSE to the built-in CA."""
    r = ca.sign_pending(cli_context(), purpose, node=node, profile=profile, approve=approve,
                        days=days)
    if json_:
        emit_json(r.to_dict())
    elif r.state == "pending":
        console.print(f"Request {r.id} is pending; issue it with: certyard ca issue {r.id}")
    else:
        console.print(f"Request {r.id} issued (serial {r.serial}) and installed on "
                      f"{', '.join(r.installed_on or [])}.")


@app.command("export")
def export(
    format: str = typer.Option("pem", "--format", help="pem, der or p7b (binary: needs -o "
                               "or a redirect)."),
    chain: bool = typer.Option(False, "--chain", help="The whole path to the root."),
    output: str = typer.Option(None, "-o", "--output"),
) -> None:
    """Write the CA certificate (or chain)."""
    _write(ca.export_ca(cli_context(), format=format, chain=chain), output,
           binary=format.lower() in ("der", "p7b"), what=f"the CA certificate in {format}")


@app.command("revoke")
def revoke(
    serial: str = typer.Argument(..., help="Serial number (hex)."),
    reason: str = typer.Option("unspecified", "--reason",
                               help="RFC 5280 reason: " + ", ".join(ca.REASONS)),
    yes: bool = typer.Option(False, "--yes", "-y"),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Revoke a certificate issued by this CA (certificateHold can be released later)."""
    from certyard.ca.crl import check_revocable

    check_revocable(cli_context(), serial, reason=reason)  # "already revoked" before asking
    what = ("Put certificate {} on hold" if reason == "certificateHold"
            else "Revoke certificate {}; this cannot be undone").format(serial)
    confirm(f"{what}. Continue?", yes=yes,
            action=("put certificate {} on hold" if reason == "certificateHold"
                    else "revoke certificate {}").format(serial))
    r = ca.revoke_certificate(cli_context(), serial, reason=reason)
    if json_:
        emit_json(r.to_dict())
    else:
        console.print(f"Revoked {r.serial} ({r.reason}); CRL number {r.crl_number}.")


@app.command("release-hold")
def release_hold(serial: str = typer.Argument(..., help="Serial number (hex)."),
                 json_: bool = typer.Option(False, "--json")) -> None:
    """Take a certificate off hold (certificateHold)."""
    r = ca.release_hold(cli_context(), serial)
    if json_:
        emit_json(r.to_dict())
    else:
        console.print(f"Released {r.serial}; CRL number {r.crl_number}.")


@app.command("crl")
def crl(
    format: str = typer.Option("der", "--format", help="der or pem (der is binary: needs -o "
                               "or a redirect)."),
    output: str = typer.Option(None, "-o", "--output"),
    delta: bool = typer.Option(False, "--delta",
                               help="The delta CRL instead (CA setting crl_delta on)."),
) -> None:
    """Write the current CRL (or, with --delta, the current delta CRL)."""
    if format not in ("der", "pem"):
        from certyard.errors import InvalidInput

        raise InvalidInput("format must be der or pem", field="format")
    der = ca.current_delta_crl(cli_context()) if delta else ca.current_crl(cli_context())
    if format == "pem":
        from cryptography import x509
        from cryptography.hazmat.primitives.serialization import Encoding

        der = x509.load_der_x509_crl(der).public_bytes(Encoding.PEM)
    _write(der, output, binary=format == "der", what="the CRL in DER")


@app.command("issued")
def issued(
    status: str = typer.Option(None, "--status", help="good, revoked or hold."),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """List certificates the CA issued (--json includes each certificate's PEM)."""
    items = ca.list_issued(cli_context(), status=status, with_pem=json_)
    if json_:
        emit_list(items)
        return
    table(None, ["Serial", "Subject", "Profile", "Expires", "Status", "Reason"],
          [(i.serial, i.subject, i.profile, fmt_date(i.not_after), i.status, i.reason)
           for i in items], empty="nothing issued yet")


@app.command("download")
def download(
    serial: str = typer.Argument(..., help="Serial number (hex; see ca issued)."),
    chain: bool = typer.Option(False, "--chain",
                               help="Add the CA certificates up to the root."),
    output: str = typer.Option(None, "-o", "--output", help="Write the PEM here."),
) -> None:
    """Write a certificate the CA issued (PEM), again: certificates are public."""
    view, _above, full = ca.issued_with_chain(cli_context(), serial)
    _write((full if chain else view.pem).encode(), output, what=f"certificate {serial}")


@app.command("config")
def config(
    base_url: str = typer.Option(None, "--base-url", help="AIA/CDP base (plain http)."),
    auto_approve_nodes: bool = typer.Option(
        None, "--auto-approve-nodes/--no-auto-approve-nodes",
        help="Issue at once when a node asks only for its own FQDN."),
    allowed_domain: list[str] = typer.Option(None, "--allowed-domain",
                                             help="Allowed DNS domain (repeat)."),
    allow_wildcards: bool = typer.Option(None, "--allow-wildcards/--no-allow-wildcards",
                                         help="Allow *.example.com names."),
    allowed_network: list[str] = typer.Option(
        None, "--allowed-network", help="Allowed IP network for IP names, CIDR (repeat); "
        "'none' clears the list."),
    crl_days: int = typer.Option(None, "--crl-days", help="CRL validity in days."),
    ocsp_hours: int = typer.Option(None, "--ocsp-hours",
                                   help="OCSP response validity in hours."),
    crl_shards: int = typer.Option(None, "--crl-shards",
                                   help="CRL partitions for new certificates (0: off)."),
    crl_delta: bool = typer.Option(None, "--crl-delta/--no-crl-delta",
                                   help="Publish delta CRLs beside each full CRL."),
    crl_delta_hours: int = typer.Option(None, "--crl-delta-hours",
                                        help="Delta CRL validity in hours."),
    ocsp_delegated: bool = typer.Option(None, "--ocsp-delegated/--no-ocsp-delegated",
                                        help="Sign OCSP with a delegated responder cert."),
    fips_require_token: bool = typer.Option(
        None, "--fips-require-token/--no-fips-require-token",
        help="In FIPS mode, CA keys must be in a PKCS#11 token."),
    force: bool = typer.Option(False, "--force",
                               help="Set --fips-require-token even though it stops issuance "
                               "(FIPS mode on, issuing CA key in a file)."),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Show or change CA settings."""
    ctx = cli_context()
    changes = dict(base_url=base_url, auto_approve_nodes=auto_approve_nodes,
                   allowed_domains=list(allowed_domain) if allowed_domain else None,
                   allow_wildcards=allow_wildcards,
                   allowed_networks=([] if list(allowed_network) == ["none"]
                                     else list(allowed_network)) if allowed_network else None,
                   crl_days=crl_days, ocsp_hours=ocsp_hours,
                   ocsp_delegated=ocsp_delegated, fips_require_token=fips_require_token,
                   crl_shards=crl_shards, crl_delta=crl_delta,
                   crl_delta_hours=crl_delta_hours)
    settings = (ca.configure_ca(ctx, force=force, **changes)
                if any(v is not None for v in changes.values()) else ca.ca_settings(ctx))
    if fips_require_token:
        warning = ca.token_rule_warning(ctx)
        if warning:
            err(f"warning: {warning}")
    if json_:
        emit_json(settings.to_dict())
        return
    show_fields(settings, labels=_CONFIG_LABELS)


_CONFIG_LABELS = {"base_url": "CRL/OCSP/AIA base URL", "auto_approve_nodes": "Auto-approve nodes",
                  "allowed_domains": "Allowed domains", "allow_wildcards": "Allow wildcards",
                  "crl_days": "CRL validity (days)", "ocsp_hours": "OCSP validity (hours)",
                  "ocsp_delegated": "Delegated OCSP responder", "crl_delta": "Delta CRLs",
                  "crl_delta_hours": "Delta CRL hours"}
