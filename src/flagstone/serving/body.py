"""Transport checks on request bodies, before any parsing: origin, size, content type and UTF-8.

A pure ASGI middleware, because these must hold for every route and must run before FastAPI reads
the body: the size limit is enforced both on ``Content-Length`` and on the bytes actually streamed
(a client can lie or use chunked encoding), so a huge body is never buffered whole.

The API takes JSON only. The pages people use in a browser (the labeling UI under ``/ui`` and the
admin pages under ``/admin``) also take HTML form bodies, and there every state-changing request
(POST, PUT, PATCH, DELETE) must come from the server's own pages, in every auth mode (a loopback
server without keys included): a request that ``Sec-Fetch-Site`` marks as from another site, or whose
``Origin`` (else ``Referer``) names another host, is refused with 403 in the error envelope before
any route runs. Requests that carry none of these headers are not from a browser page, so they
cannot ride on a visitor's cookies, and pass (scripts, curl).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from flagstone.errors import (
    FlagstoneError,
    InvalidRequestError,
    PayloadTooLargeError,
    PermissionDeniedError,
    UnsupportedMediaTypeError,
)

_BODY_METHODS = {"POST", "PUT", "PATCH"}
_STATE_CHANGING = _BODY_METHODS | {"DELETE"}
BROWSER_PAGES = ("/ui", "/admin")  # route families people use in a browser: forms, same-origin writes only
_FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _media(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _is_json(content_type: str) -> bool:
    media = _media(content_type)
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def is_browser_page(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in BROWSER_PAGES)


def _host_port(netloc: str, scheme: str) -> tuple[str, int | None]:
    parts = urlsplit(f"//{netloc}")
    try:
        port = parts.port
    except ValueError:
        return netloc.lower(), None
    return (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme)


def cross_site_reason(headers: dict[str, str]) -> str | None:
    """Why a browser request comes from another site, or ``None`` when it is same-origin (or not a browser's).

    ``Sec-Fetch-Site`` is set by the browser itself and is right behind a TLS proxy, so it decides when
    present ("same-site" is refused too: another port or subdomain is another application). Otherwise the
    ``Origin`` (or ``Referer``) host and port must be the ``Host`` the request was sent to; the port is
    compared with the origin's scheme default, so a proxy that keeps the Host header keeps working.
    """
    site = headers.get("sec-fetch-site")
    if site is not None:
        return None if site.lower() in ("same-origin", "none") else f"Sec-Fetch-Site is {site!r}"
    source = headers.get("origin") or headers.get("referer")
    if source is None:
        return None
    url = urlsplit(source)
    if url.scheme not in _DEFAULT_PORTS or not url.netloc:
        return f"the request comes from origin {source[:100]!r}"
    host = headers.get("host", "")
    if _host_port(url.netloc, url.scheme) != _host_port(host, url.scheme):
        return f"the request comes from {url.scheme}://{url.netloc[:100]}, not from this server ({host[:100]})"
    return None


class BodyGuard:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app, self.max_body_bytes = app, max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _STATE_CHANGING:
            await self.app(scope, receive, send)
            return
        page = is_browser_page(scope["path"])
        try:
            if page:
                _check_same_origin(scope)
            body = await self._read(scope, receive, forms=page) if scope["method"] in _BODY_METHODS else None
        except FlagstoneError as exc:
            await JSONResponse(exc.to_envelope(), status_code=exc.status)(scope, receive, send)
            return
        if body is None:  # DELETE: nothing to check in the body
            await self.app(scope, receive, send)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _read(self, scope: Scope, receive: Receive, *, forms: bool) -> bytes:
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        limit = self.max_body_bytes
        too_big = PayloadTooLargeError(
            f"request body is larger than the limit of {limit} bytes; send fewer or shorter inputs")
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise too_big
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise too_big
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        content_type = headers.get("content-type")
        wanted = "a JSON body or an HTML form" if forms else "a JSON body with 'Content-Type: application/json'"
        if body and content_type is None:
            raise UnsupportedMediaTypeError(f"the Content-Type header is missing; send {wanted}")
        if body and content_type is not None and not (
                _is_json(content_type) or (forms and _media(content_type) in _FORM_TYPES)):
            raise UnsupportedMediaTypeError(f"Content-Type {content_type!r} is not supported; send {wanted}")
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidRequestError(
                f"request body is not valid UTF-8 (byte {exc.start}: {exc.reason}); encode JSON as UTF-8",
                code="invalid_encoding") from None
        return body


def _check_same_origin(scope: Scope) -> None:
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
    reason = cross_site_reason(headers)
    if reason is not None:
        raise PermissionDeniedError(f"cross-site request refused: {reason}; use the pages of this server",
                                    code="cross_site_request")
