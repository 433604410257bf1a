"""How every page shows a refused form, the one way: the typed values are rendered again by
the page (secrets left out), the message goes under the field the error names (``errors``;
``"_"``: at the top of the form) or, on pages without fields, as the page's message
(``error``), and the answer carries the error's status (certyard.http.errors.http_status).
After a successful POST the page redirects with a flash message (certyard.web.flash)."""

from __future__ import annotations

from typing import Any

from certyard.errors import CertyardError
from certyard.http.errors import http_status

__all__ = ["errors_of", "refused"]


def errors_of(exc: CertyardError, *, field: str | None = None) -> dict[str, str]:
    """``{field: message}``: each problem under its field, else ``field``, else ``"_"``
    (above the form); several at once when the error carries them (InvalidInputs)."""
    out: dict[str, str] = {}
    for problem in getattr(exc, "problems", None) or (exc,):
        key = problem.field or field or "_"
        out[key] = f"{out[key]}; {problem.message}" if key in out else problem.message
    return out


def refused(exc: CertyardError, *, field: str | None = None,
            as_message: bool = False) -> dict[str, Any]:
    """Keyword arguments for a page builder: ``errors`` (or ``error`` for pages that show
    one message) and ``status``."""
    if as_message:
        return {"error": exc.message, "status": http_status(exc)}
    return {"errors": errors_of(exc, field=field), "status": http_status(exc)}
