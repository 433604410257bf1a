"""Applying a desired state to a node's directory, as the seed 004 layout:

    certs/<purpose>.pem            identity certificate      (0644)
    certs/<purpose>.csr            pending CSR               (0644)
    keys/<purpose>.key             its private key           (0600)
    trust-certs/<purpose>/<cn>_<fp>.pem   one file per trust certificate
    bundles/<purpose>-trust.pem    one PEM bundle per trust store
    tls-policy.json                the cluster TLS policy
    .certyard-state.json           manifest of what was applied (version, file hashes)

Every file is written atomically; a file that holds the right bytes is not touched, so the
set of changed files tells which services to reload. Old key files (replaced or removed)
are overwritten ``shred_passes`` times first. The manifest is written last: if anything
fails part-way the next run finishes the job and nothing good is lost.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from certyard.errors import InvalidInput
from certyard.hostutil.files import atomic_write, check_shred_passes, shred_file
from certyard.hostutil.paths import check_name, path_inside

__all__ = ["ApplyResult", "apply_state", "planned_files"]

MANIFEST = ".certyard-state.json"


@dataclass(frozen=True, kw_only=True)
class ApplyResult:
    version: str
    changed: list[str]
    removed: list[str]
    reloaded: list[str]
    errors: list[str] = field(default_factory=list)
    fingerprints: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def planned_files(state: dict[str, Any]) -> dict[str, tuple[bytes, int, set[str]]]:
    """relative path -> (content, mode, purposes affected). Every name from the server is
    checked first (``InvalidInput`` for an unsafe one: the state is refused as a whole)."""
    out: dict[str, tuple[bytes, int, set[str]]] = {}
    for ident in state.get("identities", []):
        p = check_name(ident["purpose"], what="purpose")
        out[f"certs/{p}.pem"] = (ident["pem"].encode(), 0o644, {p})
        if ident.get("key_pem"):
            out[f"keys/{p}.key"] = (ident["key_pem"].encode(), 0o600, {p})
    for csr in state.get("csrs", []):
        p = check_name(csr["purpose"], what="purpose")
        out[f"certs/{p}.csr"] = (csr["pem"].encode(), 0o644, {p})
    for store, certs in state.get("trust", {}).items():
        store = check_name(store, what="trust store")
        purpose = check_name(store.removesuffix("-trust"), what="trust store")
        for c in certs:
            name = check_name(c["file"], what="trust certificate file")
            out[f"trust-certs/{purpose}/{name}"] = (c["pem"].encode(), 0o644, {purpose})
        bundle = "".join(c["pem"] for c in certs).encode()
        out[f"bundles/{store}.pem"] = (bundle, 0o644, {purpose})
    every = set(state.get("services", {}))
    tls = json.dumps(state.get("tls", {}), sort_keys=True, indent=2).encode() + b"\n"
    out["tls-policy.json"] = (tls, 0o644, every)
    return out


def _read_manifest(root: Path) -> dict[str, Any]:
    try:
        data = json.loads((root / MANIFEST).read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _is_key(rel: str) -> bool:
    return rel.startswith("keys/")


def _clear_stale_temps(root: Path, shred_passes: int) -> None:
    """Remove the temp files of atomic writes whose writer died (kill -9 between write and
    rename): a key's is a cleartext copy, so it is shredded like any old key."""
    for path in root.rglob(".*.tmp-*"):
        pid = path.name.rsplit("-", 1)[-1]
        if not pid.isdigit() or not path.is_file():
            continue
        if int(pid) != os.getpid():
            try:
                os.kill(int(pid), 0)
                continue  # that writer is still running
            except ProcessLookupError:
                pass
            except PermissionError:
                continue
        if _is_key(path.relative_to(root).as_posix()):
            shred_file(path, passes=shred_passes)
        else:
            path.unlink(missing_ok=True)


