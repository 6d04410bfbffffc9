"""Decode image bytes and ``data:`` URLs safely into RGB images.

Only PNG, JPEG, WebP and GIF (first frame) are opened. Opening reads only the header
(:func:`open_image`): the pixel count is checked there, before any pixel is decoded, so a
decompression bomb (a tiny file claiming a huge canvas) costs nothing, and a request's images can be
added up against a per-request budget before any is decoded (:func:`to_rgb` decodes); Pillow's own
bomb guard is a second line. A truncated or corrupt file fails while loading.
Every refusal is an :class:`~flagstone.errors.InvalidImageError` naming ``param``.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from PIL import Image, UnidentifiedImageError

from flagstone.errors import InvalidImageError

FORMATS: tuple[str, ...] = ("PNG", "JPEG", "WEBP", "GIF")
MEDIA_TYPES: frozenset[str] = frozenset({"image/png", "image/jpeg", "image/jpg", "image/webp", "image/gif"})
_DATA_URL = re.compile(r"data:(?P<type>[\w.+-]+/[\w.+-]+)?(?P<params>(;[\w.+-]+=[^;,]*)*)(?P<b64>;base64)?,",
                       re.IGNORECASE)


def parse_data_url(url: str, *, max_bytes: int, param: str) -> bytes:
    """The bytes of a base64 ``data:image/...`` URL, or a 400 saying what is wrong with it."""
    m = _DATA_URL.match(url)
    if m is None:
        raise InvalidImageError(f"{param} is not a valid data: URL; expected data:image/png;base64,...",
                                param=param)
    media = (m.group("type") or "").lower()
    if media not in MEDIA_TYPES:
        raise InvalidImageError(f"{param} has media type {media or 'none'!r}; send image/png, image/jpeg, "
                                "image/webp or image/gif", param=param)
    if not m.group("b64"):
        raise InvalidImageError(f"{param} must be base64-encoded (data:{media};base64,...)", param=param)
    payload = url[m.end():]
    if len(payload) * 3 // 4 > max_bytes:
        raise InvalidImageError(f"{param} is about {len(payload) * 3 // 4} bytes; at most {max_bytes} "
                                "are allowed", param=param)
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidImageError(f"{param} has invalid base64 data: {exc}", param=param) from None


def open_image(data: bytes, *, max_pixels: int, param: str) -> Image.Image:
    """Open ``data`` as PNG/JPEG/WebP/GIF reading only its header, and refuse more than ``max_pixels``.

    Nothing is decoded: the result's ``size`` is known, its pixels are not (see :func:`to_rgb`), so a
    caller can add up what a request's images would cost before paying for any of them.
    """
    with _translated(param):
        image = Image.open(io.BytesIO(data), formats=FORMATS)
        width, height = image.size
        if width * height > max_pixels:
            raise InvalidImageError(
                f"{param} is {width}x{height} = {width * height} pixels; at most {max_pixels} are "
                "allowed (decompression-bomb guard)", param=param)
        return image


def to_rgb(image: Image.Image, *, param: str) -> Image.Image:
    """Decode an image from :func:`open_image` (first frame) into RGB; a truncated file fails here."""
    with _translated(param):
        image.seek(0)  # GIF/WebP: the first frame
        image.load()  # decode now: truncated data fails here, inside the error translation
        if image.mode == "RGB":
            return image
        if image.mode in ("P", "PA", "LA", "RGBA", "La"):  # through RGBA: palette transparency stays right
            image = image.convert("RGBA")
        return image.convert("RGB")


def decode_image(data: bytes, *, max_pixels: int, param: str) -> Image.Image:
    """Open ``data`` as PNG/JPEG/WebP/GIF, refuse more than ``max_pixels``, return an RGB image."""
    return to_rgb(open_image(data, max_pixels=max_pixels, param=param), param=param)


@contextmanager
def _translated(param: str) -> Iterator[None]:
    """Pillow's errors as :class:`InvalidImageError` naming ``param``."""
    try:
        with warnings.catch_warnings():
            # We check the size ourselves; Pillow's warning would be an error under pytest.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            yield
    except InvalidImageError:
        raise
    except Image.DecompressionBombError as exc:
        raise InvalidImageError(f"{param} is too large to decode safely (decompression-bomb guard): {exc}",
                                param=param) from None
    except UnidentifiedImageError:
        raise InvalidImageError(f"{param} is not a PNG, JPEG, WebP or GIF image (or its header is "
                                "corrupt)", param=param) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise InvalidImageError(f"{param} could not be decoded: the file is truncated or corrupt "
                                f"({exc})", param=param) from None
