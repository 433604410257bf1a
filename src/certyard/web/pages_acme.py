"""ACME server pages: profiles (list, add, edit, remove, with each directory URL), External
Account Binding keys (create shows the HMAC key once, list, revoke), accounts (deactivate),
orders (status, identifiers, authorizations, a link to the pending request when an
administrator must approve) and the validator's settings.

Every form calls one ``certyard.acme`` service function; typed errors come back next to
the field with what was typed kept. Viewing needs ``ca:read``; every change
``ca:execute``, as in the API (/api/v1/acme/...).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from certyard import acme
from certyard.errors import CertyardError, InvalidInput
from certyard.http.auth import Auth, require
from certyard.http.errors import http_status
from certyard.web.flash import flash_redirect
from certyard.web.pages_auth import errors_of
from certyard.web.render import render

router = APIRouter()
Read = Annotated[Auth, Depends(require("ca:read"))]
Execute = Annotated[Auth, Depends(require("ca:execute"))]

BASE = "/acme-server"
TABS = [("Profiles", f"{BASE}/profiles"), ("EAB keys", f"{BASE}/eab-keys"),
        ("Accounts", f"{BASE}/accounts"), ("Orders", f"{BASE}/orders"),
        ("Settings", f"{BASE}/settings")]
ORDER_STATES = ("pending", "ready", "processing", "valid", "invalid")
_LISTS = ("allowed_suffixes", "allowed_names", "allowed_networks")
_PROFILE_FIELDS = (*_LISTS, "description", "cert_profile", "days", "orders_per_hour",
                   "approval", "terms_url", "allow_wildcards", "eab_required",
                   "auto_approve_nodes")
_FLAGS = ("allow_wildcards", "eab_required", "auto_approve_nodes")
_APPROVAL_TEXT = {"none": "none: issue when validated",
                  "required": "required: an administrator approves each certificate"}
APPROVAL_CHOICES = [(a, _APPROVAL_TEXT.get(a, a)) for a in acme.APPROVALS]
CERT_CHOICES = [("server", "server (TLS server)"),
                ("server-client", "server-client (TLS server and client)")]


async def _form(request: Request) -> dict[str, str]:
    return {k: str(v)[:4000] for k, v in (await request.form()).items()
            if k != "csrf_token" and isinstance(v, str)}


def _page(request: Request, template: str, title: str, *, status: int = 200,
          errors: dict[str, str] | None = None, **values: Any) -> Response:
    return render(request, template, status=status, title=title, tabs=TABS,
                  errors=errors or {}, **values)


def _directory_url(request: Request, profile: str) -> str:
    return f"{str(request.base_url).rstrip('/')}/acme/{profile}/directory"


def _whole(form: dict[str, str], name: str, label: str) -> int:
    text = form.get(name, "").strip()
    if not text.isdigit() or len(text) > 9:
        raise InvalidInput(f"{label} must be a whole number", field=name)
    return int(text)


def _words(text: str) -> list[str]:
    return [w for w in text.replace(",", " ").split() if w]


def _profile_values(form: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {k: _words(form.get(k, "")) for k in _LISTS}
    values.update({k: form.get(k, "") in ("true", "on") for k in _FLAGS})
    values["days"] = _whole(form, "days", "Validity (days)")
    values["orders_per_hour"] = _whole(form, "orders_per_hour", "Orders per hour")
    for k in ("description", "cert_profile", "approval", "terms_url"):
        values[k] = form.get(k, "").strip()
    return values


def _profile_form(p: acme.ProfileView | None) -> dict[str, str]:
    if p is None:
        return {"days": "90", "orders_per_hour": "0", "approval": "none",
                "cert_profile": "server"}
    shown: dict[str, str] = {k: " ".join(getattr(p, k)) for k in _LISTS}
    shown.update({k: "true" if getattr(p, k) else "" for k in _FLAGS})
    shown.update({"days": str(p.days), "orders_per_hour": str(p.orders_per_hour),
                  "approval": p.approval, "cert_profile": p.cert_profile,
                  "terms_url": p.terms_url, "description": p.description})
    return shown


# Profiles ------------------------------------------------------------------------------

def _profiles_page(request: Request, auth: Auth, *, status: int = 200,
                   errors: dict[str, str] | None = None, form: dict[str, str] | None = None,
                   editing: str = "") -> Response:
    profiles = acme.list_profiles(auth.ctx)
    if editing and form is None:
        form = _profile_form(acme.show_profile(auth.ctx, editing))
    return _page(request, "acme_profiles.html", "ACME profiles", status=status,
                 errors=errors, profiles=profiles, editing=editing,
                 form=form or _profile_form(None), approval_choices=APPROVAL_CHOICES,
                 cert_choices=CERT_CHOICES,
                 directory={p.name: _directory_url(request, p.name) for p in profiles})


@router.get(BASE)
def acme_home(auth: Read) -> Response:
    return RedirectResponse(f"{BASE}/profiles", status_code=303)


@router.get(f"{BASE}/profiles")
def profiles(request: Request, auth: Read) -> Response:
    return _profiles_page(request, auth)


@router.post(f"{BASE}/profiles")
async def profile_add(request: Request, auth: Execute) -> Response:
    form = await _form(request)
    try:
        view = acme.add_profile(auth.ctx, form.get("name", "")[:64],
                                **_profile_values(form))
    except CertyardError as exc:
        return _profiles_page(request, auth, status=http_status(exc), errors=errors_of(exc),
                              form=form)
    return flash_redirect(request, f"{BASE}/profiles",
                          f"ACME profile {view.name} added: its directory is "
                          f"{_directory_url(request, view.name)}"
                          + "".join(f" Warning: {w}." for w in view.warnings))


@router.get(f"{BASE}/profiles/{{name}}/edit")
def profile_edit_page(request: Request, name: str, auth: Execute) -> Response:
    return _profiles_page(request, auth, editing=acme.show_profile(auth.ctx, name).name)


@router.post(f"{BASE}/profiles/{{name}}/edit")
async def profile_edit(request: Request, name: str, auth: Execute) -> Response:
    form = await _form(request)
    try:
        current = acme.show_profile(auth.ctx, name).name
        view = acme.update_profile(auth.ctx, current, **_profile_values(form))
    except CertyardError as exc:
        return _profiles_page(request, auth, status=http_status(exc), errors=errors_of(exc),
                              form=form, editing=name[:64])
    return flash_redirect(request, f"{BASE}/profiles", f"ACME profile {current} updated."
                          + "".join(f" Warning: {w}." for w in view.warnings))


@router.post(f"{BASE}/profiles/{{name}}/remove")
def profile_remove(request: Request, name: str, auth: Execute) -> Response:
    try:
        acme.remove_profile(auth.ctx, name)
    except CertyardError as exc:
        return _profiles_page(request, auth, status=http_status(exc), errors=errors_of(exc))
    return flash_redirect(request, f"{BASE}/profiles",
                          f"ACME profile {name[:64]} removed with its accounts, orders and "
                          "EAB keys; certificates it issued stay with the CA.")


# EAB keys ------------------------------------------------------------------------------

def _eab_page(request: Request, auth: Auth, *, status: int = 200,
              errors: dict[str, str] | None = None, form: dict[str, str] | None = None,
              created: acme.EabKeyCreated | None = None) -> Response:
    resp = _page(request, "acme_eab.html", "ACME EAB keys", status=status, errors=errors,
                 keys=acme.list_eab_keys(auth.ctx), profiles=acme.list_profiles(auth.ctx),
                 form=form or {}, created=created,
                 directory=_directory_url(request, created.profile) if created else "")
    if created is not None:  # the HMAC key is on this page only: keep it out of caches
        resp.headers["Cache-Control"] = "no-store"
    return resp


@router.get(f"{BASE}/eab-keys")
def eab_keys(request: Request, auth: Read) -> Response:
    return _eab_page(request, auth)


@router.post(f"{BASE}/eab-keys")
def eab_create(request: Request, auth: Execute,
               profile: Annotated[str, Form(max_length=64)] = "",
               description: Annotated[str, Form(max_length=500)] = "") -> Response:
    try:
        if not profile:
            raise InvalidInput("choose the profile the key registers with", field="profile")
        created = acme.create_eab_key(auth.ctx, profile, description=description)
    except CertyardError as exc:
        return _eab_page(request, auth, status=http_status(exc), errors=errors_of(exc),
                         form={"profile": profile, "description": description})
    # Rendered, not redirected: the key must not travel in a cookie or a URL.
    return _eab_page(request, auth, created=created)


@router.post(f"{BASE}/eab-keys/{{kid}}/revoke")
def eab_revoke(request: Request, kid: str, auth: Execute) -> Response:
    try:
        view = acme.revoke_eab_key(auth.ctx, kid)
    except CertyardError as exc:
        return _eab_page(request, auth, status=http_status(exc), errors=errors_of(exc))
    return flash_redirect(request, f"{BASE}/eab-keys",
                          f"EAB key {view.kid} revoked: it can no longer register an account.")


# Accounts ------------------------------------------------------------------------------

def _accounts_page(request: Request, auth: Auth, *, profile: str = "", status: int = 200,
                   errors: dict[str, str] | None = None) -> Response:
    profiles = acme.list_profiles(auth.ctx)
    chosen = profile if profile in {p.name for p in profiles} else ""
    return _page(request, "acme_accounts.html", "ACME accounts", status=status,
                 errors=errors, accounts=acme.list_accounts(auth.ctx, profile=chosen or None),
                 profiles=profiles, profile=chosen)


@router.get(f"{BASE}/accounts")
def accounts_page(request: Request, auth: Read, profile: str = "") -> Response:
    return _accounts_page(request, auth, profile=profile[:64])


@router.post(f"{BASE}/accounts/{{account_id}}/deactivate")
def account_deactivate(request: Request, account_id: str, auth: Execute) -> Response:
    try:
        acme.deactivate_account(auth.ctx, account_id[:64])
    except CertyardError as exc:
        return _accounts_page(request, auth, status=http_status(exc), errors=errors_of(exc))
    return flash_redirect(request, f"{BASE}/accounts",
                          f"ACME account {account_id[:64]} deactivated.")


# Orders --------------------------------------------------------------------------------

@router.get(f"{BASE}/orders")
def orders_page(request: Request, auth: Read, status: str = "", profile: str = "") -> Response:
    profiles = acme.list_profiles(auth.ctx)
    chosen_status = status if status in ORDER_STATES else ""
    chosen_profile = profile if profile in {p.name for p in profiles} else ""
    orders = acme.list_orders(auth.ctx, status=chosen_status or None,
                              profile=chosen_profile or None, limit=500)
    return _page(request, "acme_orders.html", "ACME orders", orders=orders,
                 profiles=profiles, states=ORDER_STATES, chosen_status=chosen_status,
                 profile=chosen_profile)


@router.get(f"{BASE}/orders/{{order_id}}")
def order_page(request: Request, order_id: str, auth: Read) -> Response:
    order = acme.show_order(auth.ctx, order_id[:64])
    return _page(request, "acme_order.html", f"ACME order {order.id}", o=order)


# Settings ------------------------------------------------------------------------------

def _settings_form(cur: acme.AcmeSettings) -> dict[str, str]:
    return {"http_port": str(cur.http_port), "tlsalpn_port": str(cur.tlsalpn_port),
            "dns_resolver": cur.dns_resolver,
            "allowed_networks": " ".join(cur.allowed_networks),
            "timeout": f"{cur.timeout:g}"}


def _settings_page(request: Request, auth: Auth, *, status: int = 200,
                   errors: dict[str, str] | None = None,
                   form: dict[str, str] | None = None) -> Response:
    return _page(request, "acme_settings.html", "ACME settings", status=status, errors=errors,
                 form=form or _settings_form(acme.acme_settings(auth.ctx)))


@router.get(f"{BASE}/settings")
def settings_page(request: Request, auth: Read) -> Response:
    return _settings_page(request, auth)


@router.post(f"{BASE}/settings")
async def settings_save(request: Request, auth: Execute) -> Response:
    form = await _form(request)
    try:
        try:
            timeout = float(form.get("timeout", "").strip())
        except ValueError:
            raise InvalidInput("timeout must be a number of seconds", field="timeout") \
                from None
        acme.update_acme_settings(
            auth.ctx, http_port=_whole(form, "http_port", "HTTP port"),
            tlsalpn_port=_whole(form, "tlsalpn_port", "TLS-ALPN port"),
            dns_resolver=form.get("dns_resolver", ""),
            allowed_networks=_words(form.get("allowed_networks", "")), timeout=timeout)
    except CertyardError as exc:
        return _settings_page(request, auth, status=http_status(exc), errors=errors_of(exc),
                              form=form)
    return flash_redirect(request, f"{BASE}/settings", "ACME settings saved.")
