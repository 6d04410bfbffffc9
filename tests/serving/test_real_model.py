"""A few requests against the real shipped model (``src/flagstone/models/default/``), end to end.

Skipped only when the artifact directory has no manifest.json (the model is trained separately).
"""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from flagstone.policy.taxonomy import CATEGORIES
from flagstone.serving.app import create_app
from flagstone.settings import DEFAULT_MODEL_DIR, Settings

pytestmark = pytest.mark.skipif(not (DEFAULT_MODEL_DIR / "manifest.json").is_file(),
                                reason=f"no shipped model artifact at {DEFAULT_MODEL_DIR} (manifest.json missing)")

BENIGN = "Thanks for the recipe, the lemon cake turned out great and the kids loved it."
THREAT = "I am going to kill you and your whole family tonight, you will bleed."


@pytest.fixture(scope="module")
def real_client(tmp_path_factory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("real"))  # default model_dir: the shipped model
    with TestClient(create_app(settings)) as client:
        deadline = time.monotonic() + 120
        while (resp := client.get("/readyz")).status_code != 200:
            assert time.monotonic() < deadline and "not loaded yet" in resp.json()["error"]["message"], resp.text
            time.sleep(0.1)
        yield client


def _moderate(client, payload, check_response) -> dict:
    resp = client.post("/v1/moderations", json=payload)
    assert resp.status_code == 200, resp.text
    return check_response(resp.json())


def test_real_model_scores_a_threat_above_a_benign_text(real_client, check_response):
    body = _moderate(real_client, {"input": [BENIGN, THREAT], "model": "omni-moderation-latest"}, check_response)
    benign, threat = body["results"]
    assert not benign["flagged"]
    assert threat["flagged"]
    assert threat["category_scores"]["violence"] > benign["category_scores"]["violence"]


def test_real_model_reports_its_thresholds(real_client):
    info = real_client.get("/v1/flagstone/model").json()
    assert list(info["thresholds"]) == list(CATEGORIES)
    assert all(0 < t < 1 for t in info["thresholds"].values())
    assert real_client.get("/readyz").json()["model"] == info["id"]


def test_real_model_catches_a_threat_at_the_end_of_a_long_text(real_client, check_response):
    filler = " ".join([BENIGN] * 20)  # ~300 words: beyond the 256-token encoder window
    body = _moderate(real_client, {"input": [THREAT, filler + " " + THREAT]}, check_response)
    short, long_ = body["results"]
    assert long_["flagged"]
    assert long_["category_scores"]["violence"] >= 0.5 * short["category_scores"]["violence"]
