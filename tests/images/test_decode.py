"""Decoding image bytes and data: URLs: every accepted format, and what each bad image gets."""

from __future__ import annotations

import base64

import numpy as np
import pytest
from PIL import Image
from tests.images.images_util import BLUE, RED, bomb_png, data_url, encode, solid

from flagstone.errors import InvalidImageError
from flagstone.images.decode import decode_image, parse_data_url

P = "input[0].image_url.url"


def _decode(data: bytes, max_pixels: int = 10_000_000) -> Image.Image:
    return decode_image(data, max_pixels=max_pixels, param=P)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "GIF"])
def test_each_accepted_format_decodes_to_rgb(fmt):
    image = _decode(solid(RED, (40, 30), fmt))
    assert image.mode == "RGB" and image.size == (40, 30)
    r, g, b = np.asarray(image).reshape(-1, 3).mean(axis=0)
    assert r > 180 and g < 60 and b < 60  # lossy formats drift a little, never to another colour


def test_animated_gif_gives_its_first_frame():
    frames = [Image.new("RGB", (16, 16), c) for c in (RED, BLUE)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    r, _, b = np.asarray(_decode(data)).reshape(-1, 3).mean(axis=0)
    assert r > b


def test_palette_with_transparency_and_greyscale_become_rgb():
    pal = Image.new("P", (8, 8), 0)
    pal.info["transparency"] = 0
    assert _decode(encode(pal, "PNG", transparency=0)).mode == "RGB"
    assert _decode(encode(Image.new("L", (8, 8), 128))).mode == "RGB"


def test_decompression_bomb_header_is_refused_before_decoding():
    # 100 M pixels (300 MB of RGB) claimed by a ~100-byte file: our cap refuses it from the header.
    with pytest.raises(InvalidImageError) as info:
        _decode(bomb_png(10_000, 10_000))
    assert info.value.param == P and info.value.code == "invalid_image" and info.value.status == 400
    assert "decompression-bomb" in info.value.message and "10000x10000" in info.value.message


def test_pillow_bomb_guard_is_translated_too():
    # Past 2x Pillow's MAX_IMAGE_PIXELS, Pillow's own guard refuses while opening: still a clear 400.
    with pytest.raises(InvalidImageError, match="decompression-bomb guard"):
        _decode(bomb_png(100_000, 100_000), max_pixels=10**12)


def test_real_image_over_the_configured_pixel_cap_is_refused():
    with pytest.raises(InvalidImageError, match="at most 1000 are allowed"):
        _decode(solid(RED, (50, 50)), max_pixels=1000)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_truncated_file_is_a_clear_error(fmt):
    rng = np.random.default_rng(0)  # noise: the file is long enough that cutting it loses pixel data
    data = encode(Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)), fmt)
    with pytest.raises(InvalidImageError) as info:
        _decode(data[: len(data) // 2])
    assert "truncated or corrupt" in info.value.message and info.value.param == P


@pytest.mark.parametrize("data, words", [
    (b"", "not a PNG, JPEG, WebP or GIF"),
    (b"hello, not an image", "not a PNG, JPEG, WebP or GIF"),
    (encode(Image.new("RGB", (4, 4)), "BMP"), "not a PNG, JPEG, WebP or GIF"),  # valid, but not accepted
])
def test_unsupported_or_garbage_bytes(data, words):
    with pytest.raises(InvalidImageError, match=words):
        _decode(data)


def test_data_url_round_trip():
    raw = solid(BLUE)
    assert parse_data_url(data_url(raw), max_bytes=10**6, param=P) == raw
    assert parse_data_url(data_url(raw, "IMAGE/JPEG").replace("base64", "BASE64"), max_bytes=10**6,
                          param=P) == raw


# Each bad data URL -> words the 400's message must contain.
@pytest.mark.parametrize("url, words", [
    ("data:,hello", "media type 'none'"),
    ("data:text/plain;base64,aGVsbG8=", "media type 'text/plain'"),
    ("data:image/svg+xml;base64,PHN2Zz4=", "media type 'image/svg+xml'"),
    ("data:image/png,rawbytes", "must be base64-encoded"),
    ("data:image/png;base64,@@@not base64@@@", "invalid base64"),
    ("data:image/png;base64,abc", "invalid base64"),  # bad padding
    ("data:image/png;base64," + base64.b64encode(b"x" * 3000).decode(), "at most 1000"),
    ("notadataurl", "not a valid data: URL"),
])
def test_bad_data_urls(url, words):
    with pytest.raises(InvalidImageError) as info:
        parse_data_url(url, max_bytes=1000, param=P)
    assert words in info.value.message and info.value.param == P
