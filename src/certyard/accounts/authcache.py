"""Who may ask, without a database round trip per request: API token principals and the
admin allowlist, each kept for at most ``RECHECK_SECONDS`` (1 s).

Every HTTPS request checks the allowlist and every API request resolves its token; reading
both from the store per request cost more than the work most routes do. An
:class:`AuthCache` (one per HTTP application) keeps what it read:

* **In this process** a change takes effect at once: any committed write to the accounts
  tables (users, roles, API tokens, the allowlist), made by any context of the process,
  advances :func:`generation`, and a cache that sees a new generation forgets everything
  before its next answer.
* **Across replicas** (or the host CLI, another process) a change takes effect within
  ``RECHECK_SECONDS``: an entry older than that is read again from the store.

A token is also refused once its expiry passes (checked on every hit with the context's
clock). Failed look-ups are never kept (a stream of made-up tokens cannot fill memory, and
each still costs the database read it costs today); the token map is bounded and starts
over when full. Keys are SHA-256 digests of the token, as in the store; no token is kept.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from certyard.accounts.allowlist import address_in
from certyard.accounts.sessions import Principal, token_digest
from certyard.db.models.accounts import AllowlistEntry, ApiToken, Role, User
from certyard.db.watch import ChangeCounter

if TYPE_CHECKING:
    from certyard.context import AppContext

__all__ = ["RECHECK_SECONDS", "AuthCache", "generation"]

RECHECK_SECONDS = 1.0
MAX_TOKENS = 4096
_CHANGES = ChangeCounter("accounts", (User, Role, ApiToken, AllowlistEntry))

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def generation() -> int:
    """Advances on every committed change to the accounts tables made in this process."""
    return _CHANGES.generation()


@dataclass(frozen=True)
class _Token:
    principal: Principal
    expires: dt.datetime
    read_at: float


class AuthCache:
    """Token principals and the allowlist of one context's store (see the module text).
    ``monotonic`` is injectable so tests move time instead of sleeping."""

    def __init__(self, *, recheck_seconds: float = RECHECK_SECONDS,
                 monotonic: Callable[[], float] = time.monotonic,
                 max_tokens: int = MAX_TOKENS) -> None:
        self.recheck_seconds = recheck_seconds
        self.monotonic = monotonic
        self.max_tokens = max_tokens
        self._generation = generation()
        self._tokens: dict[str, _Token] = {}
        self._networks: tuple[Network, ...] = ()
        self._networks_read_at: float | None = None

    def _current(self) -> int:
        gen = generation()
        if gen != self._generation:
            self._tokens = {}
            self._networks_read_at = None
            self._generation = gen
        return gen

    def resolve_token(self, ctx: AppContext, secret: str) -> Principal:
        """As accounts.resolve_token, from memory when read less than the bound ago."""
        from certyard.accounts.tokens import resolve_token_until

        gen = self._current()
        key = token_digest(secret)
        now = self.monotonic()
        hit = self._tokens.get(key)
        if hit is not None and now - hit.read_at < self.recheck_seconds \
                and ctx.clock.now() < hit.expires:
            return hit.principal
        principal, expires = resolve_token_until(ctx, secret)  # raises when refused
        if generation() == gen:  # nothing changed while it was read: keep it
            if len(self._tokens) >= self.max_tokens:
                self._tokens = {}
            self._tokens[key] = _Token(principal, expires, now)
        return principal

    def networks(self, ctx: AppContext) -> tuple[Network, ...]:
        """The allowlist, parsed."""
        from certyard.accounts.allowlist import list_allowed

        gen = self._current()
        now = self.monotonic()
        read_at = self._networks_read_at
        if read_at is not None and now - read_at < self.recheck_seconds:
            return self._networks
        nets = tuple(ipaddress.ip_network(n) for n in list_allowed(ctx))
        if generation() == gen:
            self._networks, self._networks_read_at = nets, now
        return nets

    def is_allowed(self, ctx: AppContext, address: str | None) -> bool:
        """accounts.is_allowed against the cached allowlist."""
        nets = self.networks(ctx)
        return not nets or address_in(nets, address)