def apply_state(root: Path, state: dict[str, Any], *, reload_commands: dict[str, str],
                shred_passes: int = 3, now: str = "") -> ApplyResult:
    """Bring ``root`` to ``state`` and run the reload command of every service whose files
    changed (only those). Reload failures are reported, not raised."""
    check_shred_passes(shred_passes)
    root = Path(root)
    plan = planned_files(state)  # refused before anything is touched
    root.mkdir(parents=True, exist_ok=True)
    _clear_stale_temps(root, shred_passes)
    old = _read_manifest(root).get("files", {})
    paths = {rel: path_inside(root, rel) for rel in plan}  # all checked before any write
    changed: list[str] = []
    touched: set[str] = set()
    for rel, (data, mode, purposes) in sorted(plan.items()):
        path = paths[rel]
        if _is_key(rel) and path.exists():
            changed_key = _replace_key(path, data, shred_passes)
            wrote = changed_key
        else:
            wrote = atomic_write(path, data, mode=mode)
        if wrote:
            changed.append(rel)
            touched |= purposes
    removed: list[str] = []
    for rel in sorted(set(old) - set(plan)):
        if not isinstance(rel, str) or ".." in Path(rel).parts:
            continue  # a manifest we did not write; never walk out of root
        try:
            path = path_inside(root, rel)
        except InvalidInput:
            continue
        if _is_key(rel):
            shred_file(path, passes=shred_passes)
        else:
            path.unlink(missing_ok=True)
        removed.append(rel)
        touched |= _purposes_of(rel, state)
    services_of = state.get("services", {})
    wanted = sorted({svc for p in touched for svc in services_of.get(p, [])})
    reloaded: list[str] = []
    errors: list[str] = []
    for svc in wanted:
        cmd = reload_commands.get(svc)
        if not cmd:
            continue
        try:
            # The reload command is the node administrator's own configuration.
            proc = subprocess.run(cmd, shell=True, capture_output=True, timeout=120,  # noqa: S602
                                  cwd=root, env={**os.environ, "CERTYARD_SERVICE": svc})
        except subprocess.TimeoutExpired:
            errors.append(f"reload of {svc} timed out")
            continue
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).decode(errors="replace").strip()[-200:]
            errors.append(f"reload of {svc} failed (exit {proc.returncode}): {tail}")
        else:
            reloaded.append(svc)
    hashes = {rel: hashlib.sha256(data).hexdigest() for rel, (data, _, _) in plan.items()}
    atomic_write(root / MANIFEST, json.dumps(
        {"version": state.get("version", ""), "applied_at": now, "files": hashes},
        sort_keys=True, indent=1).encode(), mode=0o600)
    fps = {f"identity/{i['purpose']}": i["fingerprint"] for i in state.get("identities", [])}
    for store, certs in state.get("trust", {}).items():
        for c in certs:
            fps[f"{store}/{c['file']}"] = c["fingerprint"]
    return ApplyResult(version=state.get("version", ""), changed=changed, removed=removed,
                       reloaded=reloaded, errors=errors, fingerprints=fps)


def _replace_key(path: Path, data: bytes, passes: int) -> bool:
    """Atomically replace a key file; the old key's bytes are shredded through a second
    hard link to the old inode, so there is never a moment without a key file."""
    try:
        if path.read_bytes() == data and (path.stat().st_mode & 0o777) == 0o600:
            return False
    except OSError:
        pass
    old = path.with_name(f".{path.name}.old")
    old.unlink(missing_ok=True)
    try:
        os.link(path, old)
    except OSError:
        old = None  # type: ignore[assignment]
    atomic_write(path, data, mode=0o600)
    if old is not None:
        shred_file(old, passes=passes)
    return True


def _purposes_of(rel: str, state: dict[str, Any]) -> set[str]:
    parts = rel.split("/")
    if parts[0] in ("certs", "keys"):
        return {parts[-1].rsplit(".", 1)[0]}
    if parts[0] == "trust-certs" and len(parts) > 2:
        return {parts[1]}
    if parts[0] == "bundles":
        return {parts[-1].removesuffix(".pem").removesuffix("-trust")}
    return set(state.get("services", {}))
