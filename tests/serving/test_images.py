"""Image parts of POST /v1/moderations, end to end with the pixel-reading fake image model.

``RedImageModel`` scores ``sexual`` as the share of red pixels, so a red image is "sexual" and a blue
one is not; every real step runs (decoding, the image model, combining with the text model's scores).
"""

from __future__ import annotations

import functools
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import openai
import pytest
from fastapi.testclient import TestClient
from openai import OpenAI
from PIL import ImageFile
from tests.images.images_util import BLUE, RED, bomb_png, data_url, solid

from flagstone.images.fakes import RedImageModel
from flagstone.images.fetch import ImageFetcher
from flagstone.serving.app import create_app

URL = "/v1/moderations"


def _image(url: str) -> dict:
    return {"type": "image_url", "image_url": {"url": url}}


def _text(text: str) -> dict:
    return {"type": "text", "text": text}


def _post(client: TestClient, *parts: dict):
    return client.post(URL, json={"input": list(parts)})


def _err(resp, param: str, code: str, *words: str) -> dict:
    assert resp.status_code == 400, resp.text
    err = resp.json()["error"]
    assert err["param"] == param and err["code"] == code and err["type"] == "invalid_request_error"
    for w in words:
        assert w in err["message"], (w, err["message"])
    return err


def test_text_and_image_are_combined_per_category(client, check_response):
    body = check_response(_post(client, _text("hello there"), _image(data_url(solid(RED)))).json())
    (r,) = body["results"]
    assert r["flagged"] and r["categories"]["sexual"] and r["category_scores"]["sexual"] == pytest.approx(1.0)
    assert r["category_applied_input_types"]["sexual"] == ["text", "image"]
    assert all(v == ["text"] for c, v in r["category_applied_input_types"].items() if c != "sexual")
    assert body["model"].startswith("flagstone-test@")


def test_the_maximum_wins_whichever_part_carries_it(client):
    (r,) = _post(client, _text("nsfwword"), _image(data_url(solid(BLUE)))).json()["results"]
    assert r["categories"]["sexual"] and r["category_scores"]["sexual"] == pytest.approx(0.9)  # from text
    (r,) = _post(client, _text("I will hurt you"), _image(data_url(solid(BLUE)))).json()["results"]
    assert r["categories"]["violence"] and not r["categories"]["sexual"]


def test_image_only_input_applies_only_what_the_image_model_covers(client, check_response):
    (r,) = check_response(_post(client, _image(data_url(solid(RED, fmt="WEBP"), "image/webp"))).json())["results"]
    assert r["category_applied_input_types"]["sexual"] == ["image"] and r["categories"]["sexual"]
    assert r["category_applied_input_types"]["violence"] == [] and r["category_scores"]["violence"] == 0.0


def test_several_images_the_worst_counts(client):
    parts = [_image(data_url(solid(BLUE, fmt="JPEG"), "image/jpeg")), _image(data_url(solid(RED, fmt="GIF"),
                                                                                   "image/gif"))]
    (r,) = _post(client, *parts).json()["results"]
    assert r["categories"]["sexual"]


# Each bad image part -> (param, code, words the message must contain).
@pytest.mark.parametrize("url, code, words", [
    (data_url(bomb_png(10_000, 10_000)), "invalid_image", ("decompression-bomb",)),
    (data_url(solid(RED)[:60]), "invalid_image", ("truncated or corrupt",)),
    (data_url(b"GIF89a not really"), "invalid_image", ("not a PNG, JPEG, WebP or GIF", "header is corrupt")),
    ("data:text/plain;base64,aGk=", "invalid_image", ("media type 'text/plain'",)),
    ("data:image/png;base64,!!!", "invalid_image", ("invalid base64",)),
    ("file:///etc/passwd", "image_url_refused", ("data: URL or an http(s) URL",)),
    ("https://example.org/a.png", "image_url_refused", ("remote image URLs are disabled",)),
])
def test_each_bad_image_gets_a_400_that_says_why(client, url, code, words):
    _err(_post(client, _text("look"), _image(url)), "input[1].image_url.url", code, *words)


def test_too_many_images(settings, keyword_model):
    s = settings.model_copy(update={"images_per_request": 2})
    with TestClient(create_app(s, model=keyword_model)) as c:
        _err(_post(c, *[_image(data_url(solid(RED)))] * 3), "input", "input_too_large", "3 images", "at most 2")


def test_no_image_model_configured_is_a_clear_400(settings, keyword_model):
    with TestClient(create_app(settings.model_copy(update={"image_model": None}), model=keyword_model)) as c:
        _err(_post(c, _image(data_url(solid(RED)))), "input[0].image_url", "unsupported_input", "turned off")
        assert c.post(URL, json={"input": "text still works"}).status_code == 200


