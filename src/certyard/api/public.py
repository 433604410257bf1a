"""Endpoints served on the plain-HTTP listener without login: CA certificate and chain
downloads, the CRL and the OCSP responder, and a certsrv-like distribution page. Mounted
by ``certyard serve``; the AppContext comes from ``app.state.ctx`` (set by the server).

The routes are thin: each calls one ``certyard.ca`` service function.
"""

from __future__ import annotations

import base64
import binascii
import html
from typing import Annotated, Any
from urllib.parse import unquote

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.routing import Route

from certyard import ca
from certyard.context import AppContext
from certyard.errors import CertyardError, NotFound
from certyard.http.auth import app_ctx
from certyard.http.errors import error_response, http_status
from certyard.http.params import DB_INT_MAX, Id, attachment

router = APIRouter()

_MAX_OCSP_REQUEST = 16 * 1024
_OCSP_RESPONSE = "application/ocsp-response"


_ctx = app_ctx
_error = error_response


def _download(request: Request, path: str) -> Response:
    try:
        _, downloads, bodies = ca.distribution(_ctx(request))
    except CertyardError as exc:
        return _error(exc)
    d = next(x for x in downloads if x.path == path)
    name = {"ca/crl": "ca.crl"}.get(path, path.replace("ca/", "ca-"))
    return Response(bodies[path], media_type=d.media_type,
                    headers={"Content-Disposition": attachment(name),
                             "Cache-Control": "max-age=300",
                             "Digest": "sha-512=" + base64.b64encode(
                                 bytes.fromhex(d.sha512)).decode()})


def _make(path: str) -> Any:
    async def endpoint(request: Request) -> Response:
        return _download(request, path)
    endpoint.__name__ = "download_" + path.replace("/", "_").replace(".", "_")
    return endpoint


for _p in ("ca/root.pem", "ca/root.crt", "ca/cert.pem", "ca/cert.crt", "ca/chain.p7b",
           "ca/chain.pem", "ca/crl"):
    router.add_api_route("/" + _p, _make(_p), methods=["GET"], include_in_schema=False)


@router.get("/ca/{ca_id}.crt", include_in_schema=False)
def ca_issuer_certificate(ca_id: Id, request: Request) -> Response:
    """The AIA caIssuers URL: one DER certificate (RFC 5280 4.2.2.1)."""
    from certyard.ca.authority import issuer_certificate_der

    try:
        der = issuer_certificate_der(_ctx(request), ca_id)
    except NotFound as exc:
        return _error(exc)
    return Response(der, media_type="application/pkix-cert")


@router.get("/ca/{ca_id}.crl", include_in_schema=False)
def ca_crl(ca_id: Id, request: Request) -> Response:
    """The CRL distribution point of CA ``ca_id`` (DER)."""
    try:
        der = ca.current_crl(_ctx(request), ca_id=ca_id)
    except CertyardError as exc:
        return _error(exc)
    return Response(der, media_type="application/pkix-crl",
                    headers={"Cache-Control": "max-age=60"})


@router.get("/ca/{ca_id}/crl/{shard}", include_in_schema=False)
def ca_crl_shard(ca_id: Id, shard: Annotated[int, Path(ge=0, le=DB_INT_MAX)],
                 request: Request) -> Response:
    """One CRL partition of CA ``ca_id`` (DER; the CDP of certificates in that shard)."""
    from certyard.ca.crl_shards import current_shard_crl

    try:
        der = current_shard_crl(_ctx(request), ca_id=ca_id, shard=shard)
    except CertyardError as exc:
        return _error(exc)
    return Response(der, media_type="application/pkix-crl",
                    headers={"Cache-Control": "max-age=60"})


@router.get("/ca/{ca_id}/delta.crl", include_in_schema=False)
def ca_delta_crl(ca_id: Id, request: Request) -> Response:
    """The delta CRL of CA ``ca_id`` (DER; named by the full CRL's Freshest CRL extension),
    cacheable until its nextUpdate, at most a minute (a revocation re-signs it)."""
    from certyard.ca.crl_delta import current_delta_crl

    try:
        der = current_delta_crl(_ctx(request), ca_id=ca_id)
    except CertyardError as exc:
        return _error(exc)
    return _crl_response(der, request)


