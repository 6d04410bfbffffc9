"""Shared request dependencies (settings, the served model) and the checks of a moderation request.

The dependencies are ``async def`` although none of them awaits: FastAPI runs a plain ``def``
dependency in its thread pool, and six thread hops per request cost more than the work itself (about a
third of the per-request CPU of the HTTP path, measured with py-spy under ``wrk`` at 32 connections).
``POST /v1/moderations`` uses none of them: :func:`input_texts` and :func:`resolve_model` are plain
functions its handler calls, because FastAPI's dependency resolution itself (eight nested dependencies)
cost about a third of the event loop's CPU per request there.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from flagstone.errors import InputTooLargeError, ModelNotFoundError
from flagstone.models.base import Moderator
from flagstone.serving.holder import ModelHolder
from flagstone.serving.schemas import ModerationRequest, TextPart
from flagstone.settings import Settings
from flagstone.text.controls import clean_controls

# OpenAI's moderation model names; each resolves to the served default model.
OPENAI_ALIASES: tuple[str, ...] = (
    "omni-moderation-latest",
    "omni-moderation-2024-09-26",
    "text-moderation-latest",
    "text-moderation-stable",
)


async def get_holder(request: Request) -> ModelHolder:
    return request.app.state.models


HolderDep = Annotated[ModelHolder, Depends(get_holder)]


async def current_model(holder: HolderDep) -> Moderator:
    """The served model, or 503 while it is still loading."""
    return holder.current


ModelDep = Annotated[Moderator, Depends(current_model)]


def model_names(model: Moderator) -> list[str]:
    """Every name that selects ``model``: its id, its name and OpenAI's aliases."""
    return [model.info.id, model.info.name, *OPENAI_ALIASES]


def resolve_model(body: ModerationRequest, model: Moderator) -> Moderator:
    """The served model, if ``body.model`` names it (or names nothing); else 404."""
    if body.model is not None and body.model not in model_names(model):
        raise ModelNotFoundError(
            f"The model `{body.model}` does not exist; available: {', '.join(model_names(model))}",
            param="model")
    return model


def input_texts(body: ModerationRequest, settings: Settings) -> list[str]:
    """The texts to score, one per result, within the configured limits.

    A list of content parts is one input (one result), as in OpenAI's multi-modal moderation; its
    text parts are joined by newlines. Its image parts are decoded by ``serving.images.input_images``.
    Control characters and terminal escapes are removed (``text.controls``), not refused.
    """
    raw = body.input
    one_per_item = not isinstance(raw, str) and all(isinstance(p, str) for p in raw)
    if isinstance(raw, str):
        texts = [raw]
    elif one_per_item:
        texts = list(raw)  # type: ignore[arg-type]
    else:
        texts = ["\n".join(p.text for p in raw if isinstance(p, TextPart))]
    texts = [clean_controls(t) for t in texts]
    if len(texts) > settings.max_inputs_per_request:
        raise InputTooLargeError(f"too many inputs: {len(texts)} (at most "
                                 f"{settings.max_inputs_per_request} per request); split the request",
                                 param="input")
    for i, text in enumerate(texts):
        if len(text) > settings.max_input_chars:
            param = f"input[{i}]" if one_per_item else "input"
            raise InputTooLargeError(f"{param} is {len(text)} characters long; at most "
                                     f"{settings.max_input_chars} are allowed", param=param)
    return texts
