"""Safe names and paths: what the agent accepts from the server (and the server publishes).

Purpose, trust-store and trust-file names arrive over the network; a compromised or
impersonated server must not be able to make the agent (often root) write or delete
outside its output directory. A name is one path component of ``[A-Za-z0-9._-]``, not
``.``/``..`` and without ``..``; and every path is resolved and checked to lie inside the
root before it is written or removed. The server refuses to publish other names too
(``certyard.cluster.desired``), so both ends hold the rule."""

from __future__ import annotations

import re
from pathlib import Path

from certyard.errors import InvalidInput

__all__ = ["check_name", "is_safe_name", "path_inside"]

_SAFE = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


def is_safe_name(name: object) -> bool:
    return isinstance(name, str) and bool(_SAFE.match(name)) and ".." not in name \
        and name not in (".",)


def check_name(name: object, *, what: str) -> str:
    if not is_safe_name(name):
        raise InvalidInput(f"the server sent an unsafe {what} name {str(name)[:80]!r} "
                           "(allowed: letters, digits, '.', '_', '-', no '..'); nothing "
                           "was written", field=what)
    return str(name)


def path_inside(root: Path, rel: str) -> Path:
    """``root / rel`` if it resolves (symbolic links followed) to a path inside ``root``;
    InvalidInput otherwise."""
    base = Path(root).resolve()
    target = (base / rel).resolve()
    if target == base or base not in target.parents:
        raise InvalidInput(f"the path {rel[:120]!r} lies outside the agent's directory "
                           f"{base}; nothing was written there", field="path")
    return base / rel
