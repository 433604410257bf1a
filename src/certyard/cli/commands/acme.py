"""certyard acme ... — the ACME server: profiles (directories), EAB keys, accounts, orders
and validation settings."""

from __future__ import annotations

import typer

from certyard import acme
from certyard.cli.context import cli_context
from certyard.cli.output import console, emit_json, emit_list, show_fields, table, warn
from certyard.cli.ui import confirm

NAME = "acme"
app = typer.Typer(help="ACME server (RFC 8555): directories per profile at "
                  "/acme/<profile>/directory, EAB keys, accounts, orders.",
                  no_args_is_help=True)
profile_app = typer.Typer(help="ACME profiles: one directory each, with its policy.",
                          no_args_is_help=True)
eab_app = typer.Typer(help="External Account Binding keys (HMAC) for registering.",
                      no_args_is_help=True)
account_app = typer.Typer(help="ACME accounts.", no_args_is_help=True)
order_app = typer.Typer(help="ACME orders.", no_args_is_help=True)
app.add_typer(profile_app, name="profile")
app.add_typer(eab_app, name="eab")
app.add_typer(account_app, name="account")
app.add_typer(order_app, name="order")

_SUFFIX = "Allowed domain suffix (the name and its subdomains); repeatable."
_NAMES = "Allowed exact DNS name; repeatable."
_NETS = "Allowed IP network (CIDR) for ip identifiers; repeatable."


def _bool(value: str | None, option: str) -> bool | None:
    if value is None:
        return None
    v = value.strip().lower()
    if v in ("on", "yes", "true", "1"):
        return True
    if v in ("off", "no", "false", "0"):
        return False
    from certyard.errors import InvalidInput

    raise InvalidInput(f"{option} must be on or off", field=option.lstrip("-"))


def _print_profile(p: acme.ProfileView, json_: bool, directory: str = "") -> None:
    if json_:
        emit_json(p.to_dict() | ({"directory_url": directory} if directory else {}))
    else:
        show_fields(p, skip=("warnings",))
        if directory:
            console.print(f"Directory URL: {directory}")
    for w in p.warnings:
        warn(w)


