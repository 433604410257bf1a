"""Sign-in, sign-out, password change and the user's own API tokens (the home page, the
dashboard, is in pages_home)."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from certyard import accounts
from certyard.errors import AuthenticationFailed, CertyardError, Conflict
from certyard.http.auth import COOKIE, Auth, anonymous_ctx, app_ctx, client_ip, require
from certyard.http.errors import http_status
from certyard.http.params import Id
from certyard.web.flash import flash_redirect
from certyard.web.render import render

router = APIRouter()
Me = Annotated[Auth, Depends(require(None, allow_password_change=True))]
Signed = Annotated[Auth, Depends(require(None))]


def _safe_next(value: str) -> str:
    return value if value.startswith("/") and not value.startswith("//") else "/"


def errors_of(exc: CertyardError) -> dict[str, str]:
    """Each problem under its field ("_": above the form); several at once when the
    error carries them (InvalidInputs)."""
    out: dict[str, str] = {}
    for problem in getattr(exc, "problems", None) or (exc,):
        key = problem.field or "_"
        out[key] = f"{out[key]}; {problem.message}" if key in out else problem.message
    return out




LOGIN_CSRF = "certyard_login_csrf"


def _login_form(request: Request, *, next: str, username: str = "", error: str = "",
                status: int = 200) -> Response:
    """The sign-in form with a fresh double-submit CSRF token (cookie + hidden field): there
    is no session yet to hold one."""
    token = secrets.token_urlsafe(24)
    resp = render(request, "login.html", status=status, title="Sign in",
                  next=_safe_next(next), username=username, error=error, login_csrf=token)
    resp.set_cookie(LOGIN_CSRF, token, secure=True, httponly=True, samesite="strict",
                    path="/login", max_age=3600)
    return resp


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    return _login_form(request, next=next)


@router.post("/login")
def login(request: Request, username: Annotated[str, Form(max_length=64)],
          password: Annotated[str, Form(max_length=200)],
          next: Annotated[str, Form(max_length=500)] = "/",
          csrf_token: Annotated[str, Form(max_length=100)] = "") -> Response:
    ip = client_ip(request)
    ctx = anonymous_ctx(request, username)
    cookie = request.cookies.get(LOGIN_CSRF, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), csrf_token.encode()):
        return _login_form(request, next=next, username=username, status=403,
                           error="the sign-in form expired; please try again")
    try:
        if not request.app.state.rate_limiter.allow(ip):
            raise accounts.SignInThrottled("too many sign-in attempts from your address; "
                                           "wait a minute and try again")
        accounts.count_sign_in_attempt(ctx, ip)  # shared by every replica
        user = accounts.authenticate(ctx, username, password)
        token, _csrf = accounts.start_session(ctx, user.id, source=ip)
    except (AuthenticationFailed, Conflict) as exc:
        return _login_form(request, next=next, username=username, error=exc.message,
                           status=http_status(exc))
    target = "/account/password" if user.must_change_password else _safe_next(next)
    resp = RedirectResponse(target, status_code=303)
    resp.set_cookie(COOKIE, token, secure=True, httponly=True, samesite="strict", path="/")
    return resp


@router.post("/logout")
def logout(request: Request, auth: Me) -> Response:
    token = request.cookies.get(COOKIE)
    if token:
        accounts.end_session(app_ctx(request), token)
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(COOKIE, path="/", secure=True, httponly=True, samesite="strict")
    return resp


@router.get("/account/password")
def password_page(request: Request, auth: Me) -> Response:
    return render(request, "password.html", title="Change password",
                  password_rules=_password_rules(auth), errors={})


def _password_rules(auth: Auth) -> list[str]:
    return accounts.describe_rules(accounts.get_auth_rules(auth.ctx))


@router.post("/account/password")
def change_password(request: Request, auth: Me,
                    current_password: Annotated[str, Form(max_length=200)],
                    new_password: Annotated[str, Form(max_length=200)],
                    confirm_password: Annotated[str, Form(max_length=200)]) -> Response:
    try:
        if new_password != confirm_password:
            from certyard.errors import InvalidInput

            raise InvalidInput("the two new passwords differ", field="password")
        # Every other session of the user ends; this one stays signed in.
        accounts.change_password(auth.ctx, auth.user, current=current_password,
                                 new=new_password, keep_session=request.cookies.get(COOKIE))
    except CertyardError as exc:
        return render(request, "password.html", status=422, title="Change password",
                      password_rules=_password_rules(auth), errors=errors_of(exc))
    return flash_redirect(request, "/", "Your password was changed.")


@router.get("/account")
def account(request: Request, auth: Signed) -> Response:
    return render(request, "account.html", title="Your account",
                  tokens=accounts.list_tokens(auth.ctx, user=auth.user), new_token="",
                  errors={})


@router.post("/account/tokens")
def create_token(request: Request, auth: Signed,
                 name: Annotated[str, Form(max_length=64)]) -> Response:
    try:
        _, secret = accounts.create_token(auth.ctx, auth.user, name=name)
        errors: dict[str, str] = {}
    except CertyardError as exc:
        secret, errors = "", errors_of(exc)
    return render(request, "account.html", title="Your account", errors=errors,
                  tokens=accounts.list_tokens(auth.ctx, user=auth.user), new_token=secret)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: Id, auth: Signed) -> Response:
    accounts.revoke_token(auth.ctx, token_id, user=auth.user)
    return flash_redirect(request, "/account", "Token revoked.")
