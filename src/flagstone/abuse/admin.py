"""Admin web pages for the abuse flow: an index, API keys, the request log and incidents (list, detail,
triage, export).

Mounted by :func:`flagstone.abuse.http.install_abuse` under ``/admin``. When auth is required the
pages need a key with the ``admin`` scope, sent as a bearer token or entered once on ``/admin/login``.
Signing in opens a server-side session (:class:`flagstone.store.sessions.SessionStore`, realm
``admin``, subject the key id); the browser keeps only the signed session id in an HttpOnly,
SameSite=Strict cookie, never the key. Every request re-checks that the key is still active with the
``admin`` scope and its account unblocked; ``/admin/logout`` and revoking the key end the session on
the server. Sign-ins are throttled per client address like the labeling UI's (429 with Retry-After).
On a loopback development server without keys the pages are open.

Pages are GETs rendering templates; changes are JSON POSTs sent by a few lines of script in the page,
answering ``{"redirect": ...}`` or an error envelope. When the answer names the page already shown,
the script fetches it again and swaps its ``data-refresh`` parts (tables), without a full reload;
revoking a key asks for confirmation first. The request-log page filters by key, account, status and
time and shows a request's text only where the log stored it (``full``) and its retention allows. In every auth mode the server's body guard
refuses state-changing requests from other sites before they get here (:mod:`flagstone.serving.body`).
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import jinja2
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.engine import Engine

from flagstone.abuse import db
from flagstone.errors import AuthenticationError, InvalidRequestError, PermissionDeniedError, RateLimitError
from flagstone.store.sessions import LoginThrottle, SessionStore

log = logging.getLogger(__name__)
COOKIE = "flagstone_admin"  # a signed session id (the cookie of earlier versions held the raw key)
_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
                          autoescape=True)
MAX_NOTE, MAX_FIELD = 5000, 200  # characters: a note; an account, key name, target or reason


def fmt_ts(ts: float | None) -> str:
    """A stored epoch time as people read it (UTC, to the second)."""
    return "" if ts is None else datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


_ENV.filters["ts"] = fmt_ts
router = APIRouter(prefix="/admin", include_in_schema=False)


def _sessions(request: Request) -> SessionStore:
    """The admin realm's session store on the abuse database, made on first use per app."""
    state = request.app.state
    sessions = getattr(state, "admin_sessions", None)
    if sessions is None or sessions.engine is not state.abuse.engine:  # services swapped: follow them
        secret = state.settings.ui_secret_key
        if secret is None:
            log.warning("ui_secret_key is not set: admin sessions use a random key and end on restart")
            secret = secrets.token_urlsafe(32)
        sessions = state.admin_sessions = SessionStore(state.abuse.engine, secret, "admin")
    return sessions


def admin_actor(request: Request) -> str:
    """The acting admin (``account/key`` id), or ``local`` on an open development server."""
    if not request.app.state.settings.auth_required:
        return "local"
    keys = request.app.state.abuse.keys
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        info = keys.verify(auth[7:].strip(), scope="admin")
        return f"{info.account}/{info.id}"
    sessions = _sessions(request)
    key_id = sessions.lookup(request.cookies.get(COOKIE))
    if key_id is None:
        raise AuthenticationError("Sign in on /admin/login with an admin API key, or send it as "
                                  "'Authorization: Bearer KEY'.")
    info = keys.get(key_id)
    if not info.active or "admin" not in info.scopes:  # revoked since sign-in: the session ends with it
        sessions.end_all(key_id)
        raise AuthenticationError("The API key of this session was revoked; sign in again.")
    if keys.is_blocked(info.account):
        raise PermissionDeniedError("This account is blocked.", code="account_blocked")
    return f"{info.account}/{info.id}"


Actor = Annotated[str, Depends(admin_actor)]


def _page(name: str, **ctx: object) -> HTMLResponse:
    return HTMLResponse(_ENV.get_template(name).render(**ctx))


@router.get("/login", response_class=HTMLResponse)
def login_form() -> HTMLResponse:
    return _page("admin_login.html")


class LoginBody(BaseModel):
    key: str


@router.post("/login")
def login(request: Request, body: LoginBody) -> Response:
    throttle = LoginThrottle(request.app.state.abuse.engine, "admin")
    client = [f"ip:{request.client.host if request.client else 'unknown'}"]
    wait = throttle.retry_after(client)
    if wait is not None:
        raise RateLimitError("Too many failed sign-ins from this address; retry after the time in the "
                             "Retry-After header.", retry_after=wait)
    try:
        info = request.app.state.abuse.keys.verify(body.key, scope="admin")
    except (AuthenticationError, PermissionDeniedError):
        throttle.record_failure(client)
        raise
    resp = JSONResponse({"redirect": "/admin/incidents"})
    resp.set_cookie(COOKIE, _sessions(request).create(info.id), httponly=True, samesite="strict",
                    secure=request.url.scheme == "https", path="/admin")
    resp.delete_cookie("flagstone_admin_key")  # earlier versions kept the raw key there
    return resp