@profile_app.command("add")
def profile_add(
    name: str = typer.Argument(..., help="Profile name: the directory is "
                               "/acme/NAME/directory."),
    suffix: list[str] = typer.Option(None, "--suffix", help=_SUFFIX),
    allow_name: list[str] = typer.Option(None, "--name", help=_NAMES),
    network: list[str] = typer.Option(None, "--network", help=_NETS),
    wildcards: bool = typer.Option(False, "--wildcards", help="Allow *.name (dns-01 only)."),
    cert_profile: str = typer.Option("server", "--cert-profile",
                                     help="CA certificate profile: server or server-client."),
    days: int = typer.Option(90, "--days", help="Certificate lifetime in days (1-825)."),
    eab: bool = typer.Option(False, "--eab-required", help="Registering needs an EAB key."),
    orders_per_hour: int = typer.Option(0, "--orders-per-hour",
                                        help="Orders per account and hour (0: no limit)."),
    approval: str = typer.Option("none", "--approval",
                                 help="none, or required: an administrator approves each "
                                      "certificate in the CA's pending queue."),
    auto_approve_nodes: bool = typer.Option(
        False, "--auto-approve-nodes", help="With --approval required: issue at once when "
        "every name is a known node's FQDN."),
    terms_url: str = typer.Option("", "--terms-url", help="Terms of service URL clients "
                                  "must agree to."),
    description: str = typer.Option("", "--description",
                                    help="A note for administrators (shown in lists)."),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Create an ACME directory with its policy."""
    p = acme.add_profile(cli_context(), name, allowed_suffixes=list(suffix or []),
                         allowed_names=list(allow_name or []),
                         allowed_networks=list(network or []), allow_wildcards=wildcards,
                         cert_profile=cert_profile, days=days, eab_required=eab,
                         orders_per_hour=orders_per_hour, approval=approval,
                         auto_approve_nodes=auto_approve_nodes, terms_url=terms_url,
                         description=description)
    ctx = cli_context()
    _print_profile(p, json_, acme.directory_url(ctx, p.name))


@profile_app.command("update")
def profile_update(
    name: str = typer.Argument(..., help="Profile name."),
    suffix: list[str] = typer.Option(None, "--suffix", help=_SUFFIX + " Replaces the list."),
    allow_name: list[str] = typer.Option(None, "--name", help=_NAMES + " Replaces the list."),
    network: list[str] = typer.Option(None, "--network", help=_NETS + " Replaces the list."),
    wildcards: str = typer.Option(None, "--wildcards", metavar="on|off",
                                  help="on: allow *.name orders (dns-01 only); off: refuse."),
    cert_profile: str = typer.Option(None, "--cert-profile", help="server or server-client."),
    days: int = typer.Option(None, "--days", help="Certificate lifetime in days (1-825)."),
    eab: str = typer.Option(None, "--eab-required", metavar="on|off",
                            help="on: accounts must bind an EAB key of this profile."),
    orders_per_hour: int = typer.Option(None, "--orders-per-hour",
                                        help="New orders one account may place per hour."),
    approval: str = typer.Option(None, "--approval", help="none or required."),
    auto_approve_nodes: str = typer.Option(
        None, "--auto-approve-nodes", metavar="on|off",
        help="on: issue at once when every name is a known node's FQDN."),
    terms_url: str = typer.Option(None, "--terms-url",
                                  help="Terms of service URL the directory shows."),
    description: str = typer.Option(None, "--description",
                                    help="A note for administrators (shown in lists)."),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Change a profile's policy (only the options given)."""
    p = acme.update_profile(
        cli_context(), name, allowed_suffixes=list(suffix) if suffix else None,
        allowed_names=list(allow_name) if allow_name else None,
        allowed_networks=list(network) if network else None,
        allow_wildcards=_bool(wildcards, "--wildcards"), cert_profile=cert_profile,
        days=days, eab_required=_bool(eab, "--eab-required"),
        orders_per_hour=orders_per_hour, approval=approval,
        auto_approve_nodes=_bool(auto_approve_nodes, "--auto-approve-nodes"),
        terms_url=terms_url, description=description)
    _print_profile(p, json_)


@profile_app.command("list")
def profile_list(json_: bool = typer.Option(False, "--json")) -> None:
    """Every ACME profile."""
    items = acme.list_profiles(cli_context())
    if json_:
        emit_list(items)
        return
    table(None, ["Name", "Allows", "Cert profile", "Days", "EAB", "Approval"],
          [(p.name, ", ".join(p.allowed_suffixes + p.allowed_names + p.allowed_networks),
            p.cert_profile, p.days, "required" if p.eab_required else "-", p.approval)
           for p in items], empty="no ACME profiles; add one with `certyard acme profile add`")


@profile_app.command("show")
def profile_show(name: str = typer.Argument(..., help="Profile name."),
                 json_: bool = typer.Option(False, "--json")) -> None:
    """One profile's policy."""
    _print_profile(acme.show_profile(cli_context(), name), json_)


@profile_app.command("remove")
def profile_remove(name: str = typer.Argument(..., help="Profile name."),
                   yes: bool = typer.Option(False, "--yes", help="Do not ask.")) -> None:
    """Remove a directory with its accounts, orders and EAB keys (issued certificates stay
    with the CA)."""
    ctx = cli_context()
    acme.show_profile(ctx, name)
    confirm(f"Remove the ACME profile {name} with its accounts and orders?", yes=yes,
            action="remove the profile")
    acme.remove_profile(ctx, name)
    console.print(f"Removed the ACME profile {name}.")


@eab_app.command("create")
def eab_create(profile: str = typer.Argument(..., help="Profile the key registers with."),
               description: str = typer.Option(
                   "", "--description", help="What the key is for, e.g. the team or host."),
               json_: bool = typer.Option(False, "--json")) -> None:
    """A new EAB key ID and HMAC key. The HMAC key is shown this once."""
    k = acme.create_eab_key(cli_context(), profile, description=description)
    if json_:
        emit_json({**k.to_dict(), "hmac_key": k.hmac_key})
        return
    console.print(f"Key ID:   {k.kid}", markup=False)
    console.print(f"HMAC key: {k.hmac_key}", markup=False)
    console.print("The HMAC key is not shown again. Give both to the client, e.g. certbot "
                  "--eab-kid KID --eab-hmac-key KEY.", markup=False)


@eab_app.command("list")
def eab_list(profile: str = typer.Option(None, "--profile", help="Only this profile."),
             json_: bool = typer.Option(False, "--json")) -> None:
    """EAB keys (never the HMAC key)."""
    items = acme.list_eab_keys(cli_context(), profile=profile)
    if json_:
        emit_list(items)
        return
    table(None, ["Key ID", "Profile", "Status", "Account", "Created", "Description"],
          [(k.kid, k.profile, k.status, k.account or "-", k.created_at, k.description or "-")
           for k in items], empty="no EAB keys")


@eab_app.command("revoke")
def eab_revoke(kid: str = typer.Argument(..., help="Key ID."),
               json_: bool = typer.Option(False, "--json")) -> None:
    """The key can no longer register an account."""
    k = acme.revoke_eab_key(cli_context(), kid)
    if json_:
        emit_json(k.to_dict())
        return
    console.print(f"Revoked the EAB key {k.kid}.", markup=False)


@account_app.command("list")
def account_list(profile: str = typer.Option(None, "--profile", help="Only this profile."),
                 json_: bool = typer.Option(False, "--json")) -> None:
    """ACME accounts."""
    items = acme.list_accounts(cli_context(), profile=profile)
    if json_:
        emit_list(items)
        return
    table(None, ["Account", "Profile", "Status", "Contact", "EAB key", "Orders", "Created"],
          [(a.id, a.profile, a.status, ", ".join(a.contact) or "-", a.eab_kid or "-",
            a.orders, a.created_at) for a in items], empty="no ACME accounts")


@account_app.command("deactivate")
def account_deactivate(account: str = typer.Argument(..., help="Account ID."),
                       yes: bool = typer.Option(False, "--yes", help="Do not ask."),
                       json_: bool = typer.Option(False, "--json")) -> None:
    """The account can no longer sign requests (its certificates stay valid)."""
    confirm(f"Deactivate the ACME account {account}?", yes=yes,
            action="deactivate the account")
    a = acme.deactivate_account(cli_context(), account)
    if json_:
        emit_json(a.to_dict())
        return
    console.print(f"Deactivated the ACME account {a.id}.", markup=False)


@order_app.command("list")
def order_list(profile: str = typer.Option(None, "--profile", help="Only this profile."),
               status: str = typer.Option(None, "--status",
                                          help="pending, ready, processing, valid, invalid."),
               json_: bool = typer.Option(False, "--json")) -> None:
    """ACME orders, newest first."""
    items = acme.list_orders(cli_context(), profile=profile, status=status)
    if json_:
        emit_list(items)
        return
    table(None, ["Order", "Profile", "Account", "Status", "Identifiers", "Request", "Serial",
                 "Created"],
          [(o.id, o.profile, o.account, o.status, ", ".join(o.identifiers),
            o.request_id or "-", o.serial or "-", o.created_at) for o in items],
          empty="no ACME orders")


@order_app.command("show")
def order_show(order: str = typer.Argument(..., help="Order ID."),
               json_: bool = typer.Option(False, "--json")) -> None:
    """One order with its authorizations and challenges."""
    o = acme.show_order(cli_context(), order)
    if json_:
        emit_json(o.to_dict())
        return
    show_fields(o)


@app.command("settings")
def settings(
    http_port: int = typer.Option(None, "--http-port", help="Port http-01 validation "
                                  "connects to (default 80)."),
    tlsalpn_port: int = typer.Option(None, "--tlsalpn-port", help="Port tls-alpn-01 "
                                     "validation connects to (default 443)."),
    dns_resolver: str = typer.Option(None, "--dns-resolver", metavar="IP:PORT",
                                     help="DNS server validation asks ('' : the system's)."),
    network: list[str] = typer.Option(None, "--allowed-network",
                                      help="Validation connects only inside these networks "
                                           "(CIDR; repeatable; replaces the list)."),
    any_network: bool = typer.Option(False, "--any-network",
                                     help="Clear the allowed networks."),
    timeout: float = typer.Option(None, "--timeout", help="Seconds per validation "
                                  "(0.5-120)."),
    json_: bool = typer.Option(False, "--json"),
) -> None:
    """Show the validator settings, or change the ones given."""
    ctx = cli_context()
    nets = [] if any_network else (list(network) if network else None)
    if all(v is None for v in (http_port, tlsalpn_port, dns_resolver, nets, timeout)):
        s = acme.acme_settings(ctx)
    else:
        s = acme.update_acme_settings(ctx, http_port=http_port, tlsalpn_port=tlsalpn_port,
                                      dns_resolver=dns_resolver, allowed_networks=nets,
                                      timeout=timeout)
    if json_:
        emit_json(s.to_dict())
        return
    show_fields(s)
