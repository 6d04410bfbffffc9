"""Image parts of ``/v1/moderations``: the image-model slot, decoding the parts, and scoring.

A list of content parts is one input. Its image parts are decoded (``data:`` URLs always, remote
``http(s)`` only when enabled, through :class:`~flagstone.images.fetch.ImageFetcher`) within a
per-request decoded-pixel budget read from their headers, and by a few requests at a time, scored by
the image model named in ``settings.image_model``, and combined with the text score per category by
maximum (:func:`flagstone.images.combine.combine`). No image model configured, or its optional extra
missing, is a 400 that says so: image parts are never accepted and silently left unscored.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from fastapi import Request
from starlette.concurrency import run_in_threadpool

from flagstone.errors import ImageURLRefusedError, InputTooLargeError, UnsupportedInputError
from flagstone.images.base import ImageModerator, build_image_model
from flagstone.images.combine import combine
from flagstone.images.decode import open_image, parse_data_url, to_rgb
from flagstone.images.fetch import ImageFetcher
from flagstone.models.base import Moderator
from flagstone.policy.taxonomy import CATEGORIES
from flagstone.serving.batcher import MicroBatcher
from flagstone.serving.schemas import ImagePart, ModerationRequest, TextPart
from flagstone.settings import Settings

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

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
    """The image scores of the request's one parts-list input (no rows for text-only requests)."""

    rows: np.ndarray = field(default_factory=lambda: np.empty((0, len(CATEGORIES))))  # one per image part
    has_text: bool = True
    model: ImageModerator | None = None

    @property
    def images(self) -> int:
        """How many image parts were scored (0: text only)."""
        return len(self.rows)


async def input_images(body: ModerationRequest, request: Request) -> ImageInput:
    """Score every image part of the input, in worker threads (fetching and decoding never block the
    event loop); text-only requests return at once, without a thread hop.

    Two steps, so that what a request may cost is known before it is paid: (1) fetch or parse each
    part and read its header only, refusing the request when the decoded pixels would exceed
    ``image_max_request_pixels``; (2) holding one of ``image_decode_concurrency`` slots, decode and
    score the images one at a time, each dropped once scored.
    """
    raw = body.input
    if isinstance(raw, str) or not any(isinstance(p, ImagePart) for p in raw):
        return ImageInput()
    state = request.app.state
    model, opened = await run_in_threadpool(_open_parts, list(raw), state)
    async with _decode_slots(state):
        rows = await run_in_threadpool(_decode_and_score, opened, model)
    return ImageInput(rows, any(isinstance(p, TextPart) and p.text for p in raw), model)


def _decode_slots(state: Any) -> asyncio.Semaphore:
    """The app's decode slots, made on first use (in the event loop, where they are awaited)."""
    slots = getattr(state, "image_decode_slots", None)
    if slots is None:
        slots = state.image_decode_slots = asyncio.Semaphore(state.settings.image_decode_concurrency)
    return slots


def _open_parts(raw: list, state: Any) -> tuple[ImageModerator, list[tuple[str, PILImage]]]:
    """Each image part's bytes opened at the header (nothing decoded), within the request's budget."""
    settings: Settings = state.settings
    indexed = [(i, p) for i, p in enumerate(raw) if isinstance(p, ImagePart)]
    if len(indexed) > settings.images_per_request:
        raise InputTooLargeError(f"input has {len(indexed)} images; at most {settings.images_per_request} "
                                 "are allowed per request", param="input")
    model = state.image_models.get(f"input[{indexed[0][0]}].image_url")
    opened, sizes = [], []
    for i, part in indexed:
        param, url = f"input[{i}].image_url.url", part.image_url.url
        if url[:5].lower() == "data:":
            data = parse_data_url(url, max_bytes=settings.image_max_bytes, param=param)
        elif url.split(":", 1)[0].lower() in ("http", "https"):
            data = state.image_fetcher.fetch(url, param=param)
        else:
            raise ImageURLRefusedError(f"{param} must be a data: URL or an http(s) URL, got "
                                       f"{url[:40]!r}", param=param)
        image = open_image(data, max_pixels=settings.image_max_pixels, param=param)
        opened.append((param, image))
        sizes.append(image.size)
        total = sum(w * h for w, h in sizes)
        if total > settings.image_max_request_pixels:  # stop here: later parts are not even fetched
            shown = " + ".join(f"{w}x{h}" for w, h in sizes)
            raise InputTooLargeError(
                f"the images of this request would decode to {total:,} pixels ({shown} up to {param}); at "
                f"most {settings.image_max_request_pixels:,} are allowed per request: send fewer or smaller "
                "images", param="input")
    return model, opened


def _decode_and_score(opened: list[tuple[str, PILImage]], model: ImageModerator) -> np.ndarray:
    """Decode and score one image at a time, so at most one decoded image of the request is alive."""
    rows = []
    for param, image in opened:
        rgb = to_rgb(image, param=param)
        rows.append(model.predict_proba([rgb])[0])
        rgb.close()
        image.close()
    return np.vstack(rows)


async def moderate_with_images(batch: ImageInput, texts: list[str], model: Moderator,
                               batcher: MicroBatcher, thresholds: Mapping[str, float] | None = None,
                               ) -> tuple[list[dict[str, Any]], str]:
    """One result for a parts-list input with images; the text (if any) goes through the batcher."""
    assert batch.model is not None
    if batch.has_text:
        rows, info = await batcher.submit(texts)
        text_row = rows[0]
    else:
        info, text_row = model.info, None
    return [asdict(combine(info, text_row, batch.model.info, batch.rows, thresholds))], info.id
