"""``GET /v1/flagstone/shadow``: the shadow candidate's disagreement with production (Flagstone extension)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from flagstone.errors import NotFoundError
from flagstone.serving.schemas import ERROR_RESPONSES

router = APIRouter(prefix="/v1", tags=["models"], responses={404: ERROR_RESPONSES[404]})


@router.get("/flagstone/shadow")
def shadow_summary(request: Request) -> dict:
    """Texts compared, disagreement rate (overall and per category), dropped batches and recent examples."""
    shadow = getattr(request.app.state, "shadow", None)
    if shadow is None:
        raise NotFoundError("no shadow model is configured (set shadow_model_dir)")
    return shadow.summary()
