"""The admin's gold page under ``/ui/admin/gold``: list, add (by key or from a queue) and remove gold items.

Admins only (others get 403, anonymous visitors the login page); every POST checks the CSRF token.
The domain work is in :mod:`~flagstone.labeling.ui.gold`; each person's gold accuracy comes from
:func:`~flagstone.labeling.ui.work.annotator_stats`, the figures the annotators page shows.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from flagstone.errors import FlagstoneError, InvalidRequestError, PermissionDeniedError
from flagstone.labeling.ui import gold, work
from flagstone.labeling.ui.routes import _csrf_ok, _error, _login_redirect, _render, _state, _user
from flagstone.policy.taxonomy import CATEGORIES

router = APIRouter(include_in_schema=False)


def _admin(request: Request) -> work.UIUser | None:
    """The logged-in admin; ``None`` when nobody is logged in; 403 for other roles."""
    user = _user(request)
    if user is not None and user.role != "admin":
        raise PermissionDeniedError("only admins manage gold items")
    return user


def _page(request: Request, user: work.UIUser, *, queue: str = "", message: str | None = None) -> HTMLResponse:
    store = _state(request).get_store()
    ctx = {"user": user, "gold": gold.list_gold(store), "stats": work.annotator_stats(store),
           "queues": gold.pending_queues(store), "queue": queue,
           "candidates": gold.queue_candidates(store, queue) if queue else [], "categories": CATEGORIES,
           "message": message}
    return _render(request, "gold.html", ctx)


@router.get("/admin/gold", response_class=HTMLResponse)
def gold_page(request: Request, queue: str = "") -> Response:
    try:
        user = _admin(request)
    except FlagstoneError as exc:
        return _error(request, exc, _user(request))
    return _page(request, user, queue=queue) if user else _login_redirect()


def _checked_admin(request: Request, form: Any) -> work.UIUser | None:
    """The admin posting ``form`` (None: not logged in); a forged or expired form is refused."""
    user = _admin(request)
    if user is not None and not _csrf_ok(request, str(form.get("csrf", ""))):
        raise PermissionDeniedError("form expired or forged (CSRF check failed); reload")
    return user


@router.post("/admin/gold", response_class=HTMLResponse)
async def gold_add(request: Request) -> Response:
    form = await request.form()
    try:
        user = _checked_admin(request, form)
        if user is None:
            return _login_redirect()
        typed, picked = str(form.get("key", "")).strip(), str(form.get("item_key", "")).strip()
        if typed and picked and not picked.startswith(typed.lower()):
            raise InvalidRequestError("type a key or pick an item from the queue, not both")
        key = gold.set_gold(_state(request).get_store(), typed or picked,
                            [str(c) for c in form.getlist("category")], bool(form.get("none")))
    except FlagstoneError as exc:
        return _error(request, exc, _user(request))
    return _page(request, user, queue=str(form.get("queue", "")), message=f"Gold item {key[:12]} saved.")


@router.post("/admin/gold/remove", response_class=HTMLResponse)
async def gold_remove(request: Request) -> Response:
    form = await request.form()
    try:
        user = _checked_admin(request, form)
        if user is None:
            return _login_redirect()
        key = str(form.get("item_key", ""))
        gold.remove_gold(_state(request).get_store(), key)
    except FlagstoneError as exc:
        return _error(request, exc, _user(request))
    return _page(request, user, message=f"Gold item {key[:12]} removed.")
