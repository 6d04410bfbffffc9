"""Shadow mode: a candidate scores live traffic, responses stay production's, disagreements are reported."""

from __future__ import annotations

import numpy as np
from fastapi.testclient import TestClient
from tests.registry.conftest import keyword_artifact

from flagstone.models.fakes import ConstantModel, KeywordModel
from flagstone.registry.shadow import ShadowScorer
from flagstone.serving.app import create_app
from flagstone.settings import Settings

PROD = KeywordModel({"violence": ["hurt", "kill"]}, name="prod")


def test_disagreement_rate_per_category_and_examples_without_text():
    shadow = ShadowScorer(KeywordModel({"violence": ["kill"], "hate": ["vermin"]}, name="cand"))
    texts = ["I will hurt you", "I will kill you", "vermin", "hello"]
    shadow.observe(texts, PROD.predict_proba(texts), PROD.info)
    shadow.drain()
    s = shadow.summary()
    shadow.close()
    assert (s["texts"], s["disagreements"], s["disagreement_rate"]) == (4, 2, 0.5)
    assert s["per_category"] == {"hate": 1, "violence": 1}
    ex = {tuple(e["production_flags"]): e for e in s["examples"]}
    assert ex[("violence",)]["candidate_flags"] == [] and ex[("violence",)]["text"] is None
    assert len(ex[("violence",)]["text_sha256"]) == 64


def test_full_queue_drops_and_counts_and_a_failing_candidate_is_counted():
    class Broken(ConstantModel):
        def predict_proba(self, texts):
            raise RuntimeError("boom")

    shadow = ShadowScorer(Broken(), max_pending=1)
    for _ in range(50):
        shadow.observe(["x"], np.zeros((1, 13)), PROD.info)
    shadow.drain()
    s = shadow.summary()
    shadow.close()
    assert s["dropped"] + s["errors"] == 50 and s["errors"] >= 1 and s["texts"] == 0


def test_server_responses_unchanged_and_summary_endpoint(tmp_path):
    cand = keyword_artifact(tmp_path / "cand", {"violence": ["kill"]}, name="cand")
    settings = Settings(data_dir=tmp_path, model_dir=tmp_path / "none", shadow_model_dir=cand,
                        batch_max_wait_ms=1.0, image_model=None, request_log_content="full")
    with TestClient(create_app(settings, model=PROD)) as client:
        r = client.post("/v1/moderations", json={"input": ["I will hurt you", "have a nice day"]})
        assert r.status_code == 200
        body = r.json()
        assert body["model"].startswith("prod@") and body["results"][0]["categories"]["violence"] is True
        client.app.state.shadow.drain()
        s = client.get("/v1/flagstone/shadow").json()
    assert s["texts"] == 2 and s["disagreement_rate"] == 0.5 and s["candidate"].startswith("cand@")
    assert s["examples"][0]["text"] == "I will hurt you"  # kept: request_log_content is "full"


def test_summary_endpoint_without_shadow_is_404(tmp_path):
    settings = Settings(data_dir=tmp_path, model_dir=tmp_path / "none", image_model=None)
    with TestClient(create_app(settings, model=PROD)) as client:
        r = client.get("/v1/flagstone/shadow")
    assert r.status_code == 404 and "no shadow model" in r.json()["error"]["message"]
