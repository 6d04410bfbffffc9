"""``POST /v1/moderations``: OpenAI's moderation endpoint."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import Response

from flagstone.models.scoring import to_results
from flagstone.serving.deps import input_texts, resolve_model
from flagstone.serving.images import input_images, moderate_with_images
from flagstone.serving.schemas import ERROR_RESPONSES, ModerationRequest, ModerationResponse

router = APIRouter(prefix="/v1", tags=["moderation"], responses=ERROR_RESPONSES)


@router.post("/moderations", response_model=ModerationResponse, response_model_by_alias=True)
async def create_moderation(body: ModerationRequest, request: Request) -> Response:
    """Classify text and images as potentially harmful, in the 13 categories of OpenAI's moderation API.

    Text and image parts of one input are combined per category by maximum;
    ``category_applied_input_types`` says which part types each category used.
    """
    # Plain calls rather than FastAPI dependencies (see serving.deps), in the order of their errors:
    state = request.app.state
    texts = input_texts(body, state.settings)  # 400: too many inputs, an input too long
    model = resolve_model(body, state.models.current)  # 503 while loading; 404 for unknown model names
    images = await input_images(body, request)  # 400 for each refused image part; empty for text only
    batcher = state.batcher
    # The account's tightened thresholds, set by the abuse middleware (flagstone.abuse.http); none without.
    tightened = getattr(request.state, "account_thresholds", None)
    if images.images:
        results, model_id = await moderate_with_images(images, texts, model, batcher, tightened)
    else:
        scores, info = await batcher.submit(texts)
        results, model_id = [r.as_dict() for r in to_results(info, scores, thresholds=tightened)], info.id
    # Validated once against OpenAI's schema and serialised here; returning the model itself would make
    # FastAPI validate it a second time against ``response_model`` (kept for the OpenAPI document).
    doc = ModerationResponse.model_validate(
        {"id": f"modr-{secrets.token_hex(12)}", "model": model_id, "results": results})
    return Response(doc.model_dump_json(by_alias=True), media_type="application/json")
