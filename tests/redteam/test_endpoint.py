"""``flagstone redteam run --target URL`` against a live app built as ``flagstone serve`` builds it."""

from __future__ import annotations

import json
import sqlite3

import httpx
import pytest
from tests.serving.conftest import LiveServer

from flagstone.cli.main import main
from flagstone.errors import AuthenticationError, ServiceUnavailableError
from flagstone.models.fakes import KeywordModel
from flagstone.redteam.endpoint import EndpointTarget, moderations_url
from flagstone.redteam.runner import ModelTarget, run_suite
from flagstone.redteam.suite import default_seeds, load_suite
from flagstone.serving.app import create_app
from flagstone.settings import Settings

# Words of the shipped seed set, so the fake model flags its positives and none of its benign texts.
KEYWORDS = {"violence": ["kill", "stab", "beat", "shoot", "break his legs", "strangled", "bomb"],
            "harassment": ["idiot", "moron", "loser", "ugly", "nudes"],
            "hate": ["vermin", "parasites", "disease"], "self-harm": ["kill myself", "cutting myself", "suicide",
                                                                     "end it all"],
            "sexual": ["nudes", "undress"], "illicit": ["stolen credit", "meth", "pipe bomb"]}


@pytest.fixture
def app_settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "server", model_dir=tmp_path / "none", image_model=None,
                    batch_max_wait_ms=1.0)


def test_cli_attacks_a_live_server_with_the_shipped_seeds_and_queues_failures(tmp_path, app_settings, capsys):
    model = KeywordModel(KEYWORDS, name="kw-live")
    with LiveServer(create_app(app_settings, model=model)) as server:
        out = tmp_path / "run"
        rc = main(["redteam", "run", "--target", server.url, "--suite", "smoke", "--out", str(out)])
        printed = capsys.readouterr()
    assert rc == 0, printed.err
    report = json.loads((out / "report.json").read_text())
    assert report["model"] == f"kw-live@{model.info.version[:12]} at {server.url}/v1/moderations"
    assert report["seeds"] == "flagstone:redteam/data/seeds.json"
    assert report["flagged_positive_pairs"] >= 20 and report["benign_items"] == 14
    by = {a["attack"]: a for a in report["attacks"]}
    # The server runs the decoding defence, so base64 is caught; spelled-out leetspeak gets through.
    assert by["base64"]["trials"] > 0 and by["base64"]["successes"] == 0
    assert by["leetspeak"]["successes"] > 0
    # The same suite on the same model in process, with the server's defence, gives the same counts.
    from flagstone.models.decoding import DecodingModel

    local = run_suite(ModelTarget(DecodingModel(model)), load_suite("smoke"), default_seeds())
    assert {n: (r.trials, r.successes) for n, r in local.by_attack().items()} == \
        {a["attack"]: (a["trials"], a["successes"]) for a in report["attacks"] if a["trials"]}
    # Failures are in the labeling queue of the local store.
    with sqlite3.connect(tmp_path / "data" / "flagstone.db") as db:
        queued = db.execute("select count(*) from label_queue where queue = 'redteam'").fetchone()[0]
    assert queued == report["queued"] > 0
    assert f"queued {queued} failures" in printed.out


def test_an_endpoint_with_keys_needs_the_api_key(tmp_path, capsys):
    from flagstone.abuse.keys import KeyStore

    settings = Settings(data_dir=tmp_path / "server", model_dir=tmp_path / "none", image_model=None,
                        auth_enabled=True)
    app = create_app(settings, model=KeywordModel(KEYWORDS, name="kw-live"))
    key, _ = KeyStore(app.state.abuse.engine).create("redteam")
    with LiveServer(app) as server:
        assert main(["redteam", "run", "--target", server.url, "--suite", "smoke", "--no-queue",
                     "--out", str(tmp_path / "a")]) == 2
        assert "refused the request (401): pass --api-key" in capsys.readouterr().err
        assert main(["redteam", "run", "--target", server.url, "--api-key", key, "--suite", "smoke",
                     "--no-queue", "--out", str(tmp_path / "b")]) == 0
    assert json.loads((tmp_path / "b" / "report.json").read_text())["flagged_positive_pairs"] > 0


def test_endpoint_errors_are_clear_and_rate_limits_are_retried():
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            return httpx.Response(429, headers={"retry-after": "0"}, json={"error": {"message": "slow down"}})
        n = len(json.loads(request.content)["input"])
        return httpx.Response(200, json={"model": "m", "results": [
            {"flagged": True, "categories": {"violence": True}, "category_scores": {"violence": 0.9}}] * n})

    with EndpointTarget("http://x.test", transport=httpx.MockTransport(handler), batch_size=2) as t:
        scores, flagged = t.score(["a", "b", "c"])
    assert calls["n"] == 3 and scores.shape == (3, 13) and flagged[:, 11].all() and flagged.sum() == 3
    with EndpointTarget("http://x.test", transport=httpx.MockTransport(
            lambda r: httpx.Response(401, json={"error": {"message": "no key"}}))) as t, \
            pytest.raises(AuthenticationError, match="pass --api-key"):
        t.score(["a"])
    with EndpointTarget("http://x.test", retries=0, transport=httpx.MockTransport(
            lambda r: httpx.Response(200, json={"results": []}))) as t, \
            pytest.raises(ServiceUnavailableError, match="0 results for 1 inputs"):
        t.score(["a"])
    assert moderations_url("http://h:8000/") == moderations_url("http://h:8000/v1") == "http://h:8000/v1/moderations"


def test_cli_target_errors_exit_2_with_one_line(capsys):
    assert main(["redteam", "run", "--target", "ftp://nope", "--no-queue"]) == 2
    assert "must be an http(s) URL" in capsys.readouterr().err
    assert main(["redteam", "run", "--target", "http://127.0.0.1:9", "--defence", "none", "--no-queue"]) == 2
    assert "--defence applies to --model" in capsys.readouterr().err
