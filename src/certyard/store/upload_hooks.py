"""What other rooms do after a certificate upload, without the store importing them.

A room above the store registers a hook once (the monitor registers its revocation check
on every upload, seed: "checks run on every certificate upload"); the upload services run
every hook when the caller is a front end, which says *when* through ``after``: the HTTP
layers pass their "after the response is sent" scheduler (e.g. ``BackgroundTasks.add_task``),
the CLI passes :func:`run_now`. Workflows inside the domain (bulk import, CA issuance)
pass nothing and keep their own behaviour. A hook never fails an upload."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from certyard.context import AppContext
    from certyard.store.upload import UploadResult

__all__ = ["Deferral", "UploadHook", "on_upload", "run_now", "run_upload_hooks"]

log = logging.getLogger("certyard.store")

UploadHook = Callable[[Any, "UploadResult", bool], None]   # (ctx, result, trust)
Deferral = Callable[..., Any]                              # add_task(fn, *args)
_HOOKS: list[UploadHook] = []


def on_upload(hook: UploadHook) -> None:
    """Register ``hook`` (once; registering it again changes nothing)."""
    if hook not in _HOOKS:
        _HOOKS.append(hook)


def run_now(fn: Callable[..., Any], *args: Any) -> None:
    fn(*args)


def _guarded(hook: UploadHook, ctx: AppContext, result: UploadResult, trust: bool) -> None:
    try:
        hook(ctx, result, trust)
    except Exception as exc:  # an upload never fails because of what follows it
        log.warning("check after upload failed: %s", " ".join(str(exc).split())
                    or type(exc).__name__)
        log.debug("check after upload failed", exc_info=True)


def run_upload_hooks(ctx: AppContext, result: UploadResult, *, trust: bool,
                     after: Deferral) -> None:
    for hook in list(_HOOKS):
        after(_guarded, hook, ctx, result, trust)
