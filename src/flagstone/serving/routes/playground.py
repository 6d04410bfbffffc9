"""``GET /``: the playground page (one self-contained template: no build step, no CDN).

Each category's bar carries its definition from the policy file the server runs with
(``settings.policy_path``, re-read when the file changes). When keys are required, the page asks for
an API key, keeps it in the tab only (``sessionStorage``) and sends it as a bearer token.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from flagstone.errors import FlagstoneError
from flagstone.policy import Policy, load_policy
from flagstone.policy.taxonomy import CATEGORIES

log = logging.getLogger(__name__)
router = APIRouter(tags=["playground"])
_templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))
_cache: dict[Path, tuple[float, Policy]] = {}


def policy_for_page(path: Path) -> tuple[Policy | None, str | None]:
    """The policy at ``path`` (cached until the file changes), or ``None`` and the reason it cannot load."""
    try:
        mtime = path.stat().st_mtime
        cached = _cache.get(path)
        if cached is None or cached[0] != mtime:
            cached = _cache[path] = (mtime, load_policy(path))
        return cached[1], None
    except (OSError, FlagstoneError) as exc:
        log.warning("playground: policy %s not loaded: %s", path, exc)
        return None, f"The policy file {path} could not be read: {exc}"


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def playground(request: Request) -> HTMLResponse:
    settings = request.app.state.settings
    policy, policy_error = policy_for_page(Path(settings.policy_path))
    return _templates.TemplateResponse(request, "playground.html", {
        "categories": CATEGORIES, "policy": policy, "policy_error": policy_error,
        "needs_key": settings.abuse_enabled and settings.auth_required, "admin": settings.abuse_enabled})
