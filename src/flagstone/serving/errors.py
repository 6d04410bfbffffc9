"""The one place where errors become HTTP responses, all in OpenAI's envelope.

``{"error": {"message", "type", "param", "code"}}`` for domain errors (their own status), request
validation errors and malformed JSON (400, ``param`` pointing at the field), unknown routes and
methods (404/405), and anything unexpected (500, logged with its traceback; no input should get here).
Messages that echo what the caller sent are made encodable first: a lone UTF-16 surrogate (valid in
JSON's ``\\ud800`` escapes, not in UTF-8) is written as the text ``\\ud800``, never a 500.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from flagstone.errors import FlagstoneError, RateLimitError

log = logging.getLogger(__name__)


def envelope(message: str, *, type: str = "invalid_request_error", param: str | None = None,
             code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": _encodable(message), "type": type, "param": _encodable(param),
                      "code": code}}


def _encodable(text: str | None) -> str | None:
    """``text`` with lone surrogates spelled out (``\\ud800``), so the response encodes as UTF-8."""
    if text is None:
        return None
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _param(err: dict[str, Any]) -> str | None:
    ctx = err.get("ctx") or {}
    if "param" in ctx:
        return str(ctx["param"])
    parts = [p for p in err.get("loc", ()) if p != "body"]
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or None


def _validation_message(err: dict[str, Any], param: str | None) -> str:
    if err.get("type") == "json_invalid":
        detail = (err.get("ctx") or {}).get("error", "")
        return f"request body is not valid JSON ({detail}); send a JSON object like {{\"input\": \"text\"}}"
    if err.get("type") == "missing":
        if param is None:
            return "request body is empty; send a JSON object like {\"input\": \"text\"}"
        return f"missing required parameter '{param}'"
    if err.get("type") == "extra_forbidden":
        return f"unrecognized request argument supplied: {param}"
    if err.get("type") == "model_attributes_type":
        return "request body must be a JSON object like {\"input\": \"text\"}"
    msg = err.get("msg", "invalid value")
    return msg if (err.get("ctx") or {}).get("param") else f"invalid value for '{param}': {msg}"


async def _flagstone_error(request: Request, exc: FlagstoneError) -> JSONResponse:
    if exc.status >= 500:
        log.error("%s %s failed: %s", request.method, request.url.path, exc.message)
    headers = {"Retry-After": f"{exc.retry_after:.0f}"} if isinstance(exc, RateLimitError) else None
    body = envelope(exc.message, type=exc.type, param=exc.param, code=exc.code)
    return JSONResponse(body, status_code=exc.status, headers=headers)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    first = errors[0] if errors else {}
    param = None if first.get("type") in ("json_invalid", "model_attributes_type") else _param(first)
    code = "invalid_json" if first.get("type") == "json_invalid" else "invalid_value"
    return JSONResponse(envelope(_validation_message(first, param), param=param, code=code), status_code=400)


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    if exc.status_code == 404:
        message, code = f"Invalid URL ({request.method} {request.url.path})", "not_found"
    elif exc.status_code == 405:
        message, code = f"Method {request.method} is not allowed on {request.url.path}", "method_not_allowed"
    elif exc.status_code == 400 and exc.__cause__ is not None:
        # FastAPI's body parser failed outside json.loads' own errors (nesting too deep, huge numbers).
        cause = f"{type(exc.__cause__).__name__}: {exc.__cause__}"[:200]
        message = f"request body could not be parsed as JSON ({cause}); send a JSON object like {{\"input\": \"text\"}}"
        code = "invalid_json"
    else:
        message, code = str(exc.detail), None
    return JSONResponse(envelope(message, code=code), status_code=exc.status_code,
                        headers=getattr(exc, "headers", None))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return JSONResponse(envelope("The server had an error while processing your request.",
                                 type="server_error", code="internal_error"), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(FlagstoneError, _flagstone_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)