def test_missing_images_extra_is_a_clear_400(settings, keyword_model, monkeypatch):
    import flagstone.serving.images as serving_images

    def no_nudenet(name):
        raise ModuleNotFoundError("No module named 'nudenet'")

    monkeypatch.setattr(serving_images, "build_image_model", no_nudenet)
    with TestClient(create_app(settings.model_copy(update={"image_model": "nudenet"}), model=keyword_model)) as c:
        _err(_post(c, _text("hi"), _image(data_url(solid(RED)))), "input[1].image_url", "unsupported_input",
             "`images` extra", "pip install 'flagstone[images]'")


def test_remote_url_when_enabled_goes_through_the_guarded_fetcher(settings, keyword_model):
    png = solid(RED)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=png, headers={"content-type": "image/png"})

    s = settings.model_copy(update={"image_remote_enabled": True, "image_allowed_hosts": ["img.example.org",
                                                                                          "intra.example.org"]})
    app = create_app(s, model=keyword_model, image_model=RedImageModel())
    dns = {"img.example.org": ["93.184.216.34"], "intra.example.org": ["192.168.1.10"]}
    app.state.image_fetcher = ImageFetcher(enabled=True, allowed_hosts=s.image_allowed_hosts, max_bytes=10**6,
                                           timeout_s=2, resolver=lambda h, p: dns[h],
                                           transport=httpx.MockTransport(handler))
    with TestClient(app) as c:
        (r,) = _post(c, _image("https://img.example.org/a.png")).json()["results"]
        assert r["categories"]["sexual"]
        _err(_post(c, _image("https://intra.example.org/a.png")), "input[0].image_url.url", "image_url_refused",
             "private address (192.168.1.10)")
        _err(_post(c, _image("https://other.example.org/a.png")), "input[0].image_url.url",
             "image_url_refused", "not on this server's image allow-list")


def test_openai_sdk_sends_a_data_url_image(settings, keyword_model, serve):
    with serve(create_app(settings, model=keyword_model)) as server:
        sdk = OpenAI(base_url=f"{server.url}/v1", api_key="test", max_retries=0, timeout=10)
        resp = sdk.moderations.create(model="omni-moderation-latest", input=[
            {"type": "text", "text": "hello"}, {"type": "image_url", "image_url": {"url": data_url(solid(RED))}}])
        (r,) = resp.results
        assert r.categories.sexual and r.category_applied_input_types.sexual == ["text", "image"]
        with pytest.raises(openai.BadRequestError) as info:
            sdk.moderations.create(input=[{"type": "image_url", "image_url": {"url": data_url(bomb_png())}}])
        assert info.value.code == "invalid_image" and "decompression-bomb" in info.value.message


# What one request's images may cost (issue 19, point 2): eight 6000x6000 single-colour PNGs are 1.3 MB
# of request and would decode to 864 MB of RGB; the budget, read from their headers, refuses them first.
@functools.cache
def _big_png() -> bytes:
    return solid(RED, size=(6000, 6000))


def test_images_over_the_request_pixel_budget_are_refused_before_any_decode(client, monkeypatch):
    decoded = []
    real_load = ImageFile.ImageFile.load

    def spy_load(image):
        decoded.append(image.size)
        return real_load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy_load)
    resp = _post(client, _text("look"), *[_image(data_url(_big_png()))] * 8)
    err = _err(resp, "input", "input_too_large", "(6000x6000 + 6000x6000",
               "up to input[2].image_url.url", "at most 50,000,000 are allowed per request")
    assert "72,000,000 pixels" in err["message"]
    assert decoded == []  # headers only: not one pixel was decoded


def test_the_pixel_budget_adds_up_every_image_of_the_request(settings, keyword_model):
    s = settings.model_copy(update={"image_max_request_pixels": 2 * 64 * 48})
    with TestClient(create_app(s, model=keyword_model)) as c:
        (r,) = _post(c, *[_image(data_url(solid(RED)))] * 2).json()["results"]
        assert r["categories"]["sexual"]
        _err(_post(c, *[_image(data_url(solid(BLUE)))] * 3), "input", "input_too_large",
             "9,216 pixels (64x48 + 64x48 + 64x48 up to input[2].image_url.url)", "at most 6,144")


class _CountingRedModel(RedImageModel):
    """Records how many predict_proba calls overlap: the decode slots must bound it."""

    def __init__(self) -> None:
        super().__init__()
        self.lock, self.now, self.most = threading.Lock(), 0, 0

    def predict_proba(self, images):
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(0.15)
        try:
            return super().predict_proba(images)
        finally:
            with self.lock:
                self.now -= 1


@pytest.mark.parametrize("slots", [1, 2])
def test_concurrent_image_decodes_are_capped(settings, keyword_model, serve, slots):
    model = _CountingRedModel()
    s = settings.model_copy(update={"image_decode_concurrency": slots})
    body = {"input": [_text("hi"), _image(data_url(solid(RED))), _image(data_url(solid(BLUE)))]}
    with serve(create_app(s, model=keyword_model, image_model=model)) as server:
        with ThreadPoolExecutor(6) as pool:
            codes = list(pool.map(lambda _: httpx.post(f"{server.url}{URL}", json=body, timeout=30).status_code,
                                  range(6)))
    assert codes == [200] * 6
    assert model.most == slots  # six requests at once, never more than `slots` decoding and scoring
