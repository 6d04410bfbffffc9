"""``POST /v1/moderations``: OpenAI's moderation endpoint."""

from __future__ import annotations

import secrets
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends

from flagstone.models.base import Moderator
from flagstone.models.scoring import to_results
from flagstone.serving.deps import BatcherDep, input_texts, resolve_model
from flagstone.serving.schemas import ERROR_RESPONSES, ModerationResponse

router = APIRouter(prefix="/v1", tags=["moderation"], responses=ERROR_RESPONSES)


@router.post("/moderations", response_model=ModerationResponse, response_model_by_alias=True)
async def create_moderation(
    texts: Annotated[list[str], Depends(input_texts)],
    _model: Annotated[Moderator, Depends(resolve_model)],  # 404 for unknown model names
    batcher: BatcherDep,
) -> ModerationResponse:
    """Classify text as potentially harmful, in the 13 categories of OpenAI's moderation API."""
    scores, info = await batcher.submit(texts)
    results = [asdict(r) for r in to_results(info, scores)]
    return ModerationResponse.model_validate(
        {"id": f"modr-{secrets.token_hex(12)}", "model": info.id, "results": results})
