"""Policy pages: TLS (minimum version, Cipher Management, HTTPS Ciphers), FIPS mode,
Enhanced Security Mode, the probe inventory and offline chain validation.

Mounted by ``certyard.web``. Each form calls one
service function; typed errors come back inline on the same page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from certyard import policy, probe
from certyard.errors import CertyardError
from certyard.http.auth import Auth, require
from certyard.http.errors import http_status
from certyard.web.flash import flash_redirect
from certyard.web.pages_auth import errors_of
from certyard.web.render import render

router = APIRouter()
Read = Annotated[Auth, Depends(require("policy:read"))]
Edit = Annotated[Auth, Depends(require("policy:edit"))]
Execute = Annotated[Auth, Depends(require("policy:execute"))]
TABS = ("tls", "fips", "enhanced", "probes", "verify")
LABELS = {"all": "All TLS", "https": "HTTPS TLS", "sip": "SIP TLS", "ssh-ciphers": "SSH Ciphers",
          "ssh-kex": "SSH Key Exchange", "ssh-mac": "SSH MAC"}


def _page(request: Request, auth: Auth, tab: str, *, errors: dict[str, str] | None = None,
          status: int = 200, **extra: Any) -> Response:
    data: dict[str, Any] = {"tab": tab, "errors": errors or {}, "labels": LABELS, "form": {},
                            "options": policy.HTTPS_OPTIONS, "versions": policy.TLS_VERSIONS}
    if tab == "tls":
        data["report"] = policy.cipher_report(auth.ctx)
    elif tab == "fips":
        data["fips"] = policy.fips_status(auth.ctx).to_dict()
    elif tab == "enhanced":
        data["enhanced"] = policy.enhanced_status(auth.ctx)
    elif tab == "probes":
        data["targets"] = probe.latest_results(auth.ctx)
    data.update(extra)
    return render(request, "policy.html", status=status, title="Policy", **data)


def _do(request: Request, auth: Auth, tab: str, fn: Callable[[], Any], ok: str,
        form: dict[str, str] | None = None) -> Response:
    try:
        result = fn()
    except CertyardError as exc:  # the page again, with what was typed
        return _page(request, auth, tab, errors=errors_of(exc), status=http_status(exc),
                     form=form or {})
    restart = getattr(result, "restart", None) or (
        result.get("restart") if isinstance(result, dict) else None)
    if restart:
        ok += " Restart notice: " + "; ".join(restart) + "."
    return flash_redirect(request, f"/policy?tab={tab}", ok)


@router.get("/policy")
def policy_page(request: Request, auth: Read, tab: str = "tls") -> Response:
    return _page(request, auth, tab if tab in TABS else "tls")


@router.post("/policy/tls/min-version")
def set_min_version(request: Request, auth: Edit,
                    version: Annotated[str, Form(max_length=8)]) -> Response:
    return _do(request, auth, "tls", lambda: policy.set_min_version(auth.ctx, version),
               f"Minimum TLS version set to {version}.")


@router.post("/policy/tls/ciphers")
def set_ciphers(request: Request, auth: Edit, interface: Annotated[str, Form(max_length=20)],
                string: Annotated[str, Form(max_length=2000)] = "") -> Response:
    return _do(request, auth, "tls",
               lambda: policy.set_cipher_string(auth.ctx, interface, string),
               f"{LABELS.get(interface, interface)} cipher string saved.",
               {"interface": interface, "string": string})


@router.post("/policy/tls/https-ciphers")
def set_https(request: Request, auth: Edit,
              option: Annotated[str, Form(max_length=20)]) -> Response:
    return _do(request, auth, "tls", lambda: policy.set_https_cipher_option(auth.ctx, option),
               "HTTPS Ciphers saved.")


@router.post("/policy/fips/{action}")
def fips(request: Request, action: str, auth: Edit,
         regenerate: Annotated[bool, Form()] = False) -> Response:
    fn = (lambda: policy.enable_fips(auth.ctx, regenerate=regenerate)) if action == "enable" \
        else (lambda: policy.disable_fips(auth.ctx))
    return _do(request, auth, "fips", fn, f"FIPS mode {action}d.")


@router.post("/policy/enhanced/{action}")
def enhanced(request: Request, action: str, auth: Edit) -> Response:
    fn = policy.enable_enhanced if action == "enable" else policy.disable_enhanced
    return _do(request, auth, "enhanced", lambda: fn(auth.ctx),
               f"Enhanced Security Mode {action}d.")


@router.post("/policy/probes")
def add_probe(request: Request, auth: Edit, target: Annotated[str, Form(max_length=300)],
              sni: Annotated[str, Form(max_length=253)] = "",
              trust_store: Annotated[str, Form(max_length=80)] = "tomcat-trust") -> Response:
    return _do(request, auth, "probes",
               lambda: probe.add_target(auth.ctx, target, sni=sni or None,
                                        trust_store=trust_store), f"Added {target}.",
               {"target": target, "sni": sni, "trust_store": trust_store})


@router.post("/policy/probes/run")
def run_probes(request: Request, auth: Execute) -> Response:
    return _do(request, auth, "probes", lambda: probe.run_probes(auth.ctx), "Probed.")


@router.post("/policy/verify")
def verify(request: Request, auth: Read,
           certificate: Annotated[str, Form(max_length=1_500_000)],
           trusted: Annotated[str, Form(max_length=1_500_000)] = "",
           trust_store: Annotated[str, Form(max_length=80)] = "",
           hostname: Annotated[str, Form(max_length=253)] = "") -> Response:
    try:
        result = probe.verify_files(
            auth.ctx, certificate.encode(), trusted=trusted.encode() if trusted else None,
            trust_store=None if trusted else (trust_store or "tomcat-trust"),
            hostname=hostname or None)
    except CertyardError as exc:
        return _page(request, auth, "verify", errors=errors_of(exc), status=http_status(exc))
    return _page(request, auth, "verify", result=result.to_dict())
