"""certyard csr ..."""

from __future__ import annotations

import typer

from certyard import store
from certyard.cli.context import cli_context
from certyard.cli.output import console, emit_json, warn
from certyard.cli.ui import write_output

NAME = "csr"
app = typer.Typer(help="Certificate signing requests: generate and download.",
                  no_args_is_help=True)


@app.command("generate")
def generate(
    purpose: str = typer.Argument(...),
    node: str = typer.Option(None, "--node", help="Node (default: publisher)."),
    distribution: str = typer.Option("single", "--distribution", help="single or multi-server."),
    cn: str = typer.Option(None, "--cn", help="Common name (default: the node FQDN)."),
    san: list[str] = typer.Option(None, "--san", help="Extra subject alternative name."),
    key_length: int = typer.Option(None, "--key-length",
                                   help="Key length in bits (default: the purpose's)."),
    hash_: str = typer.Option(None, "--hash", help="SHA256, SHA384 or SHA512 (default: the "
                                                    "purpose's)."),
    org: str = typer.Option(None, "--organization", "--org",
                            help="Organization (O); default: the cluster's CSR defaults."),
    ou: str = typer.Option(None, "--organizational-unit", "--ou",
                           help="Organizational unit (OU)."),
    locality: str = typer.Option(None, "--locality", help="Locality or city (L)."),
    state: str = typer.Option(None, "--state", help="State or province (ST)."),
    country: str = typer.Option(None, "--country", help="Two-letter country code (C), e.g. US."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Generate a new key and CSR (replaces the purpose's previous CSR).

    A multi-server CSR names every node and has the CN of the node's FQDN with "-ms" after
    the host name; wildcards are not supported. Example:

      certyard csr generate tomcat --distribution multi-server --org "Example Inc" --country US
    """
    from certyard.x509 import SubjectFields

    subject = SubjectFields(organization=org or "", organizational_unit=ou or "",
                            locality=locality or "", state=state or "", country=country or "")
    result = store.generate_csr(cli_context(), purpose, node=node, distribution=distribution,
                                common_name=cn, sans=list(san or []), key_length=key_length,
                                hash_name=hash_, subject=subject)
    if json_:
        emit_json(result.to_dict())
        return
    for w in result.warnings:
        warn(w)
    e = result.entries[0]
    nodes = ", ".join(x.node or "" for x in result.entries)
    console.print(f"Generated {distribution} CSR for {e.purpose} (CN {e.common_name}, "
                  f"{e.key_type}-{e.key_size}) on {nodes}.")
    console.print(f"SANs: {', '.join(e.sans) or '-'}")
    console.print("Download it with: certyard csr download "
                  f"{e.purpose}{'' if node is None else ' --node ' + node}")


@app.command("download")
def download(
    purpose: str = typer.Argument(..., help="Purpose, e.g. tomcat (see purpose list)."),
    node: str = typer.Option(None, "--node", help="Node (default: publisher)."),
    output: str = typer.Option(None, "-o", "--output", help="Write to this file."),
) -> None:
    """Download a pending CSR as PEM."""
    _, data = store.download_csr(cli_context(), purpose, node=node)
    write_output(data, output, binary=False)


@app.command("defaults")
def defaults(
    org: str = typer.Option(None, "--organization", "--org", help="Organization (O)."),
    ou: str = typer.Option(None, "--organizational-unit", "--ou",
                           help="Organizational unit (OU)."),
    locality: str = typer.Option(None, "--locality", help="Locality or city (L)."),
    state: str = typer.Option(None, "--state", help="State or province (ST)."),
    country: str = typer.Option(None, "--country", help="Two-letter country code (C)."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show or change the subject fields every generated CSR carries unless it names its
    own ('' clears a field). Example:

      certyard csr defaults --org "Example Inc" --locality Berlin --country DE
    """
    from certyard.store.subject import get_subject_defaults, set_subject_defaults

    changes = {"organization": org, "organizational_unit": ou, "locality": locality,
               "state": state, "country": country}
    ctx = cli_context()
    if any(v is not None for v in changes.values()):
        fields = set_subject_defaults(ctx, changes)
    else:
        fields = get_subject_defaults(ctx)
    if json_:
        emit_json(fields.to_dict())
        return
    labels = {"organization": "Organization (O)", "organizational_unit": "Unit (OU)",
              "locality": "Locality (L)", "state": "State (ST)", "country": "Country (C)"}
    for key, label in labels.items():
        console.print(f"{label + ':':<20} {fields.to_dict()[key] or '-'}")
