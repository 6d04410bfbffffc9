"""Image parts of ``/v1/moderations``: the image-model slot, decoding the parts, and scoring.

A list of content parts is one input. Its image parts are decoded (``data:`` URLs always, remote
``http(s)`` only when enabled, through :class:`~flagstone.images.fetch.ImageFetcher`), scored by the
image model named in ``settings.image_model``, and combined with the text score per category by
maximum (:func:`flagstone.images.combine.combine`). No image model configured, or its optional extra
missing, is a 400 that says so: image parts are never accepted and silently left unscored.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from flagstone.errors import ImageURLRefusedError, InputTooLargeError, UnsupportedInputError
from flagstone.images.base import ImageModerator, build_image_model
from flagstone.images.combine import combine
from flagstone.images.decode import decode_image, parse_data_url
from flagstone.images.fetch import ImageFetcher
from flagstone.models.base import Moderator
from flagstone.serving.batcher import MicroBatcher
from flagstone.serving.schemas import ImagePart, ModerationRequest, TextPart
from flagstone.settings import Settings

if TYPE_CHECKING:
    from PIL.Image import Image

log = logging.getLogger(__name__)


class ImageModelSlot:
    """The image model, built from its registry name on first use (text-only servers never load it)."""

    def __init__(self, name: str | None, model: ImageModerator | None = None) -> None:
        self.name, self._model = name, model
        self._lock = threading.Lock()

    def get(self, param: str) -> ImageModerator:
        if self._model is not None:
            return self._model
        if self.name is None:
            raise UnsupportedInputError("image input is turned off on this server (no image_model is "
                                        "configured); send text only", param=param)
        with self._lock:
            if self._model is None:
                try:
                    self._model = build_image_model(self.name)
                except ImportError as exc:
                    raise UnsupportedInputError(
                        f"image moderation needs the optional `images` extra (pip install "
                        f"'flagstone[images]'), which this server lacks ({exc}); send text only",
                        param=param) from None
                log.info("image model %s loaded", self._model.info.id)
        return self._model


def make_fetcher(settings: Settings) -> ImageFetcher:
    return ImageFetcher(enabled=settings.image_remote_enabled, allowed_hosts=list(settings.image_allowed_hosts),
                        max_bytes=settings.image_max_bytes, timeout_s=settings.image_fetch_timeout_s,
                        max_redirects=settings.image_max_redirects)


@dataclass
class ImageInput:
    """The decoded images of the request's one parts-list input (empty for text-only requests)."""

    images: list[Image] = field(default_factory=list)
    has_text: bool = True
    model: ImageModerator | None = None


async def input_images(body: ModerationRequest, request: Request) -> ImageInput:
    """Decode every image part in a worker thread (fetching and decoding never block the event loop);
    text-only requests return at once, without a thread hop."""
    raw = body.input
    if isinstance(raw, str) or not any(isinstance(p, ImagePart) for p in raw):
        return ImageInput()
    return await run_in_threadpool(_decode_parts, list(raw), request)


def _decode_parts(raw: list, request: Request) -> ImageInput:
    settings: Settings = request.app.state.settings
    indexed = [(i, p) for i, p in enumerate(raw) if isinstance(p, ImagePart)]
    if len(indexed) > settings.images_per_request:
        raise InputTooLargeError(f"input has {len(indexed)} images; at most {settings.images_per_request} "
                                 "are allowed per request", param="input")
    model = request.app.state.image_models.get(f"input[{indexed[0][0]}].image_url")
    images = []
    for i, part in indexed:
        param, url = f"input[{i}].image_url.url", part.image_url.url
        if url[:5].lower() == "data:":
            data = parse_data_url(url, max_bytes=settings.image_max_bytes, param=param)
        elif url.split(":", 1)[0].lower() in ("http", "https"):
            data = request.app.state.image_fetcher.fetch(url, param=param)
        else:
            raise ImageURLRefusedError(f"{param} must be a data: URL or an http(s) URL, got "
                                       f"{url[:40]!r}", param=param)
        images.append(decode_image(data, max_pixels=settings.image_max_pixels, param=param))
    return ImageInput(images, any(isinstance(p, TextPart) and p.text for p in raw), model)


async def moderate_with_images(batch: ImageInput, texts: list[str], model: Moderator,
                               batcher: MicroBatcher) -> tuple[list[dict[str, Any]], str]:
    """One result for a parts-list input with images; the text (if any) goes through the batcher."""
    assert batch.model is not None
    if batch.has_text:
        rows, info = await batcher.submit(texts)
        text_row = rows[0]
    else:
        info, text_row = model.info, None
    image_rows = await run_in_threadpool(batch.model.predict_proba, batch.images)
    return [asdict(combine(info, text_row, batch.model.info, image_rows))], info.id