def _crl_response(der: bytes, request: Request) -> Response:
    """RFC 5019-style caching for a CRL: ETag, Last-Modified (thisUpdate), Expires
    (nextUpdate), max-age bounded by nextUpdate; 304 to a matching If-None-Match."""
    import datetime as dt
    import hashlib
    from email.utils import format_datetime

    from cryptography import x509

    crl = x509.load_der_x509_crl(der)
    etag = '"' + hashlib.sha256(der).hexdigest()[:32] + '"'
    now = dt.datetime.now(dt.timezone.utc)
    expires = crl.next_update_utc or now
    max_age = max(0, min(60, int((expires - now).total_seconds())))
    headers = {"ETag": etag, "Last-Modified": format_datetime(crl.last_update_utc, usegmt=True),
               "Expires": format_datetime(expires, usegmt=True),
               "Cache-Control": f"public, max-age={max_age}, no-transform"}
    if etag in [v.strip() for v in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(der, media_type="application/pkix-crl", headers=headers)


_GET_HEADERS = [(b"content-type", _OCSP_RESPONSE.encode()),
                (b"cache-control", b"max-age=60")]
_POST_HEADERS = [(b"content-type", _OCSP_RESPONSE.encode())]
_B64URL = bytes.maketrans(b"-_", b"+/")


async def _answer(scope: Any, der: bytes) -> bytes:
    """A cached answer is a dictionary lookup on the event loop; anything else (first
    sight, nonce, stale entry: database and maybe signing) runs in the thread pool so it
    never stalls other requests. The client's address bounds what it can have signed."""
    ctx: AppContext = scope["app"].state.ctx
    hit = ca.ocsp_cached(ctx, der)
    if hit is not None:
        return hit
    client = scope.get("client")
    return await run_in_threadpool(ca.ocsp_respond, ctx, der,
                                   source=client[0] if client else None)


async def _send(send: Any, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [*headers, (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class _OcspGet:
    """RFC 6960 A.1 GET: ``/ocsp/<url-encoded base64 DER request>`` (base64url accepted
    too). A raw ASGI endpoint: no Request/Response objects or parameter handling on the
    path relying parties hit hardest."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        text = unquote(scope["path_params"]["encoded"])
        if len(text) > _MAX_OCSP_REQUEST:
            await _send(send, 414, b"", [])
            return
        raw = text.encode("ascii", "replace").translate(_B64URL)
        try:
            der = base64.b64decode(raw + b"=" * (-len(raw) % 4), validate=False)
        except (binascii.Error, ValueError):
            der = b""
        await _send(send, 200, await _answer(scope, der), _GET_HEADERS)


class _OcspPost:
    """RFC 6960 A.1 POST, the DER request as the body (at most 16 KiB)."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > _MAX_OCSP_REQUEST:
                await _send(send, 413, b"", [])
                return
        await _send(send, 200, await _answer(scope, body), _POST_HEADERS)


router.routes.append(Route("/ocsp", _OcspPost(), methods=["POST"], include_in_schema=False))
router.routes.append(Route("/ocsp/{encoded:path}", _OcspGet(), methods=["GET"],
                           include_in_schema=False))


_INSTRUCTIONS = [
    ("Windows", "Double-click the root certificate (DER), choose <em>Install Certificate</em>, "
     "<em>Local Machine</em>, and place it in <em>Trusted Root Certification Authorities</em>; "
     "or run <code>certutil -addstore -f Root ca-root.crt</code> as administrator. The "
     "PKCS#7 path installs root and intermediate together."),
    ("macOS", "Run <code>sudo security add-trusted-cert -d -r trustRoot -k "
     "/Library/Keychains/System.keychain ca-root.pem</code>, or open it in Keychain Access "
     "and set <em>Always Trust</em>."),
    ("Linux", "Debian/Ubuntu: copy <code>ca-root.pem</code> to "
     "<code>/usr/local/share/ca-certificates/certyard.crt</code> and run "
     "<code>update-ca-certificates</code>. RHEL/Fedora: copy it to "
     "<code>/etc/pki/ca-trust/source/anchors/</code> and run <code>update-ca-trust</code>."),
    ("Firefox", "Settings, Privacy &amp; Security, <em>View Certificates</em>, "
     "<em>Authorities</em>, <em>Import</em>: choose the root certificate and tick "
     "<em>Trust this CA to identify websites</em>."),
]


@router.get("/ca/", response_class=HTMLResponse, include_in_schema=False)
@router.get("/ca", response_class=HTMLResponse, include_in_schema=False)
def distribution_page(request: Request) -> Response:
    """Retrieve the CA certificate, the certification path or the CRL, with checksums."""
    try:
        subject, downloads, _ = ca.distribution(_ctx(request))
    except CertyardError as exc:
        return HTMLResponse(f"<p>{html.escape(exc.message)}</p>",
                            status_code=http_status(exc))
    rows = "".join(
        f'<tr><td><a href="/{d.path}">{html.escape(d.label)}</a></td><td>{d.size}</td>'
        f'<td><code class="sha512">{d.sha512}</code></td></tr>' for d in downloads)
    howto = "".join(f"<h3>{name}</h3><p>{text}</p>" for name, text in _INSTRUCTIONS)
    page = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<meta name=viewport content=\"width=device-width, initial-scale=1\">"
        f"<title>certyard certificate authority</title><style>{_STYLE}</style></head><body>"
        "<h1>Certificate authority</h1>"
        f"<p>Issuing CA: <strong>{html.escape(subject)}</strong></p>"
        "<h2>Retrieve the CA certificate or certificate revocation list</h2>"
        "<p><a href=\"/ca/chain.p7b\">Install this CA certification path</a></p>"
        "<table><thead><tr><th>File</th><th>Bytes</th><th>SHA-512</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        "<p>Compare the SHA-512 checksum (e.g. <code>sha512sum ca-root.pem</code>) before "
        "trusting a file.</p>"
        f"<h2>Install the root certificate</h2>{howto}</body></html>")
    return HTMLResponse(page)


# The plain-HTTP listener serves no static files; this page carries its own small style.
_STYLE = ("body{margin:0 auto;max-width:960px;padding:1.5rem;font-family:system-ui,sans-serif;"
          "color:#1d2433;background:#f5f7fa;line-height:1.45}h1{font-size:1.5rem}"
          "h2{font-size:1.15rem;margin-top:1.5rem}a{color:#1f5fbf}"
          "table{width:100%;border-collapse:collapse;background:#fff;border:1px solid #dfe3ea}"
          "td,th{padding:.45rem .6rem;border-bottom:1px solid #dfe3ea;text-align:left;"
          "vertical-align:top}code{font-family:ui-monospace,monospace;font-size:.82rem}"
          ".sha512{word-break:break-all}")

# HEAD answers like GET on every public route (a relying party or monitor may probe with
# HEAD; without this it fell through to the HTTPS redirect).
for _route in router.routes:
    _methods = getattr(_route, "methods", None)
    if isinstance(_methods, set) and "GET" in _methods:
        _methods.add("HEAD")
