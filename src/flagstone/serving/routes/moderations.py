"""``POST /v1/moderations``: OpenAI's moderation endpoint."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from flagstone.models.base import Moderator
from flagstone.models.scoring import to_results
from flagstone.serving.deps import BatcherDep, input_texts, resolve_model
from flagstone.serving.images import ImagesDep, moderate_with_images
from flagstone.serving.schemas import ERROR_RESPONSES, ModerationResponse

router = APIRouter(prefix="/v1", tags=["moderation"], responses=ERROR_RESPONSES)


@router.post("/moderations", response_model=ModerationResponse, response_model_by_alias=True)
async def create_moderation(
    texts: Annotated[list[str], Depends(input_texts)],
    model: Annotated[Moderator, Depends(resolve_model)],  # 404 for unknown model names
    batcher: BatcherDep,
    images: ImagesDep,  # decoded image parts (400 for each refusal); empty for text-only input
) -> Response:
    """Classify text and images as potentially harmful, in the 13 categories of OpenAI's moderation API.

    Text and image parts of one input are combined per category by maximum;
    ``category_applied_input_types`` says which part types each category used.
    """
    if images.images:
        results, model_id = await moderate_with_images(images, texts, model, batcher)
    else:
        scores, info = await batcher.submit(texts)
        results, model_id = [r.as_dict() for r in to_results(info, scores)], info.id
    # Validated once against OpenAI's schema and serialised here; returning the model itself would make
    # FastAPI validate it a second time against ``response_model`` (kept for the OpenAPI document).
    doc = ModerationResponse.model_validate(
        {"id": f"modr-{secrets.token_hex(12)}", "model": model_id, "results": results})
    return Response(doc.model_dump_json(by_alias=True), media_type="application/json")
