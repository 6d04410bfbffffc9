"""Admin web pages for the abuse flow: API keys and incidents (list, detail, triage, export).

Mounted by :func:`flagstone.abuse.http.install_abuse` under ``/admin``. When auth is required the
pages need a key with the ``admin`` scope, sent as a bearer token or entered once on ``/admin/login``.
Signing in opens a server-side session (:class:`flagstone.store.sessions.SessionStore`, realm
``admin``, subject the key id); the browser keeps only the signed session id in an HttpOnly,
SameSite=Strict cookie, never the key. Every request re-checks that the key is still active with the
``admin`` scope and its account unblocked; ``/admin/logout`` and revoking the key end the session on
the server. Sign-ins are throttled per client address like the labeling UI's (429 with Retry-After).
On a loopback development server without keys the pages are open.

Pages are GETs rendering templates; changes are JSON POSTs sent by a few lines of script in the page,
answering ``{"redirect": ...}`` or an error envelope. In every auth mode the server's body guard
refuses state-changing requests from other sites before they get here (:mod:`flagstone.serving.body`).
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import Annotated

import jinja2
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel

from flagstone.errors import AuthenticationError, InvalidRequestError, PermissionDeniedError, RateLimitError
from flagstone.store.sessions import LoginThrottle, SessionStore

log = logging.getLogger(__name__)
COOKIE = "flagstone_admin"  # a signed session id (the cookie of earlier versions held the raw key)
_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
                          autoescape=True)
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


@router.get("/keys", response_class=HTMLResponse)
def keys_page(request: Request, actor: Actor) -> HTMLResponse:
    return _page("admin_keys.html", keys=request.app.state.abuse.keys.list(), actor=actor, new_key=None)


class NewKey(BaseModel):
    account: str
    scopes: list[str] = ["moderate"]
    name: str = ""


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
                 actions=sorted(ACTIONS), actor=actor)


class StatusBody(BaseModel):
    status: str


class NoteBody(BaseModel):
    text: str


class ActionBody(BaseModel):
    action: str
    target: str
    thresholds: str = ""  # "category=value, category=value" for tighten_thresholds
    reason: str = ""


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

