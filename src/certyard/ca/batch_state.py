"""What every group-commit batch of one-call issuance shares, kept between batches.

Each batch of ``POST /api/v1/ca/issued`` needs the CA's settings, the active issuing CA with
its opened key, FIPS mode and the chain: three or four reads before the first signature.
With a handful of clients a batch holds a few certificates, so those reads cost as much as
the signing. They are kept here between batches, the way ``accounts.authcache`` keeps
token principals:

* **In this process** a change takes effect at the next batch: any committed write to the
  tables they come from (``setting``: CA settings, FIPS mode; ``ca_certificate``: the
  issuing CA; ``private_key``; ``node``: the publisher's name in the default URLs), made by
  any context of the process, advances :func:`generation`, and the next batch reads again.
* **Across processes** (another ``serve`` worker or replica, the host CLI) a change takes
  effect within ``RECHECK_SECONDS``: state older than that is read again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Engine

from certyard.audit.trail import HEAD as AUDIT_HEAD
from certyard.db.models import Node, PrivateKey, Setting
from certyard.db.models.ca import CaCertificate
from certyard.db.watch import ChangeCounter

__all__ = ["RECHECK_SECONDS", "generation", "shared"]

RECHECK_SECONDS = 1.0
# Settings rows rewritten by issuance itself (the audit chain's head, on every record):
# they say nothing about the CA, and watching them would read everything again each batch.
_BOOKKEEPING = frozenset({AUDIT_HEAD})
_CHANGES = ChangeCounter(
    "ca_batch", (Setting, CaCertificate, PrivateKey, Node),
    ignore=lambda row: isinstance(row, Setting) and row.name in _BOOKKEEPING)

T = TypeVar("T")


def generation() -> int:
    """Advances on every committed change to the watched tables made in this process."""
    return _CHANGES.generation()


_KEPT: dict[int, tuple[Engine, Any, float, int]] = {}


def shared(engine: Engine, build: Callable[[], T], *,
           monotonic: Callable[[], float] = time.monotonic) -> T:
    """``build()``'s value for ``engine``, built again when a watched table changed in this
    process or ``RECHECK_SECONDS`` passed."""
    gen, now = generation(), monotonic()
    kept = _KEPT.get(id(engine))
    if kept is not None and kept[0] is engine and kept[3] == gen \
            and 0 <= now - kept[2] < RECHECK_SECONDS:
        return kept[1]  # type: ignore[no-any-return]
    value = build()
    if generation() == gen:  # nothing changed while it was read: keep it
        if len(_KEPT) > 64:  # engines of finished contexts (tests): start over
            _KEPT.clear()
        _KEPT[id(engine)] = (engine, value, now, gen)
    return value
