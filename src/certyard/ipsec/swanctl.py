"""Export enabled IPsec policies as a strongSwan ``swanctl.conf`` (plus the certificates it
names), so the policy set can be applied for real with ``swanctl --load-all``.

Layout of the export (relative to /etc/swanctl):
    swanctl.conf            connections and, for pre-shared keys, the secrets section
    x509/ipsec-<node>.pem   the node's ``ipsec`` identity certificate (certificate auth)
    x509ca/ipsec-trust-N.pem  every certificate of ``ipsec-trust``
The node's private key is not exported; the agent installs it as private/ipsec-<node>.pem.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import select

from certyard import store
from certyard.accounts.roles import require_key_access
from certyard.audit import record_event
from certyard.db.models import StoreEntry
from certyard.db.models.ipsec import IpsecPolicy
from certyard.errors import Conflict, InvalidInput, WeakAlgorithm
from certyard.ipsec.algorithms import DH_GROUPS, ENCRYPTION, ESP, HASHES
from certyard.ipsec.policies import _spec_of, open_preshared_key
from certyard.ipsec.spec import IpsecPolicySpec

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["SwanctlExport", "export_swanctl", "render_connection"]


@dataclass(frozen=True, kw_only=True)
class SwanctlExport:
    files: dict[str, str]  # relative path -> text
    policies: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"policies": self.policies, "files": sorted(self.files)}


def ike_proposal(spec: IpsecPolicySpec) -> str:
    enc, _, aead = ENCRYPTION[spec.encryption_algorithm]
    integ, prf, _ = HASHES[spec.hash_algorithm]
    dh = DH_GROUPS[spec.phase1_dh][0]
    # An AEAD cipher has no separate integrity algorithm; IKE still needs a PRF.
    return f"{enc}-{prf}-{dh}" if aead else f"{enc}-{integ}-{dh}"


def esp_proposal(spec: IpsecPolicySpec) -> str:
    enc, _, aead = ESP[spec.esp_algorithm]
    integ = HASHES[spec.hash_algorithm][0]
    dh = DH_GROUPS[spec.phase2_dh][0]  # PFS group for CHILD_SA rekeying
    return f"{enc}-{dh}" if aead else f"{enc}-{integ}-{dh}"


def _ts(address: str, protocol: str, port: int | None, *, ip: bool) -> str:
    base = address if ip else "dynamic"
    if protocol == "Any":
        return base
    return f"{base}[{protocol.lower()}{'/' + str(port) if port else ''}]"


def _is_ip(value: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(value)
        return True
    except ValueError:
        return False


def _q(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_connection(spec: IpsecPolicySpec, *, cert_file: str | None) -> str:
    conn = f"{spec.group_name}-{spec.name}"
    auth = "psk" if spec.auth_method == "pre-shared-key" else "pubkey"
    local = [f"            auth = {auth}", f"            id = {spec.source_address}"]
    if cert_file:
        local.append(f"            certs = {cert_file}")
    remote_ts = _ts(spec.destination_address, spec.protocol, spec.destination_port,
                    ip=_is_ip(spec.destination_address) and spec.mode == "transport")
    local_ts = _ts(spec.source_address, spec.protocol, spec.source_port,
                   ip=_is_ip(spec.source_address) and spec.mode == "transport")
    lines = [
        f"    {conn} {{",
        "        version = 2",
        f"        local_addrs = {spec.source_address}",
        f"        remote_addrs = {spec.destination_address}",
        f"        remote_port = {spec.remote_port}",
        f"        proposals = {ike_proposal(spec)}",
        f"        rekey_time = {spec.phase1_lifetime}s",
        "        local {", *local, "        }",
        "        remote {",
        f"            auth = {auth}",
        f"            id = {spec.destination_address}",
        "        }",
        "        children {",
        f"            {spec.name} {{",
        f"                mode = {spec.mode}",
        f"                esp_proposals = {esp_proposal(spec)}",
        f"                rekey_time = {spec.phase2_lifetime}s",
        f"                local_ts = {local_ts}",
        f"                remote_ts = {remote_ts}",
        "                start_action = trap",
        "            }",
        "        }",
        "    }",
    ]
    return "\n".join(lines)


def export_swanctl(ctx: AppContext, *, names: list[str] | None = None, node: str | None = None
                   ) -> SwanctlExport:
    """The enabled policies (all, or those named) for one node (default: the publisher)."""
    with ctx.read() as s:
        q = select(IpsecPolicy).where(IpsecPolicy.enabled.is_(True)) \
            .order_by(IpsecPolicy.group_name, IpsecPolicy.name)
        rows = list(s.scalars(q))
        if names:
            missing = set(names) - {r.name for r in rows}
            if missing:
                raise InvalidInput(f"not enabled or not found: {', '.join(sorted(missing))}",
                                   field="names")
            rows = [r for r in rows if r.name in names]
        if not rows:
            raise Conflict("no enabled IPsec policy to export")
        fips = store.fips_enabled(s)
        files: dict[str, str] = {}
        conns: list[str] = []
        secrets: list[str] = []
        needs_cert = any(r.auth_method == "certificate" for r in rows)
        cert_file = None
        if needs_cert:
            n = store.resolve_node(s, node)
            ident = s.scalar(select(StoreEntry).where(
                StoreEntry.type == "identity", StoreEntry.purpose == "ipsec",
                StoreEntry.node_id == n.id))
            if ident is None:
                raise Conflict(f"node {n.name} has no ipsec certificate; generate or upload "
                               "one for certificate authentication")
            cert_file = f"ipsec-{n.name}.pem"
            files[f"x509/{cert_file}"] = _pem(ident.der)
            trust = s.scalars(select(StoreEntry).where(
                StoreEntry.type == "trust", StoreEntry.purpose == "ipsec")
                .order_by(StoreEntry.id))
            for i, t in enumerate(trust, 1):
                files[f"x509ca/ipsec-trust-{i}.pem"] = _pem(t.der)
        for row in rows:
            spec = _spec_of(row)
            if fips and spec.weak:
                raise WeakAlgorithm(f"FIPS mode is on and policy {spec.name} uses "
                                    f"{', '.join(spec.weak)}; disable or edit it first")
            conns.append(render_connection(
                spec, cert_file=cert_file if spec.auth_method == "certificate" else None))
            psk = open_preshared_key(ctx, row)
            if psk:
                # A pre-shared key is key material: only a role with key access gets it.
                require_key_access(s, ctx, what=f"exporting policy {spec.name}'s "
                                               "pre-shared key")
                secrets.append("\n".join([
                    f"    ike-{spec.group_name}-{spec.name} {{",
                    f"        id-local = {spec.source_address}",
                    f"        id-remote = {spec.destination_address}",
                    f"        secret = {_q(psk)}",
                    "    }"]))
    text = "# generated by certyard: IPsec policies (do not edit by hand)\n"
    text += "connections {\n" + "\n".join(conns) + "\n}\n"
    if secrets:
        text += "secrets {\n" + "\n".join(secrets) + "\n}\n"
    files["swanctl.conf"] = text
    exported = [r.name for r in rows]
    with ctx.transaction() as s:
        record_event(s, ctx, action="ipsec.export", target="ipsec",
                     details={"policies": exported, "format": "swanctl.conf"})
    return SwanctlExport(files=files, policies=exported)


def _pem(der: bytes) -> str:
    return x509.load_der_x509_certificate(der).public_bytes(Encoding.PEM).decode()
