"""The ACME protocol endpoints (RFC 8555) under ``/acme/<profile>/`` on the HTTPS listener.
Thin: read the body, call ``certyard.acme`` protocol functions, render the reply or an
RFC 7807 problem document with a fresh ``Replay-Nonce``. No login: requests are
authenticated by their JWS."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from certyard.acme.finalize import certificate, finalize
from certyard.acme.jose import Urls, new_nonce
from certyard.acme.orders import (
    get_authz,
    get_order,
    list_account_orders,
    new_order,
    respond_challenge,
)
from certyard.acme.problems import AcmeProblem
from certyard.acme.protocol import Reply, directory, handle, key_change, new_account, update_account
from certyard.acme.revoke import renewal_info, revoke_cert
from certyard.context import AppContext
from certyard.errors import CertyardError
from certyard.http.errors import http_status

__all__ = ["PROBLEM_STATUS", "router"]

router = APIRouter(prefix="/acme/{profile}", include_in_schema=False)

# HTTP status per ACME error type (RFC 8555 6.7; 400 unless listed).
PROBLEM_STATUS = {"unauthorized": 403, "userActionRequired": 403, "orderNotReady": 403,
                  "rateLimited": 429, "serverInternal": 500, "accountDoesNotExist": 400}
_NO_STORE = {"Cache-Control": "no-store"}


def _ctx(request: Request) -> Any:
    return request.app.state.ctx


def _urls(request: Request, profile: str) -> Urls:
    return Urls(f"{request.url.scheme}://{request.url.netloc}", profile[:64])


def _nonce_headers(ctx: AppContext, urls: Urls) -> dict[str, str]:
    return {"Replay-Nonce": new_nonce(ctx), "Link": f'<{urls.directory}>;rel="index"',
            **_NO_STORE}


def _problem(ctx: AppContext, urls: Urls, exc: Exception, *, status: int | None = None,
             headers: dict[str, str] | None = None) -> Response:
    """The problem document; its ``status`` member is always the HTTP status."""
    location = None
    if isinstance(exc, AcmeProblem):
        doc, code = exc.document(), PROBLEM_STATUS.get(exc.acme_type, 400)
        retry, location = exc.retry_after, exc.conflicting_account
        if location:  # RFC 8555 7.3.5: 409 naming the account that holds the key
            code = 409
    else:  # a certyard error from below (CA not set up, token gone, ...)
        assert isinstance(exc, CertyardError)
        doc = {"type": "urn:ietf:params:acme:error:serverInternal", "detail": exc.message}
        code = http_status(exc)
        code, retry = (code if code >= 500 else 500), None
    status = status or code
    doc["status"] = status
    out = _nonce_headers(ctx, urls) | (headers or {})
    if retry:
        out["Retry-After"] = str(retry)
    if location:
        out["Location"] = location
    return JSONResponse(doc, status_code=status, headers=out,
                        media_type="application/problem+json")


def _render(ctx: AppContext, urls: Urls, reply: Reply) -> Response:
    headers = _nonce_headers(ctx, urls)
    if reply.location:
        headers["Location"] = reply.location
    if reply.retry_after:
        headers["Retry-After"] = str(reply.retry_after)
    links = [headers["Link"]] + [f'<{u}>;rel="{rel}"' for u, rel in reply.links]
    headers["Link"] = ", ".join(links)
    if isinstance(reply.body, bytes):
        return Response(reply.body, status_code=reply.status, headers=headers,
                        media_type=reply.content_type)
    if reply.body is None:
        return Response(status_code=reply.status, headers=headers)
    return JSONResponse(reply.body, status_code=reply.status, headers=headers)


async def _post(request: Request, profile: str, action: Callable[..., Reply], *args: Any,
                use_jwk: bool | None = False) -> Response:
    ctx, urls = _ctx(request), _urls(request, profile)
    url = f"{urls.base}{request.url.path}"
    body = await request.body()

    def run() -> Response:
        try:
            if request.headers.get("content-type", "").split(";")[0].strip() != \
                    "application/jose+json":
                raise AcmeProblem("malformed", "the Content-Type must be application/jose+json")

            def act(c: Any, s: Any, p: Any, u: Urls, v: Any) -> Reply:
                return action(c, s, p, u, v, *args)

            reply = handle(ctx, urls, url, body, act, use_jwk=use_jwk)
            return _render(ctx, urls, reply)
        except CertyardError as exc:
            return _problem(ctx, urls, exc)

    return await run_in_threadpool(run)


@router.get("/directory")
async def get_directory(request: Request, profile: str) -> Response:
    ctx, urls = _ctx(request), _urls(request, profile)

    def run() -> Response:
        try:
            return JSONResponse(directory(ctx, urls), headers=_NO_STORE)
        except CertyardError as exc:
            return _problem(ctx, urls, exc, status=404)

    return await run_in_threadpool(run)


@router.api_route("/new-nonce", methods=["HEAD", "GET"])
async def get_nonce(request: Request, profile: str) -> Response:
    ctx, urls = _ctx(request), _urls(request, profile)
    headers = await run_in_threadpool(_nonce_headers, ctx, urls)
    return Response(status_code=200 if request.method == "HEAD" else 204, headers=headers)


@router.post("/new-account")
async def post_new_account(request: Request, profile: str) -> Response:
    return await _post(request, profile, new_account, use_jwk=True)


@router.post("/acct/{account}")
async def post_account(request: Request, profile: str, account: str) -> Response:
    return await _post(request, profile, update_account, account)


@router.post("/acct/{account}/orders")
async def post_account_orders(request: Request, profile: str, account: str) -> Response:
    return await _post(request, profile, list_account_orders, account)


@router.post("/key-change")
async def post_key_change(request: Request, profile: str) -> Response:
    return await _post(request, profile, key_change)


@router.post("/new-order")
async def post_new_order(request: Request, profile: str) -> Response:
    return await _post(request, profile, new_order)


@router.post("/order/{order}")
async def post_order(request: Request, profile: str, order: str) -> Response:
    return await _post(request, profile, get_order, order)


@router.post("/order/{order}/finalize")
async def post_finalize(request: Request, profile: str, order: str) -> Response:
    return await _post(request, profile, finalize, order)


@router.post("/authz/{authz}")
async def post_authz(request: Request, profile: str, authz: str) -> Response:
    return await _post(request, profile, get_authz, authz)


@router.post("/chall/{challenge}")
async def post_challenge(request: Request, profile: str, challenge: str) -> Response:
    return await _post(request, profile, respond_challenge, challenge)


@router.post("/cert/{order}")
async def post_certificate(request: Request, profile: str, order: str) -> Response:
    return await _post(request, profile, certificate, order)


@router.post("/cert/{order}/{alternate}")
async def post_certificate_alternate(request: Request, profile: str, order: str,
                                     alternate: str) -> Response:
    return await _post(request, profile, certificate, order,
                       int(alternate) if alternate.isdigit() and len(alternate) < 3 else -1)


@router.post("/revoke-cert")
async def post_revoke(request: Request, profile: str) -> Response:
    return await _post(request, profile, revoke_cert, use_jwk=None)


@router.get("/renewal-info/{cert_id}")
async def get_renewal_info(request: Request, profile: str, cert_id: str) -> Response:
    ctx, urls = _ctx(request), _urls(request, profile)

    def run() -> Response:
        try:
            body, retry = renewal_info(ctx, urls, cert_id[:300])
        except CertyardError as exc:
            return _problem(ctx, urls, exc, status=404)
        return JSONResponse(body, headers={"Retry-After": str(retry)})

    return await run_in_threadpool(run)


# Every other method or path under /acme/<profile>/ answers a problem document too (not the
# web UI's HTML pages): 405 with Allow for a known resource, 404 for an unknown one.
_POST_ONLY = re.compile(r"^(new-account|new-order|revoke-cert|key-change|acct/[^/]+"
                        r"|acct/[^/]+/orders|order/[^/]+|order/[^/]+/finalize|authz/[^/]+"
                        r"|chall/[^/]+|cert/[^/]+|cert/[^/]+/[^/]+)$")
_GET_ONLY = re.compile(r"^(directory|renewal-info/[^/]+)$")
_ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


@router.api_route("/{rest:path}", methods=_ANY_METHOD)
async def other_request(request: Request, profile: str, rest: str) -> Response:
    ctx, urls = _ctx(request), _urls(request, profile)
    if _POST_ONLY.match(rest):
        allow = "POST"
    elif _GET_ONLY.match(rest):
        allow = "GET"
    elif rest == "new-nonce":
        allow = "GET, HEAD"
    else:
        allow = ""

    def run() -> Response:
        if not allow:
            return _problem(ctx, urls, AcmeProblem("malformed", "no such ACME resource"),
                            status=404)
        exc = AcmeProblem("malformed", f"this resource answers {allow} only, not "
                          f"{request.method}")
        return _problem(ctx, urls, exc, status=405, headers={"Allow": allow})

    return await run_in_threadpool(run)
