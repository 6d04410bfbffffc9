"""Routes of the labeling UI. Thin: read the form, call :mod:`work`, render a template.

Every POST checks the CSRF token of the session cookie it arrives with (and, before any route runs,
the server's body guard refuses cross-site POSTs: :mod:`flagstone.serving.body`). A signed-in browser
holds a server-side session (:class:`~flagstone.store.sessions.SessionStore`, realm ``ui``) that
logout and a password change end. Sign-ins are throttled per username and per client address
(:class:`~flagstone.store.sessions.LoginThrottle`: 429 with ``Retry-After`` after 10 failures in 15
minutes). Domain errors render as a message page with the error's status; they are never turned into
HTTP exceptions in domain code.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from flagstone.errors import FlagstoneError, InvalidRequestError, PermissionDeniedError
from flagstone.labeling.ui import work
from flagstone.labeling.ui.auth import Session, Signer
from flagstone.labeling.ui.suggestions import item_suggestions
from flagstone.policy.taxonomy import CATEGORIES
from flagstone.policy.versions import current_version, load_version_policy
from flagstone.settings import Settings
from flagstone.store.engine import Store
from flagstone.store.sessions import LoginThrottle, SessionStore

log = logging.getLogger(__name__)
COOKIE = "flagstone_ui"
# One key per category, in taxonomy order; n = none of these, u = unclear, s = skip, c = comment,
# a = accept the first machine suggestion (ticks its boxes; the person still submits).
SHORTCUTS = dict(zip(CATEGORIES, "1234567890qwe", strict=True))
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
router = APIRouter(include_in_schema=False)


@dataclass
class UIState:
    settings: Settings
    signer: Signer
    secret: str
    store: Store | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _sessions: SessionStore | None = None
    _throttle: LoginThrottle | None = None

    def get_store(self) -> Store:
        with self._lock:
            if self.store is None:  # opened on first use, not at app creation
                from flagstone.store import open_store

                self.store = open_store(self.settings)
            return self.store

    @property
    def sessions(self) -> SessionStore:
        if self._sessions is None:
            self._sessions = SessionStore(self.get_store().engine, self.secret, "ui")
        return self._sessions

    @property
    def throttle(self) -> LoginThrottle:
        if self._throttle is None:
            self._throttle = LoginThrottle(self.get_store().engine, "ui")
        return self._throttle


def _state(request: Request) -> UIState:
    return request.app.state.labeling_ui


def _session(request: Request) -> Session | None:
    return _state(request).signer.load(request.cookies.get(COOKIE))


def _user(request: Request) -> work.UIUser | None:
    """The signed-in person: a valid cookie whose server-side session has not ended or expired."""
    s = _session(request)
    if s is None or s.sid is None:
        return None
    st = _state(request)
    uid = st.sessions.lookup(s.sid)
    return work.get_user(st.get_store(), int(uid)) if uid is not None else None


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _render(request: Request, name: str, ctx: dict, status: int = 200, session: Session | None = None
            ) -> HTMLResponse:
    st = _state(request)
    s = session or _session(request) or st.signer.new_session(None)
    resp = templates.TemplateResponse(request, name, {**ctx, "csrf": st.signer.csrf_token(s)}, status_code=status)
    _set_cookie(request, resp, s)
    return resp


def _set_cookie(request: Request, resp: Response, s: Session) -> None:
    resp.set_cookie(COOKIE, _state(request).signer.dump(s), httponly=True, samesite="strict",
                    secure=request.url.scheme == "https", path="/ui")


def _error(request: Request, exc: FlagstoneError, user=None) -> HTMLResponse:
    return _render(request, "message.html", {"user": user, "title": "Cannot do that", "message": exc.message},
                   status=exc.status)


def _csrf_ok(request: Request, token: str) -> bool:
    s = _session(request)
    return s is not None and _state(request).signer.check_csrf(s, token)


def _login_redirect() -> RedirectResponse:
    return RedirectResponse("/ui/login", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> HTMLResponse:
    return _render(request, "login.html", {"user": None, "error": None})


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, username: Annotated[str, Form()], password: Annotated[str, Form()],
          csrf: Annotated[str, Form()] = "") -> Response:
    if not _csrf_ok(request, csrf):
        return _render(request, "login.html", {"user": None, "error": "Form expired; try again."}, status=403)
    st = _state(request)
    if len(username) > work.MAX_USERNAME or len(password) > work.MAX_PASSWORD:
        return _render(request, "login.html", {"user": None, "error": f"A username has at most {work.MAX_USERNAME} "
                                               f"characters and a password at most {work.MAX_PASSWORD}."}, status=400)
    subjects = [f"user:{username.strip().lower()}", f"ip:{_client(request)}"]
    wait = st.throttle.retry_after(subjects)
    if wait is not None:  # refused before the password is checked, right or wrong
        resp = _render(request, "login.html", {"user": None, "error": "Too many failed sign-ins; try again in "
                                               f"{max(1, round(wait / 60))} minute(s)."}, status=429)
        resp.headers["Retry-After"] = str(wait)
        return resp
    user = work.authenticate(st.get_store(), username, password)
    if user is None:
        st.throttle.record_failure(subjects)
        return _render(request, "login.html", {"user": None, "error": "Wrong username or password."}, status=401)
    resp = RedirectResponse("/ui/", status_code=303)
    _set_cookie(request, resp, st.signer.new_session(st.sessions.create(str(user.id))))  # new nonce: no fixation
    return resp


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    resp = _login_redirect()
    if _csrf_ok(request, csrf):
        s = _session(request)
        _state(request).sessions.end(s.sid if s else None)  # ended on the server, whatever the browser keeps
        resp.delete_cookie(COOKIE, path="/ui")
    return resp


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request) -> Response:
    user = _user(request)
    if user is None:
        return _login_redirect()
    return _render(request, "account.html", {"user": user, "message": None})


@router.post("/account/password", response_class=HTMLResponse)
def change_password(request: Request, current: Annotated[str, Form()], new: Annotated[str, Form()],
                    csrf: Annotated[str, Form()] = "") -> Response:
    user = _user(request)
    if user is None:
        return _login_redirect()
    st = _state(request)
    try:
        if not _csrf_ok(request, csrf):
            raise PermissionDeniedError("form expired or forged (CSRF check failed); reload")
        work.change_password(st.get_store(), user, current, new)  # ends every session of this person
    except FlagstoneError as exc:
        return _error(request, exc, user)
    fresh = st.signer.new_session(st.sessions.create(str(user.id)))  # this browser stays signed in
    return _render(request, "account.html", {"user": user, "message": "Password changed; every other "
                                             "session was signed out."}, session=fresh)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    user = _user(request)
    if user is None:
        return _login_redirect()
    queues = work.queue_progress(_state(request).get_store(), user)
    return _render(request, "home.html", {"user": user, "queues": queues})


def _label_page(request: Request, user: work.UIUser, queue: str, item: work.WorkItem | None, *,
                status: int = 200, **extra) -> HTMLResponse:
    """The label form for ``item`` (``extra``: error, chosen, none_chosen, comment, saved, editing; not "none", which
    Jinja reads as its literal None)."""
    st = _state(request)
    store = st.get_store()
    with store.connect() as conn:
        version = current_version(conn)
        policy = load_version_policy(conn, version.id)
    # Machine labels come as suggestions beside the item; "chosen" (what is ticked) is only ever the
    # person's own: what they typed, or their stored labels when editing, never a machine's.
    suggestions = item_suggestions(store, item.item_key) if item else []
    ctx = {"user": user, "queue": queue, "item": item, "policy": policy, "version": version, "shortcuts": SHORTCUTS,
           "progress": work.progress_of(store, user, queue), "max_comment": work.MAX_COMMENT, "error": None, "chosen": (),
           "none_chosen": False, "comment": "", "saved": None, "editing": False, "suggestions": suggestions, **extra}
    return _render(request, "label.html", ctx, status=status)


@router.get("/queue/{queue}", response_class=HTMLResponse)
def queue_page(request: Request, queue: str, saved: str | None = None) -> Response:
    user = _user(request)
    if user is None:
        return _login_redirect()
    store = _state(request).get_store()
    try:
        item = work.next_item(store, user, queue, gold_rate=_state(request).settings.labeling_gold_rate)
        last = work.latest_submission(store, user, saved) if saved else None
        last_text = work.get_work_item(store, saved, queue).text if saved else ""
    except FlagstoneError as exc:
        return _error(request, exc, user)
    return _label_page(request, user, queue, item, saved=last and {"sub": last, "text": last_text})


def _choice(form) -> tuple[list[str], bool, str]:  # type: ignore[no-untyped-def]
    return [str(c) for c in form.getlist("category")], bool(form.get("none")), str(form.get("comment", ""))


@router.post("/queue/{queue}", response_class=HTMLResponse)
async def queue_submit(request: Request, queue: str) -> Response:
    user = _user(request)
    if user is None:
        return _login_redirect()
    form = await request.form()
    if not _csrf_ok(request, str(form.get("csrf", ""))):
        return _error(request, PermissionDeniedError("form expired or forged (CSRF check failed); reload"), user)
    store = _state(request).get_store()
    key = str(form.get("item_key", ""))
    chosen, none, comment = _choice(form)
    try:
        if form.get("action") == "skip":
            work.skip_item(store, user, key, queue, comment)
            return RedirectResponse(f"/ui/queue/{queue}", status_code=303)
        work.submit_labels(store, user, key, queue, chosen, none_of_these=none, comment=comment,
                           unclear=bool(form.get("unclear")))
    except InvalidRequestError as exc:  # the same item again, with what was chosen and typed: nothing is lost
        try:
            item = work.get_work_item(store, key, queue)
        except FlagstoneError as missing:
            return _error(request, missing, user)
        return _label_page(request, user, queue, item, status=exc.status, error=exc.message, chosen=chosen,
                           none_chosen=none, comment=comment)
    except FlagstoneError as exc:
        return _error(request, exc, user)
    return RedirectResponse(f"/ui/queue/{queue}?saved={key}", status_code=303)


@router.post("/undo", response_class=HTMLResponse)
async def undo(request: Request) -> Response:
    """Take back one's latest labels of an item: they are deleted and the item is pending again
    (in the form's ``queue``; from the history page, in whichever queue it was done)."""
    user = _user(request)
    if user is None:
        return _login_redirect()
    form = await request.form()
    try:
        if not _csrf_ok(request, str(form.get("csrf", ""))):
            raise PermissionDeniedError("form expired or forged (CSRF check failed); reload")
        queue = str(form.get("queue", ""))
        work.undo_labels(_state(request).get_store(), user, str(form.get("item_key", "")), queue or None)
    except FlagstoneError as exc:
        return _error(request, exc, user)
    return RedirectResponse(f"/ui/queue/{queue}" if queue else "/ui/history", status_code=303)


@router.get("/edit/{item_key}", response_class=HTMLResponse)
def edit_page(request: Request, item_key: str, queue: str = "") -> Response:
    user = _user(request)
    if user is None:
        return _login_redirect()
    store = _state(request).get_store()
    try:
        sub = work.latest_submission(store, user, item_key)
        item = work.get_work_item(store, item_key, queue)
    except FlagstoneError as exc:
        return _error(request, exc, user)
    return _label_page(request, user, queue, item, editing=True, chosen=sub.positives, none_chosen=not sub.positives,
                       comment=sub.comment)


@router.post("/edit/{item_key}", response_class=HTMLResponse)
async def edit_submit(request: Request, item_key: str) -> Response:
    user = _user(request)
    if user is None:
        return _login_redirect()
    form = await request.form()
    store = _state(request).get_store()
    queue = str(form.get("queue", ""))
    chosen, none, comment = _choice(form)
    try:
        if not _csrf_ok(request, str(form.get("csrf", ""))):
            raise PermissionDeniedError("form expired or forged (CSRF check failed); reload")
        work.edit_labels(store, user, item_key, chosen, none_of_these=none, comment=comment)
    except InvalidRequestError as exc:
        return _label_page(request, user, queue, work.get_work_item(store, item_key, queue), status=exc.status,
                           editing=True, error=exc.message, chosen=chosen, none_chosen=none, comment=comment)
    except FlagstoneError as exc:
        return _error(request, exc, user)
    return RedirectResponse(f"/ui/history?edited={item_key}", status_code=303)


@router.get("/history", response_class=HTMLResponse)
def history_page(request: Request, edited: str | None = None) -> Response:
    user = _user(request)
    if user is None:
        return _login_redirect()
    rows = work.recent_labels(_state(request).get_store(), user)
    return _render(request, "history.html", {"user": user, "rows": rows, "edited": edited})


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request) -> Response:
    user = _user(request)
    if user is None:
        return _login_redirect()
    if user.role != "admin":
        return _error(request, PermissionDeniedError("only admins see annotator statistics"), user)
    stats = work.annotator_stats(_state(request).get_store())
    return _render(request, "admin.html", {"user": user, "stats": stats, "message": None})


@router.post("/admin/users", response_class=HTMLResponse)
def admin_create_user(request: Request, username: Annotated[str, Form()], password: Annotated[str, Form()],
                      role: Annotated[str, Form()], csrf: Annotated[str, Form()] = "") -> Response:
    user = _user(request)
    if user is None:
        return _login_redirect()
    try:
        if user.role != "admin":
            raise PermissionDeniedError("only admins create accounts")
        if not _csrf_ok(request, csrf):
            raise PermissionDeniedError("form expired or forged (CSRF check failed); reload")
        work.create_user(_state(request).get_store(), username, password, role)
    except FlagstoneError as exc:
        return _error(request, exc, user)
    stats = work.annotator_stats(_state(request).get_store())
    return _render(request, "admin.html", {"user": user, "stats": stats, "message": f"Created {username}."})
