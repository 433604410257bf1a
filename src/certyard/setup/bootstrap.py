"""First run: what ``certyard serve`` does before it listens (and any other front end or
job that sets a home up must do the same)."""

from __future__ import annotations

from dataclasses import dataclass

from certyard.context import AppContext

__all__ = ["FirstRun", "bootstrap"]


@dataclass(frozen=True, kw_only=True)
class FirstRun:
    created: bool              # the cluster was created by this call
    publisher_fqdn: str
    admin_password: str | None  # the one-time password of a newly created administrator


def bootstrap(ctx: AppContext, *, http_port: int = 0, server_name: str | None = None
              ) -> FirstRun:
    """Initialise the cluster, the initial administrator and, on a fresh install, the
    built-in CA, so every CA task works at once. ``http_port`` (non-zero) and
    ``server_name`` give the plain-HTTP listener whose URLs the new CA embeds. Idempotent:
    a home already set up is left as it is."""
    from certyard import accounts, ca, cluster
    from certyard.errors import Conflict

    init = cluster.init_cluster(ctx)
    password = accounts.ensure_initial_admin(ctx)
    if init.created:
        if http_port:
            ca.configure_ca(ctx, base_url=f"http://{server_name or init.publisher.fqdn}"
                            f":{http_port}")
        try:
            ca.init_ca(ctx)
        except Conflict:
            pass  # a CA imported or created meanwhile
    return FirstRun(created=init.created, publisher_fqdn=init.publisher.fqdn,
                    admin_password=password)
