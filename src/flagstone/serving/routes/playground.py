"""``GET /``: the playground page (one self-contained template: no build step, no CDN)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from flagstone.policy.taxonomy import CATEGORIES

router = APIRouter(tags=["playground"])
_templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def playground(request: Request) -> HTMLResponse:
    return _templates.TemplateResponse(request, "playground.html", {"categories": CATEGORIES})
