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

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Engine, event
from sqlalchemy.orm import ORMExecuteState, Session, object_session

from certyard.audit.trail import HEAD as AUDIT_HEAD
from certyard.db.models import Node, PrivateKey, Setting
from certyard.db.models.ca import CaCertificate

__all__ = ["RECHECK_SECONDS", "generation", "shared"]

RECHECK_SECONDS = 1.0
_MODELS = (Setting, CaCertificate, PrivateKey, Node)
_WATCHED = frozenset(str(m.__tablename__) for m in _MODELS)
_CHANGED = "certyard.ca.batch_state.changed"
# Settings rows rewritten by issuance itself (the audit chain's head, on every record):
# they say nothing about the CA, and watching them would read everything again each batch.
_BOOKKEEPING = frozenset({AUDIT_HEAD})
_GENERATION = [0]
_LOCK = threading.Lock()

T = TypeVar("T")


def generation() -> int:
    """Advances on every committed change to the watched tables made in this process."""
    return _GENERATION[0]


def _bump() -> None:
    with _LOCK:
        _GENERATION[0] += 1


def _mark(session: Session | None) -> None:
    if session is not None:
        session.info[_CHANGED] = True
    _bump()  # batches starting now read again, and again after the commit


def _row_changed(_mapper: Any, _connection: Any, target: Any) -> None:
    if isinstance(target, Setting) and target.name in _BOOKKEEPING:
        return
    _mark(object_session(target))


for _model in _MODELS:  # mapper events fire only for these classes' rows
    for _what in ("after_insert", "after_update", "after_delete"):
        event.listen(_model, _what, _row_changed)


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if state.is_update or state.is_delete or state.is_insert:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in _WATCHED:
            _mark(state.session)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        _bump()


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_CHANGED, None)


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
