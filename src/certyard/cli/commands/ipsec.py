"""certyard ipsec ... — IPsec policies  and swanctl.conf export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from certyard import ipsec
from certyard.cli.context import cli_context, read_input
from certyard.cli.output import console, emit_json, emit_list, show_fields, table
from certyard.cli.ui import confirm

NAME = "ipsec"
app = typer.Typer(help="IPsec policies: add, list, show, edit, enable/disable, delete, export "
                       "as strongSwan swanctl.conf.", no_args_is_help=True)


def _psk(path: str | None) -> str | None:
    if path is None:
        return None
    return read_input(path, 4096).decode("utf-8", "replace").strip()


def _fields(**opts: Any) -> dict[str, Any]:
    """Option names to field names; the values are read by the spec's own parse()."""
    mapping = {"destination": "destination_address", "source": "source_address",
               "encryption": "encryption_algorithm", "hash_": "hash_algorithm",
               "esp": "esp_algorithm"}
    return ipsec.IpsecPolicySpec.parse({mapping.get(k, k): v for k, v in opts.items()})


AUTH = typer.Option(None, "--auth-method", help="pre-shared-key or certificate.")
PSK = typer.Option(None, "--preshared-key-file",
                   help="File (or - for stdin) with the pre-shared key: letters, digits, -.")
PEER = typer.Option(None, "--peer-type", help="same or different.")
DST = typer.Option(None, "--destination", help="Destination IP address or FQDN.")
DPORT = typer.Option(None, "--destination-port", help="Port number or any.")
SRC = typer.Option(None, "--source", help="Source IP address or FQDN.")
SPORT = typer.Option(None, "--source-port", help="Port number or any.")
MODE = typer.Option(None, "--mode", help="transport (default) or tunnel.")
RPORT = typer.Option(None, "--remote-port", help="Remote (IKE) port; default 500.")
PROTO = typer.Option(None, "--protocol", help="TCP, UDP or Any.")
ENC = typer.Option(None, "--encryption", help="IKE encryption, see `ipsec algorithms`.")
HASH = typer.Option(None, "--hash", help="SHA256, SHA384, SHA512, SHA1 or MD5 (weak).")
ESP = typer.Option(None, "--esp", help="ESP algorithm, see `ipsec algorithms`.")
P1L = typer.Option(None, "--phase1-lifetime", help="Seconds, 300-86400; default 28800.")
P1DH = typer.Option(None, "--phase1-dh", help="DH group 14, 19, 20 (1, 2, 5 weak).")
P2L = typer.Option(None, "--phase2-lifetime", help="Seconds, 300-86400; default 3600.")
P2DH = typer.Option(None, "--phase2-dh", help="DH group 14, 19, 20 (1, 2, 5 weak).")
ENABLE = typer.Option(None, "--enable/--disable", help="Enable Policy.")
JSON = typer.Option(False, "--json", help="Print JSON.")


def _show(view: ipsec.IpsecPolicyView, json_: bool, verb: str) -> None:
    if json_:
        emit_json(view.to_dict())
        return
    d = view.to_dict()
    console.print(f"{verb} IPsec policy {d['group_name']}/{d['name']}.")
    show_fields({k: ("any" if v is None else v) for k, v in d.items()
                 if k not in ("group_name", "name")})


@app.command("add")
def add(group: str = typer.Argument(..., help="Policy group name."),
        name: str = typer.Argument(..., help="Policy name."),
        auth_method: str = AUTH, preshared_key_file: str = PSK, peer_type: str = PEER,
        destination: str = DST, destination_port: str = DPORT, source: str = SRC,
        source_port: str = SPORT, mode: str = MODE, remote_port: int = RPORT,
        protocol: str = PROTO, encryption: str = ENC, hash_: str = HASH, esp: str = ESP,
        phase1_lifetime: int = P1L, phase1_dh: int = P1DH, phase2_lifetime: int = P2L,
        phase2_dh: int = P2DH, enabled: bool = ENABLE, json_: bool = JSON) -> None:
    """Add an IPsec policy with every field of an IPsec policy."""
    f = _fields(auth_method=auth_method, peer_type=peer_type, destination=destination,
                destination_port=destination_port, source=source, source_port=source_port,
                mode=mode, remote_port=remote_port, protocol=protocol, encryption=encryption,
                hash_=hash_, esp=esp, phase1_lifetime=phase1_lifetime, phase1_dh=phase1_dh,
                phase2_lifetime=phase2_lifetime, phase2_dh=phase2_dh, enabled=enabled)
    spec = ipsec.IpsecPolicySpec.from_dict({"group_name": group, "name": name,
                                            "preshared_key": _psk(preshared_key_file), **f})
    _show(ipsec.add_policy(cli_context(), spec), json_, "Added")