@router.post("/logout")
def logout(request: Request, actor: Actor) -> Response:  # noqa: ARG001 - signed-in callers only
    _sessions(request).end(request.cookies.get(COOKIE))  # ended on the server, whatever the browser keeps
    resp = JSONResponse({"redirect": "/admin/login"})
    resp.delete_cookie(COOKIE, path="/admin")
    return resp


@router.get("", response_class=HTMLResponse)
def index(request: Request) -> Response:
    """What needs attention: open incidents, keys, the latest requests; sign-in first when needed."""
    try:
        actor = admin_actor(request)
    except AuthenticationError:
        if "text/html" in request.headers.get("accept", ""):  # a person's browser: to the sign-in page
            return RedirectResponse("/admin/login", status_code=303)
        raise
    abuse = request.app.state.abuse
    incidents = abuse.incidents.list()
    keys = abuse.keys.list()
    return _page("admin_index.html", actor=actor, open_incidents=[i for i in incidents if i.status != "closed"],
                 incidents=len(incidents), active_keys=sum(k.active for k in keys), keys=len(keys),
                 requests=query_requests(abuse.engine, limit=10), retention=_content_retention(request))


@router.get("/keys", response_class=HTMLResponse)
def keys_page(request: Request, actor: Actor) -> HTMLResponse:
    return _page("admin_keys.html", keys=request.app.state.abuse.keys.list(), actor=actor, new_key=None)


class NewKey(BaseModel):
    account: str = Field(min_length=1, max_length=MAX_FIELD)
    scopes: list[str] = ["moderate"]
    name: str = Field(default="", max_length=MAX_FIELD)


@router.post("/keys")
def create_key(request: Request, actor: Actor, body: NewKey) -> dict:
    plain, info = request.app.state.abuse.keys.create(body.account, scopes=tuple(body.scopes), name=body.name,
                                                      actor=actor)
    return {"new_key": plain, "id": info.id}


@router.post("/keys/{key_id}/revoke")
def revoke_key(request: Request, actor: Actor, key_id: str) -> dict:
    request.app.state.abuse.keys.revoke(key_id, actor=actor)
    _sessions(request).end_all(key_id)  # browsers signed in with the key are signed out at once
    return {"redirect": "/admin/keys"}


@router.get("/incidents", response_class=HTMLResponse)
def incidents_page(request: Request, actor: Actor, status: str | None = None) -> HTMLResponse:
    store = request.app.state.abuse.incidents
    return _page("admin_incidents.html", incidents=store.list(status or None), status=status, actor=actor)


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
def incident_page(request: Request, actor: Actor, incident_id: int) -> HTMLResponse:
    from flagstone.abuse.incidents import ACTIONS, TRANSITIONS

    d = request.app.state.abuse.incidents.show(incident_id)
    return _page("admin_incident.html", d=d, moves=sorted(TRANSITIONS[d.incident.status]),
                 actions=ACTIONS.names(), actor=actor)


class StatusBody(BaseModel):
    status: str


class NoteBody(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_NOTE)


class ActionBody(BaseModel):
    action: str = Field(max_length=MAX_FIELD)
    target: str = Field(min_length=1, max_length=MAX_FIELD)
    thresholds: str = Field(default="", max_length=MAX_FIELD)  # "category=value, category=value"
    reason: str = Field(default="", max_length=MAX_FIELD)


@router.post("/incidents/{incident_id}/status")
def set_status(request: Request, actor: Actor, incident_id: int, body: StatusBody) -> dict:
    request.app.state.abuse.incidents.set_status(incident_id, body.status, actor=actor)
    return {"redirect": f"/admin/incidents/{incident_id}"}


@router.post("/incidents/{incident_id}/notes")
def add_note(request: Request, actor: Actor, incident_id: int, body: NoteBody) -> dict:
    request.app.state.abuse.incidents.add_note(incident_id, body.text, author=actor)
    return {"redirect": f"/admin/incidents/{incident_id}"}


