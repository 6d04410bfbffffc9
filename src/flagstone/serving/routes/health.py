"""``GET /healthz`` (the process is up) and ``GET /readyz`` (the model is loaded)."""

from __future__ import annotations

from fastapi import APIRouter

from flagstone.serving.deps import ModelDep
from flagstone.serving.schemas import ERROR_RESPONSES, Readiness

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", response_model=Readiness, responses={503: ERROR_RESPONSES[503]})
def readyz(model: ModelDep) -> Readiness:
    return Readiness(status="ready", model=model.info.id)
