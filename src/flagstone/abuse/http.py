"""``install_abuse(app, settings)``: API keys, rate limits and the request log for the server.

A pure ASGI middleware. On every other route it checks the key scope that
:func:`flagstone.abuse.access.required_scope` asks for (401/403; closed by default). On
``POST /v1/moderations``, in order, it:

1. authenticates the ``Authorization: Bearer fsk_...`` key when ``settings.auth_required`` (401 in
   OpenAI's envelope for a missing or bad key; 403 for a blocked account or a missing scope);
2. takes a token from the key's bucket (429 with ``Retry-After``), in process or shared via Redis
   (anonymous calls, possible only with auth off, are not limited);
3. hands the account's tightened thresholds to the route (``request.state.account_thresholds``, read by
   ``serving/routes/moderations.py``, which builds the results with them), lets it run, and hands
   the raw request and response bytes to the batched request log (parsing happens off the request
   path, in the log writer's thread, which also feeds the detection monitor and the incident store).

It also mounts the admin pages (``flagstone.abuse.admin``, under ``/admin``) for keys and incidents.
Domain errors are turned into the envelope here because middleware runs outside FastAPI's handlers.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import math
import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI
from sqlalchemy.engine import Engine
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from flagstone.abuse.access import required_scope
from flagstone.abuse.base import RateLimiter
from flagstone.abuse.db import open_engine
from flagstone.abuse.incidents import IncidentStore
from flagstone.abuse.keys import KeyInfo, KeyStore
from flagstone.abuse.monitor import Monitor
from flagstone.abuse.ratelimit import make_rate_limiter
from flagstone.abuse.requestlog import RawCall, RequestLogWriter, load_hash_key
from flagstone.abuse.rules import Rule, load_rules, load_shipped_rules
from flagstone.errors import FlagstoneError, RateLimitError
from flagstone.settings import Settings

log = logging.getLogger(__name__)
PATHS = frozenset({"/v1/moderations"})
KEY_CACHE_SECONDS = 2.0  # a revoked key or blocked account is refused within this long


@dataclass
class AbuseServices:
    engine: Engine
    keys: KeyStore
    incidents: IncidentStore
    monitor: Monitor
    limiter: RateLimiter
    writer: RequestLogWriter | None
    auth_required: bool = True
    clock: Callable[[], float] = time.time

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()  # flush what is queued


def default_rules(settings: Settings) -> list[Rule]:
    if settings.rules_path is not None:
        return load_rules(settings.rules_path)  # a named file that is missing is an error
    return load_shipped_rules()  # package data: missing only in a broken install, which is an error too


def build_services(settings: Settings, *, engine: Engine | None = None, rules: list[Rule] | None = None,
                   clock: Callable[[], float] = time.time, limiter: RateLimiter | None = None) -> AbuseServices:
    engine = engine or open_engine(settings.resolved_database_url)
    keys = KeyStore(engine, clock=clock)
    incidents = IncidentStore(engine, keys, clock=clock)
    monitor = Monitor(default_rules(settings) if rules is None else rules, incidents, discover_every=300.0)
    content_days = settings.request_log_content_retention_days
    writer = (RequestLogWriter(engine, storage=settings.request_log_content, sinks=[monitor],
                               retention=settings.request_log_retention_days * 86_400,
                               content_retention=content_days * 86_400 if content_days else None,
                               purge_every=settings.request_log_purge_interval_s,
                               hash_key=load_hash_key(settings), clock=clock,
                               max_queue_bytes=settings.request_log_queue_max_bytes)
              if settings.request_log_enabled else None)
    limiter = limiter or make_rate_limiter(settings.rate_limit_burst, settings.rate_limit_per_second,
                                           settings.redis_url)
    return AbuseServices(engine, keys, incidents, monitor, limiter, writer, settings.auth_required, clock)


def install_abuse(app: FastAPI, settings: Settings, **kw) -> AbuseServices:  # type: ignore[no-untyped-def]
    """Add the abuse middleware and admin pages to ``app`` (before it starts); return its services.

    Calling it again on the same app replaces the services (tests and benchmarks inject their own
    rules, clock or database this way) without stacking a second middleware.
    """
    from flagstone.abuse.admin import router as admin_router

    services = build_services(settings, **kw)
    old = getattr(app.state, "abuse", None)
    app.state.abuse = services
    if old is not None:
        old.close()
        return services
    app.include_router(admin_router)
    app.add_middleware(AbuseGuard)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: FastAPI) -> AsyncIterator[object]:
        async with inner(a) as state:
            try:
                yield state
            finally:
                a.state.abuse.close()

    app.router.lifespan_context = lifespan
    return services


class AbuseGuard:
    """The middleware; it reads the services from ``app.state.abuse`` on each call (swappable)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._cache: dict[str, tuple[float, KeyInfo, dict[str, float]]] = {}
        self._cache_owner: AbuseServices | None = None
        # Request ids: a random 64-bit prefix per middleware and a counter, unique across processes and
        # restarts without a system call per request (token_hex per request was 3.5% of the event loop).
        self._id_prefix = secrets.token_hex(8)
        self._ids = itertools.count()

    def _next_id(self) -> str:
        return f"{self._id_prefix}{next(self._ids):x}"

    def _authenticate(self, s: AbuseServices, token: str | None) -> tuple[KeyInfo | None, dict[str, float]]:
        if self._cache_owner is not s:  # services were replaced: forget keys verified by the old ones
            self._cache, self._cache_owner = {}, s
        if not s.auth_required and not (token or "").startswith("fsk_"):
            return None, {}  # auth off: any (or no) key is accepted, as for a local development server
        digest = hashlib.sha256((token or "").encode()).hexdigest()
        now = time.monotonic()
        hit = self._cache.get(digest)
        if hit is not None and hit[0] > now:
            return hit[1], hit[2]
        info = s.keys.verify(token)
        overrides = s.keys.account_thresholds(info.account)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (now + KEY_CACHE_SECONDS, info, overrides)
        return info, overrides

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] != "POST" or scope["path"] not in PATHS:
            await self._check_access(scope, receive, send)
            return
        s: AbuseServices = scope["app"].state.abuse
        token = _bearer(scope)
        info: KeyInfo | None = None
        try:
            info, overrides = self._authenticate(s, token)
            client = (scope.get("client") or ("local", 0))[0]
            bucket = info.id if info else f"anon:{client}"
            # Limits are per key; with auth off (a loopback development server) there is none to limit.
            decision = s.limiter.acquire(bucket) if info is not None else None
            if decision is not None and not decision.allowed:
                raise RateLimitError("Rate limit reached for this API key; retry after the time in "
                                     "the Retry-After header.", retry_after=decision.retry_after)
        except FlagstoneError as exc:
            extra = {"Retry-After": str(max(1, math.ceil(exc.retry_after)))} if isinstance(exc, RateLimitError) else None
            await JSONResponse(exc.to_envelope(), status_code=exc.status, headers=extra)(scope, receive, send)
            self._log_refusal(s, scope, exc, info)
            return
        await self._forward(s, scope, receive, send, info, bucket, overrides)

    def _log_refusal(self, s: AbuseServices, scope: Scope, exc: FlagstoneError, info: KeyInfo | None) -> None:
        """Log a refused request, without content, against whoever can be told: the key's account when
        the key was genuine (revoked, blocked, throttled), else the client address."""
        if s.writer is None:
            return
        account = info.account if info else getattr(exc, "account", None)
        key_id = info.id if info else getattr(exc, "key_id", None)
        client = (scope.get("client") or ("local", 0))[0]
        s.writer.submit(RawCall(ts=s.clock(), account=account or f"client:{client}", key_id=key_id or "-",
                                request_id=self._next_id(), request_body=b"", response_body=b"",
                                status=exc.status, error=str(exc.code or type(exc).__name__), path=scope["path"]))

    async def _check_access(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Any route but ``POST /v1/moderations``: the key scope ``abuse.access`` asks for, if auth is on."""
        s: AbuseServices = scope["app"].state.abuse
        scope_needed = required_scope(scope["path"])
        if scope_needed is not None and s.auth_required:
            try:
                s.keys.verify(_bearer(scope), scope=scope_needed)
            except FlagstoneError as exc:
                await JSONResponse(exc.to_envelope(), status_code=exc.status)(scope, receive, send)
                self._log_refusal(s, scope, exc, None)
                return
        await self.app(scope, receive, send)

    async def _forward(self, s: AbuseServices, scope: Scope, receive: Receive, send: Send, info: KeyInfo | None,
                       bucket: str, overrides: dict[str, float]) -> None:
        req_chunks: list[bytes] = []
        resp_chunks: list[bytes] = []
        start: dict = {}

        async def recv() -> Message:
            msg = await receive()
            if msg["type"] == "http.request":
                req_chunks.append(msg.get("body", b""))
            return msg

        async def snd(msg: Message) -> None:
            if msg["type"] == "http.response.start":
                start.update(msg)
            elif msg["type"] == "http.response.body":
                resp_chunks.append(msg.get("body", b""))
            await send(msg)

        if overrides:  # a fresh per-request state dict, so nothing leaks into other requests
            scope["state"] = {**scope.get("state", {}), "account_thresholds": dict(overrides)}
        await self.app(scope, recv, snd)
        if s.writer is None:
            return
        status = start.get("status", 500)
        refused = status != 200
        s.writer.submit(RawCall(ts=s.clock(), account=info.account if info else bucket,
                                key_id=info.id if info else "-", request_id=self._next_id(),
                                # A refused body is not kept (only its length): it may be anything.
                                request_body=b"".join(req_chunks) if not refused else b"",
                                body_len=sum(map(len, req_chunks)),
                                response_body=b"".join(resp_chunks) if not refused else b"",
                                thresholds=overrides or None, status=status,
                                error=_error_code(b"".join(resp_chunks)) if refused else "", path=scope["path"]))


def _error_code(body: bytes) -> str:
    try:
        err = json.loads(body)["error"]
        return str(err.get("code") or err.get("type") or "")
    except (ValueError, KeyError, TypeError, AttributeError):
        return ""


def _bearer(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            auth = value.decode("latin-1")
            return auth[7:].strip() if auth[:7].lower() == "bearer " else None
    return None