@router.post("/incidents/{incident_id}/actions")
def act(request: Request, actor: Actor, incident_id: int, body: ActionBody) -> dict:
    params: dict = {"reason": body.reason} if body.reason else {}
    if body.thresholds.strip():
        try:
            params["thresholds"] = {c.strip(): float(v) for c, v in
                                    (item.split("=", 1) for item in body.thresholds.split(","))}
        except ValueError:
            raise InvalidRequestError("thresholds must read category=value, category=value") from None
    result = request.app.state.abuse.incidents.act(incident_id, body.action, body.target, actor=actor,
                                                   params=params)
    return {"redirect": f"/admin/incidents/{incident_id}", "result": result}


@router.get("/incidents/{incident_id}/export")
def export(request: Request, actor: Actor, incident_id: int, format: str = "markdown") -> Response:
    text = request.app.state.abuse.incidents.export(incident_id, format)
    media = "text/html" if format == "html" else "text/markdown"
    return Response(text, media_type=f"{media}; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="incident-{incident_id}.'
                                                    f'{"html" if format == "html" else "md"}"'})



# -- the request log ---------------------------------------------------------------------------------
try:  # refused requests are logged too (status in the row's model_version): read them the log's way
    from flagstone.abuse.requestlog import REFUSED, refusal_of
except ImportError:  # the same row format ("refused:<status>:<code> <path>"), read here
    REFUSED = "refused:"

    def refusal_of(model_version: str) -> tuple[int, str]:
        if not model_version.startswith(REFUSED):
            return 200, ""
        status, _, rest = model_version[len(REFUSED):].partition(":")
        return (int(status) if status.isdigit() else 0), rest


@dataclass(frozen=True)
class LoggedRequest:
    request_id: str
    ts: float
    account: str
    key_id: str
    status: int
    refusal: str
    input_len: int
    flags: list[str]
    model_version: str
    content: str | None  # the text, only where stored in full and within the content retention
    content_note: str  # why there is no text: "not stored", "hashed", "past retention"


def query_requests(engine: Engine, *, key_id: str | None = None, account: str | None = None,
                   status: int | None = None, since: float | None = None, until: float | None = None,
                   content_retention_s: float | None = None, now: float | None = None,
                   limit: int = 200) -> list[LoggedRequest]:
    """The latest logged requests matching every filter given, newest first, at most ``limit``."""
    t = db.requests
    q = select(t).order_by(t.c.ts.desc(), t.c.id.desc()).limit(limit)
    if key_id:
        q = q.where(t.c.key_id == key_id)
    if account:
        q = q.where(t.c.account == account)
    if since is not None:
        q = q.where(t.c.ts >= since)
    if until is not None:
        q = q.where(t.c.ts < until)
    if status is not None:
        q = q.where(~t.c.model_version.startswith(REFUSED) if status == 200
                    else t.c.model_version.startswith(f"{REFUSED}{status}:"))
    now = time.time() if now is None else now
    out = []
    with engine.connect() as conn:
        for r in conn.execute(q):
            code, refusal = refusal_of(r.model_version)
            fresh = content_retention_s is None or r.ts >= now - content_retention_s
            full = r.content_kind == "full" and r.content is not None
            note = ("past retention" if full and not fresh else "hashed" if r.content_kind == "hashed"
                    else "" if full else "not stored")
            out.append(LoggedRequest(r.request_id, r.ts, r.account, r.key_id, code, refusal, r.input_len,
                                     list(r.flags or []), "" if code != 200 else r.model_version,
                                     r.content if full and fresh else None, note))
    return out


def _content_retention(request: Request) -> float | None:
    days = request.app.state.settings.request_log_content_retention_days
    return None if days is None else days * 86400.0


def _epoch(value: str | None, name: str) -> float | None:
    """An ``<input type=datetime-local>`` value (UTC) or epoch seconds, as epoch seconds."""
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC).timestamp()
    except ValueError:
        raise InvalidRequestError(f"{name} must be a date and time like 2026-01-31T13:45 (UTC)", param=name) from None


@router.get("/requests", response_class=HTMLResponse)
def requests_page(request: Request, actor: Actor, key: str = "", account: str = "", status: str = "",
                  since: str = "", until: str = "") -> HTMLResponse:
    if status and not status.isdigit():
        raise InvalidRequestError("status is an HTTP status code such as 200, 401 or 429", param="status")
    rows = query_requests(request.app.state.abuse.engine, key_id=key.strip() or None,
                          account=account.strip() or None, status=int(status) if status else None,
                          since=_epoch(since, "since"), until=_epoch(until, "until"),
                          content_retention_s=_content_retention(request))
    return _page("admin_requests.html", actor=actor, rows=rows, storage=request.app.state.settings.request_log_content,
                 filters={"key": key, "account": account, "status": status, "since": since, "until": until})