@app.command("edit")
def edit(name: str = typer.Argument(..., help="Policy name."),
         group: str = typer.Option(None, "--group", help="Policy group name."),
         auth_method: str = AUTH, preshared_key_file: str = PSK, peer_type: str = PEER,
         destination: str = DST, destination_port: str = DPORT, source: str = SRC,
         source_port: str = SPORT, mode: str = MODE, remote_port: int = RPORT,
         protocol: str = PROTO, encryption: str = ENC, hash_: str = HASH, esp: str = ESP,
         phase1_lifetime: int = P1L, phase1_dh: int = P1DH, phase2_lifetime: int = P2L,
         phase2_dh: int = P2DH, enabled: bool = ENABLE, json_: bool = JSON) -> None:
    """Change fields of a policy; fields not given stay as they are."""
    f = _fields(group_name=group, auth_method=auth_method, peer_type=peer_type,
                destination=destination, destination_port=destination_port, source=source,
                source_port=source_port, mode=mode, remote_port=remote_port, protocol=protocol,
                encryption=encryption, hash_=hash_, esp=esp, phase1_lifetime=phase1_lifetime,
                phase1_dh=phase1_dh, phase2_lifetime=phase2_lifetime, phase2_dh=phase2_dh,
                enabled=enabled)
    psk = _psk(preshared_key_file)
    if psk is not None:
        f["preshared_key"] = psk
    _show(ipsec.update_policy(cli_context(), name, **f), json_, "Saved")


@app.command("list")
def list_(group: str = typer.Option(None, "--group", help="Only this policy group."),
          json_: bool = JSON) -> None:
    """The IPSEC Policy List."""
    views = ipsec.list_policies(cli_context(), group=group)
    if json_:
        emit_list(views)
        return
    table("IPsec policies", ["Group", "Name", "Auth", "Source", "Destination", "Protocol",
                             "IKE", "ESP", "Enabled", "Weak"],
          [(v.spec.group_name, v.spec.name, v.spec.auth_method, v.spec.source_address,
            v.spec.destination_address, v.spec.protocol,
            f"{v.spec.encryption_algorithm}/{v.spec.hash_algorithm}/DH{v.spec.phase1_dh}",
            f"{v.spec.esp_algorithm}/DH{v.spec.phase2_dh}", "yes" if v.spec.enabled else "no",
            ", ".join(v.spec.weak) or "-") for v in views], empty="no IPsec policies")


@app.command("show")
def show(name: str = typer.Argument(..., help="Policy name."), json_: bool = JSON) -> None:
    """One policy (the pre-shared key is never shown)."""
    _show(ipsec.get_policy(cli_context(), name), json_, "")


@app.command("enable")
def enable(name: str = typer.Argument(..., help="Policy name.")) -> None:
    """Enable a policy (refused in FIPS mode when it uses a weak algorithm)."""
    ipsec.set_enabled(cli_context(), name, True)
    console.print(f"Enabled IPsec policy {name}.")


@app.command("disable")
def disable(name: str = typer.Argument(..., help="Policy name.")) -> None:
    """Disable a policy."""
    ipsec.set_enabled(cli_context(), name, False)
    console.print(f"Disabled IPsec policy {name}.")


@app.command("delete")
def delete(names: list[str] = typer.Argument(..., help="Policy names (Delete Selected)."),
           yes: bool = typer.Option(False, "--yes", "-y")) -> None:
    """Delete the selected policies: all of them, or none if one is unknown."""
    confirm(f"Delete IPsec policies {', '.join(names)}?", yes=yes)
    deleted = ipsec.delete_policies(cli_context(), names)
    console.print(f"Deleted {len(deleted)} IPsec policies: {', '.join(deleted)}.")


@app.command("algorithms")
def algorithms(json_: bool = JSON) -> None:
    """The algorithm choices; weak ones are refused in FIPS mode."""
    ch = ipsec.choices()
    if json_:
        emit_json(ch)
        return
    for field, items in ch.items():
        console.print(f"{field}: " + ", ".join(
            f"{i['name']}{' (weak)' if i['weak'] else ''}" for i in items))


@app.command("export")
def export(output: str = typer.Option(..., "-o", "--output-dir",
                                      help="Directory to write swanctl.conf and x509 files."),
           policy: list[str] = typer.Option(None, "--policy", help="Only these (repeat)."),
           node: str = typer.Option(None, "--node", help="Node whose ipsec certificate to use."),
           json_: bool = JSON) -> None:
    """Write enabled policies as strongSwan swanctl.conf (load with `swanctl --load-all`)."""
    res = ipsec.export_swanctl(cli_context(), names=policy or None, node=node)
    base = Path(output)
    base.mkdir(parents=True, exist_ok=True)
    for rel, text in res.files.items():
        path = base / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_private(path, text)  # holds pre-shared keys
    if json_:
        emit_json({**res.to_dict(), "directory": str(base)})
    else:
        console.print(f"Wrote {len(res.files)} files for {len(res.policies)} policies to {base}.")


def _write_private(path: Path, text: str) -> None:
    """Owner-only, atomically: an existing world-readable file is replaced, not reused with
    its old mode (O_TRUNC keeps the mode of a file that exists)."""
    from certyard.errors import InvalidFile
    from certyard.hostutil.files import atomic_write

    try:
        atomic_write(path, text.encode(), mode=0o600)
    except OSError as exc:
        raise InvalidFile(f"cannot write {path}: {exc.strerror or exc}") from None
