"""``GET /v1/models`` (OpenAI's list shape) and ``GET /v1/flagstone/model`` (thresholds and details)."""

from __future__ import annotations

from fastapi import APIRouter

from flagstone.policy.taxonomy import CATEGORIES
from flagstone.serving.deps import OPENAI_ALIASES, ModelDep, model_names
from flagstone.serving.schemas import ERROR_RESPONSES, FlagstoneModelInfo, ModelCard, ModelList

router = APIRouter(prefix="/v1", tags=["models"], responses={503: ERROR_RESPONSES[503]})


@router.get("/models", response_model=ModelList)
def list_models(model: ModelDep) -> ModelList:
    """The served model under each name that selects it: its id, its name and OpenAI's aliases."""
    created = int(model.info.metadata.get("created", 0) or 0)
    return ModelList(data=[ModelCard(id=name, created=created) for name in model_names(model)])


@router.get("/flagstone/model", response_model=FlagstoneModelInfo)
def model_details(model: ModelDep) -> FlagstoneModelInfo:
    """Flagstone extension: the served model's per-category thresholds and input types."""
    info = model.info
    return FlagstoneModelInfo(
        id=info.id, name=info.name, version=info.version, aliases=list(OPENAI_ALIASES),
        max_tokens=info.max_tokens, thresholds={c: float(info.thresholds[c]) for c in CATEGORIES},
        input_types={c: list(info.input_types.get(c, ("text",))) for c in CATEGORIES})
