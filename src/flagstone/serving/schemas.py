"""Request and response schemas of the HTTP API, in OpenAI's exact shapes.

Request validation errors carry the offending field in ``ctx["param"]`` (e.g. ``input[2]``) so the
error handler can point at it; the shape check lives here, the settings-dependent limits in
``serving.deps``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    create_model,
)
from pydantic_core import PydanticCustomError

from flagstone.policy.taxonomy import CATEGORIES

# Lone UTF-16 surrogates: not Unicode, refused. Control characters are cleaned, not refused
# (``serving.deps.input_texts``): a refused text would go unmoderated.
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class ImageURL(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str


class TextPart(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["text"]
    text: str


class ImagePart(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["image_url"]
    image_url: ImageURL


_PARTS = {"text": TextPart, "image_url": ImagePart}


def _bad(param: str, message: str) -> PydanticCustomError:
    return PydanticCustomError("invalid_input", message, {"param": param})


def _check_text(value: Any, param: str) -> str:
    if not isinstance(value, str):
        raise _bad(param, f"{param} must be a string, got {type(value).__name__}")
    if m := _SURROGATE.search(value):
        raise _bad(param, f"{param} contains an unpaired UTF-16 surrogate (\\u{ord(m.group()):04x}) at "
                          f"character {m.start()}; send valid Unicode text")
    return value


def _check_part(value: Any, i: int) -> TextPart | ImagePart:
    param = f"input[{i}]"
    if not isinstance(value, dict):
        raise _bad(param, f'{param} must be a string or a part {{"type": "text" | "image_url", ...}}, '
                          f"got {type(value).__name__}")
    kind = value.get("type")
    if not isinstance(kind, str) or kind not in _PARTS:  # a dict or list here is unhashable: check first
        got = repr(kind[:40]) if isinstance(kind, str) else "nothing" if "type" not in value else \
            type(kind).__name__
        raise _bad(f"{param}.type", f"{param}.type must be 'text' or 'image_url', got {got}")
    try:
        part = _PARTS[kind].model_validate(value)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = param + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"])
        raise _bad(where, f"{where}: {err['msg']} (in a {kind!r} part)") from None
    if isinstance(part, TextPart):
        _check_text(part.text, f"{param}.text")
    return part


def _check_input(value: Any) -> str | list[str] | list[TextPart | ImagePart]:
    if isinstance(value, str):
        return _check_text(value, "input")
    if not isinstance(value, list):
        raise _bad("input", "input must be a string, a list of strings or a list of content parts, "
                            f"got {type(value).__name__}")
    if not value:
        raise _bad("input", "input must not be an empty list; send at least one string")
    if isinstance(value[0], str):  # a list of strings: every item must be one
        return [_check_text(v, f"input[{i}]") for i, v in enumerate(value)]
    return [_check_part(v, i) for i, v in enumerate(value)]


ModerationInput = Annotated[
    str | list[str] | list[TextPart | ImagePart],
    PlainValidator(_check_input, json_schema_input_type=str | list[str] | list[TextPart | ImagePart]),
]

# A model name is echoed in the 404 that lists the known ones: refused, like input text, when not Unicode.
ModelName = Annotated[str, AfterValidator(lambda v: _check_text(v, "model"))]


class ModerationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    input: ModerationInput = Field(description="A string, a list of strings, or a list of content parts.")
    model: ModelName | None = Field(default=None, description="Model id or alias, e.g. omni-moderation-latest.")


def _per_category(name: str, typ: Any) -> type[BaseModel]:
    fields = {c.replace("/", "_").replace("-", "_"): (typ, Field(alias=c)) for c in CATEGORIES}
    return create_model(name, __config__=ConfigDict(extra="forbid", populate_by_name=True), **fields)


Categories = _per_category("Categories", bool)
CategoryScores = _per_category("CategoryScores", float)
CategoryAppliedInputTypes = _per_category("CategoryAppliedInputTypes", list[Literal["text", "image"]])


class Moderation(BaseModel):
    flagged: bool
    categories: Categories  # type: ignore[valid-type]
    category_scores: CategoryScores  # type: ignore[valid-type]
    category_applied_input_types: CategoryAppliedInputTypes  # type: ignore[valid-type]


class ModerationResponse(BaseModel):
    id: str
    model: str
    results: list[Moderation]


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "flagstone"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class FlagstoneModelInfo(BaseModel):
    """Flagstone's own model details: thresholds drive the playground's markers."""

    id: str
    name: str
    version: str
    aliases: list[str]
    max_tokens: int
    thresholds: dict[str, float]
    input_types: dict[str, list[str]]


class Readiness(BaseModel):
    status: Literal["ready"]
    model: str


class ErrorBody(BaseModel):
    message: str
    type: str
    param: str | None
    code: str | None


class ErrorResponse(BaseModel):
    """OpenAI's error envelope, returned for every 4xx and 5xx."""

    error: ErrorBody


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "Invalid request: the message says what to fix, param where"},
    404: {"model": ErrorResponse, "description": "Unknown model (code model_not_found) or URL"},
    413: {"model": ErrorResponse, "description": "Request body over the configured limit"},
    415: {"model": ErrorResponse, "description": "Body is not JSON"},
    503: {"model": ErrorResponse, "description": "The model is not loaded yet"},
}
