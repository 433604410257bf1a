"""One encrypted file holding every table and the master key.

The seed's "security password" is the archive key: a restore needs the password in force
when the backup was taken. Format (all integers big-endian)::

    b"CYBK" | version u8 (1) | scrypt log2(n) u8 | r u8 | p u8 | salt[16] | nonce[12]
    | AES-256-GCM( zlib( JSON document ) )   with the 36-byte header as associated data

The JSON document holds the schema heads, the master key, and each table's rows (bytes as
base64, datetimes as ISO 8601). Restore checks the schema heads match, then replaces every
table's rows in one transaction, so a failed restore leaves the store as it was.

A CA key kept in a PKCS#11 token is not in the archive: its row holds only the sealed
reference, and ``token_keys`` lists which module, token and label; restore first checks
that the tokens still hold those keys (``skip_token_check`` restores regardless).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import secrets
import struct
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from sqlalchemy import DateTime, Integer, LargeBinary, delete, insert, select, text

import certyard.db.models  # noqa: F401  (every room's tables)
from certyard.audit import record_event
from certyard.db.base import Base
from certyard.errors import CertyardError, InvalidFile, InvalidInput
from certyard.hostutil.files import atomic_write

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["BackupInfo", "create_backup", "read_backup_info", "restore_backup"]

MAGIC = b"CYBK"
_HEADER = struct.Struct(">4sBBBB16s12s")
_N_LOG2, _R, _P = 15, 8, 1
Progress = Callable[[str, int, int], None]


class BackupPasswordWrong(CertyardError):
    code = "backup_password"


@dataclass(frozen=True, kw_only=True)
class BackupInfo:
    path: str
    created_at: str
    tables: dict[str, int]
    heads: list[str]
    bytes: int
    token_keys: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _check_password(password: str) -> bytes:
    if not password or len(password) < 8:
        raise InvalidInput("the security password must have at least 8 characters",
                           field="password")
    return password.encode()


def _derive(password: bytes, salt: bytes, n_log2: int, r: int, p: int) -> bytes:
    if not 10 <= n_log2 <= 20 or not 1 <= r <= 16 or not 1 <= p <= 4:
        raise InvalidFile("backup header has out-of-range key derivation parameters")
    return Scrypt(salt=salt, length=32, n=1 << n_log2, r=r, p=p).derive(password)


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$b": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, dt.datetime):
        return {"$t": value.isoformat()}
    return value


def _python_type(column: Any) -> type | None:
    kind = column.type
    kind = getattr(kind, "impl_instance", kind)  # TypeDecorator (UTCDateTime) -> DateTime
    if isinstance(kind, DateTime):
        return dt.datetime
    if isinstance(kind, LargeBinary):
        return bytes
    return None


def _decode(value: Any, column: Any) -> Any:
    """Only binary and datetime columns carry the markers; JSON columns pass unchanged."""
    kind = _python_type(column)
    if kind is bytes and isinstance(value, dict) and "$b" in value:
        return base64.b64decode(value["$b"])
    if kind is dt.datetime and isinstance(value, dict) and "$t" in value:
        parsed = dt.datetime.fromisoformat(value["$t"])
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)
    return value


def _heads(conn: Any) -> list[str]:
    from alembic.runtime.migration import MigrationContext

    return sorted(MigrationContext.configure(conn).get_current_heads())


def _master_key_b64(ctx: AppContext) -> str:
    s = ctx.settings
    if s.master_key_b64:
        return s.master_key_b64.strip()
    return s.master_key_file.read_text().strip()


def create_backup(ctx: AppContext, output: Path, *, password: str,
                  progress: Progress | None = None, overwrite: bool = False) -> BackupInfo:
    """Write an encrypted archive of every table and the master key (temp file + rename).
    An existing file is never replaced unless ``overwrite``: it may be the only good backup."""
    from certyard.errors import Conflict

    if Path(output).exists() and not overwrite:
        raise Conflict(f"{output} already exists; choose another name or use --force to "
                       "replace it")
    from certyard.accounts.roles import require_key_access

    pw = _check_password(password)
    with ctx.read() as s:  # the archive holds the master key and so every private key
        require_key_access(s, ctx, what="a backup (it holds the master key)")
    from certyard.backup.security_password import check_security_password

    check_security_password(ctx, password)
    tables: dict[str, list[dict[str, Any]]] = {}
    counts: dict[str, int] = {}
    sorted_tables = Base.metadata.sorted_tables
    with ctx.read() as s:
        conn = s.connection()
        heads = _heads(conn)
        for i, table in enumerate(sorted_tables):
            if progress:
                progress(table.name, i, len(sorted_tables))
            rows = conn.execute(select(table)).mappings().all()
            tables[table.name] = [{k: _encode(v) for k, v in r.items()} for r in rows]
            counts[table.name] = len(rows)
        from certyard.ca.keys import token_locations

        token_keys = token_locations(ctx.master_key, s)
        record_event(s, ctx, action="backup.create", target=str(output),
                     details={"tables": len(counts), "rows": sum(counts.values()),
                              "token_keys": token_keys})
    created = ctx.clock.now().isoformat()
    doc = {"format": 1, "created_at": created, "heads": heads,
           "master_key": _master_key_b64(ctx), "tables": tables, "token_keys": token_keys}
    body = zlib.compress(json.dumps(doc, separators=(",", ":")).encode(), 6)
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    header = _HEADER.pack(MAGIC, 1, _N_LOG2, _R, _P, salt, nonce)
    key = _derive(pw, salt, _N_LOG2, _R, _P)
    blob = header + AESGCM(key).encrypt(nonce, body, header)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(output, blob, mode=0o600)
    if progress:
        progress("done", len(sorted_tables), len(sorted_tables))
    return BackupInfo(path=str(output), created_at=created, tables=counts, heads=heads,
                      bytes=len(blob), token_keys=token_keys)


def _open(path: Path, password: str) -> dict[str, Any]:
    pw = _check_password(password)
    try:
        with open(path, "rb") as fh:  # the magic first: a wrong file is refused at once
            head = fh.read(_HEADER.size)
            if len(head) < _HEADER.size or head[:4] != MAGIC:
                raise InvalidFile(f"{path} is not a certyard backup")
            blob = head + fh.read()
    except FileNotFoundError:
        raise InvalidInput(f"backup file {path} not found", field="file") from None
    except IsADirectoryError:
        raise InvalidFile(f"{path} is a directory, not a backup file") from None
    if len(blob) < _HEADER.size + 16:
        raise InvalidFile(f"{path} is not a certyard backup")
    _magic, version, n_log2, r, p, salt, nonce = _HEADER.unpack(blob[:_HEADER.size])
    if version != 1:
        raise InvalidFile(f"backup format version {version} is not supported")
    header = blob[:_HEADER.size]
    key = _derive(pw, salt, n_log2, r, p)
    try:
        body = AESGCM(key).decrypt(nonce, blob[_HEADER.size:], header)
    except InvalidTag:
        raise BackupPasswordWrong(
            "the password does not open this backup (use the security password in force "
            "when it was taken), or the file was altered") from None
    try:
        doc = json.loads(zlib.decompress(body))
    except (zlib.error, ValueError):
        raise InvalidFile("backup content is corrupt") from None
    if not isinstance(doc, dict) or doc.get("format") != 1:
        raise InvalidFile("backup content has an unknown layout")
    # Authentic but malformed content (a buggy or hostile writer holding the password) must
    # still fail as one clear error, not a KeyError deep in restore.
    tables, heads = doc.get("tables"), doc.get("heads")
    if not isinstance(doc.get("created_at"), str) or not isinstance(doc.get("master_key"), str) \
            or not isinstance(heads, list) or not all(isinstance(h, str) for h in heads) \
            or not isinstance(tables, dict) \
            or not all(isinstance(v, list) for v in tables.values()):
        raise InvalidFile("backup content is incomplete (created_at, master_key, heads, tables)")
    return doc


def read_backup_info(path: Path, *, password: str) -> BackupInfo:
    doc = _open(path, password)
    return BackupInfo(path=str(path), created_at=doc["created_at"],
                      tables={k: len(v) for k, v in doc["tables"].items()},
                      heads=doc["heads"], bytes=Path(path).stat().st_size,
                      token_keys=_token_keys(doc))


def _token_keys(doc: dict[str, Any]) -> list[dict[str, Any]]:
    value = doc.get("token_keys")
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _check_tokens(doc: dict[str, Any]) -> None:
    """Refuse, before anything changes, a restore whose CA keys are in tokens that do not
    hold them (any more)."""
    if not _token_keys(doc):
        return
    from certyard.ca.keys import check_archived_token_keys
    from certyard.errors import TokenUnavailable
    from certyard.sealing import MasterKey

    by_name = {t.name: t for t in Base.metadata.sorted_tables}

    def rows(name: str) -> list[dict[str, Any]]:
        table = by_name[name]
        return [{k: _decode(v, table.c[k]) for k, v in r.items() if k in table.c}
                for r in doc["tables"].get(name, [])]

    try:
        master = MasterKey(base64.b64decode(doc["master_key"]))
    except ValueError:
        raise InvalidFile("the backup's master key is malformed") from None
    problems = check_archived_token_keys(master, rows("ca_certificate"), rows("private_key"))
    if problems:
        raise TokenUnavailable("restore refused, a CA key is not in its token: "
                               + "; ".join(problems) + " (--skip-token-check restores "
                               "anyway)")


def _prepare_key_file(ctx: AppContext, key_b64: str) -> str | None:
    """Write the backup's master key next to the key file; renamed into place only after
    the database commit, so data and key change together."""
    s = ctx.settings
    if s.master_key_b64:
        if s.master_key_b64.strip() != key_b64:
            raise InvalidInput(
                "CERTYARD_MASTER_KEY differs from the master key in the backup; unset it "
                "(the key file will be written) or set it to the backup's key")
        return None
    path = s.master_key_file
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".master.key.")
    with os.fdopen(fd, "w") as fh:
        fh.write(key_b64 + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp, 0o600)
    return tmp


def restore_backup(ctx: AppContext, path: Path, *, password: str,
                   progress: Progress | None = None,
                   skip_token_check: bool = False) -> BackupInfo:
    """Replace every table with the backup's rows in one transaction, then install the
    backup's master key. The schema must be at the same migration heads, and CA keys kept
    in tokens must be there (unless ``skip_token_check``)."""
    doc = _open(path, password)
    if not skip_token_check:
        _check_tokens(doc)
    key_b64 = doc["master_key"]
    tables = doc["tables"]
    known = {t.name for t in Base.metadata.sorted_tables}
    unknown = set(tables) - known
    if unknown:
        raise InvalidFile(f"backup holds tables this version does not know: "
                          f"{', '.join(sorted(unknown))}")
    counts: dict[str, int] = {}
    ordered = Base.metadata.sorted_tables
    key_tmp = _prepare_key_file(ctx, key_b64)  # raises before anything changes
    try:
        _replace_rows(ctx, path, doc, ordered, counts, progress)
    except BaseException:
        if key_tmp:
            os.unlink(key_tmp)
        raise
    if key_tmp:
        os.replace(key_tmp, ctx.settings.master_key_file)
    if progress:
        progress("done", len(ordered), len(ordered))
    return BackupInfo(path=str(path), created_at=doc["created_at"], tables=counts,
                      heads=doc["heads"], bytes=Path(path).stat().st_size,
                      token_keys=_token_keys(doc))


def _replace_rows(ctx: AppContext, path: Path, doc: dict[str, Any], ordered: list[Any],
                  counts: dict[str, int], progress: Progress | None) -> None:
    tables = doc["tables"]
    with ctx.transaction() as s:
        conn = s.connection()
        heads = _heads(conn)
        if heads != doc["heads"]:
            raise InvalidFile(f"backup schema {doc['heads']} differs from this database's "
                              f"{heads}; restore with the certyard version that took it")
        for table in reversed(ordered):
            conn.execute(delete(table))
        for i, table in enumerate(ordered):
            if progress:
                progress(table.name, i, len(ordered))
            rows = [{k: _decode(v, table.c[k]) for k, v in r.items() if k in table.c}
                    for r in tables.get(table.name, [])]
            for start in range(0, len(rows), 1000):
                conn.execute(insert(table), rows[start:start + 1000])
            counts[table.name] = len(rows)
            if conn.dialect.name == "postgresql":
                for col in table.primary_key.columns:
                    if isinstance(col.type, Integer) and col.autoincrement in (True, "auto"):
                        # Names come from our own metadata, never from the archive.
                        conn.execute(text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', "  # noqa: S608
                            f"'{col.name}'), COALESCE((SELECT MAX({col.name}) FROM "
                            f"{table.name}), 0) + 1, false)"))
        record_event(s, ctx, action="backup.restore", target=str(path),
                     details={"created_at": doc["created_at"], "rows": sum(counts.values())})
