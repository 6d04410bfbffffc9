"""Transport checks on request bodies, before any parsing: size, content type and UTF-8.

A pure ASGI middleware, because these must hold for every route and must run before FastAPI reads
the body: the size limit is enforced both on ``Content-Length`` and on the bytes actually streamed
(a client can lie or use chunked encoding), so a huge body is never buffered whole.
"""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from flagstone.errors import (
    FlagstoneError,
    InvalidRequestError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
)

_BODY_METHODS = {"POST", "PUT", "PATCH"}


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


class BodyGuard:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app, self.max_body_bytes = app, max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        try:
            body = await self._read(scope, receive)
        except FlagstoneError as exc:
            await JSONResponse(exc.to_envelope(), status_code=exc.status)(scope, receive, send)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _read(self, scope: Scope, receive: Receive) -> bytes:
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
        if body and content_type is None:
            raise UnsupportedMediaTypeError("the Content-Type header is missing; send a JSON body with "
                                            "'Content-Type: application/json'")
        if body and content_type is not None and not _is_json(content_type):
            raise UnsupportedMediaTypeError(
                f"Content-Type {content_type!r} is not supported; send a JSON body with "
                "'Content-Type: application/json'")
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidRequestError(
                f"request body is not valid UTF-8 (byte {exc.start}: {exc.reason}); encode JSON as UTF-8",
                code="invalid_encoding") from None
        return body
