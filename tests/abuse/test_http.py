"""The server with the abuse middleware: 401/403/429 envelopes, logging, detection, tightening."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests.images.images_util import BLUE, data_url, solid

from flagstone.abuse import http as abuse_http
from flagstone.abuse.http import install_abuse
from flagstone.abuse.requestlog import read_log
from flagstone.abuse.rules import parse_rules
from flagstone.models.fakes import KeywordModel
from flagstone.serving.app import create_app
from flagstone.settings import Settings

KEYWORDS = {"violence": ["hurt"], "sexual/minors": ["minorsword"], "hate": ["vermin"]}
RULES = {"rules": [{"name": "minors", "kind": "flag_count", "category": "sexual/minors", "severity": "critical"}]}


@pytest.fixture
def make_client(tmp_path, monkeypatch):
    monkeypatch.setattr(abuse_http, "KEY_CACHE_SECONDS", 0.0)
    clients = []

    def make(**overrides):
        settings = Settings(data_dir=tmp_path, model_dir=tmp_path / "none", batch_max_wait_ms=1.0,
                            **{"auth_enabled": True, "rate_limit_burst": 100, **overrides})
        app = create_app(settings, model=KeywordModel(KEYWORDS, name="kw"))
        services = install_abuse(app, settings, rules=parse_rules(RULES))
        services.writer.flush_interval = 0.02
        client = TestClient(app, raise_server_exceptions=False).__enter__()
        clients.append(client)
        return client, services

    yield make
    for c in clients:
        c.__exit__(None, None, None)


def post(client, text, key=None):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return client.post("/v1/moderations", json={"input": text}, headers=headers)


@pytest.mark.parametrize("key", [None, "sk-not-ours", "fsk_abc_def"])
def test_missing_or_bad_key_is_401_in_openai_envelope(make_client, key):
    client, _ = make_client()
    r = post(client, "hello", key)
    assert r.status_code == 401
    err = r.json()["error"]
    assert err["code"] == "invalid_api_key" and err["type"] == "invalid_request_error" and err["message"]


def test_valid_key_works_and_the_call_is_logged(make_client):
    client, s = make_client(request_log_content="hashed")
    key, info = s.keys.create("acme")
    r = post(client, ["nice day", "I will hurt you"], key)
    assert r.status_code == 200 and [x["flagged"] for x in r.json()["results"]] == [False, True]
    s.writer.flush()
    recs = list(read_log(s.engine))
    assert [(x.account, x.key_id, x.flags) for x in recs] == [("acme", info.id, ()),
                                                             ("acme", info.id, ("violence",))]
    assert recs[0].model_version.startswith("kw@") and recs[1].input_len == len("I will hurt you")


def test_rate_limit_is_429_with_retry_after(make_client):
    client, s = make_client(rate_limit_burst=3, rate_limit_per_second=0.01)
    key, _ = s.keys.create("acme")
    codes = [post(client, "hi", key).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = post(client, "hi", key)
    assert r.json()["error"]["code"] == "rate_limit_exceeded" and int(r.headers["Retry-After"]) >= 1
    other, _ = s.keys.create("other")
    assert post(client, "hi", other).status_code == 200  # limits are per key


def test_revoked_key_and_blocked_account_are_refused(make_client):
    client, s = make_client()
    key, info = s.keys.create("acme")
    assert post(client, "hi", key).status_code == 200
    s.keys.set_blocked("acme", True)
    assert post(client, "hi", key).status_code == 403
    s.keys.set_blocked("acme", False)
    s.keys.revoke(info.id)
    assert post(client, "hi", key).status_code == 401


def test_auth_off_accepts_any_key_and_logs_anonymously(make_client):
    client, s = make_client(auth_enabled=False, rate_limit_burst=1, rate_limit_per_second=0.001)
    assert post(client, "hi", "sk-anything").status_code == 200
    assert post(client, "hi").status_code == 200  # no key, no per-key limit
    s.writer.flush()
    assert [r.key_id for r in read_log(s.engine)] == ["-", "-"]


def test_rule_hit_opens_an_incident_and_tightened_thresholds_apply(make_client):
    client, s = make_client()
    key, _ = s.keys.create("acme")
    post(client, "minorsword here", key)
    s.writer.flush()
    (inc,) = s.incidents.list()
    assert inc.subject == "account:acme" and inc.severity == "critical"
    # KeywordModel scores 0.05 when no keyword: a threshold of 0.04 flags everything for this account.
    assert post(client, "hello", key).json()["results"][0]["flagged"] is False
    s.incidents.act(inc.id, "tighten_thresholds", "acme", actor="alice", params={"thresholds": {"hate": 0.04}})
    body = post(client, "hello", key).json()
    assert body["results"][0]["flagged"] is True and body["results"][0]["categories"]["hate"] is True


def test_admin_pages_need_an_admin_key_and_drive_the_flow(make_client):
    client, s = make_client()
    moderate_key, _ = s.keys.create("acme")
    admin_key, _ = s.keys.create("ops", scopes=("admin",))
    assert client.get("/admin/incidents").status_code == 401
    assert client.get("/admin/keys", headers={"Authorization": f"Bearer {moderate_key}"}).status_code == 403
    assert 'type="password"' in client.get("/admin/login").text
    r = client.post("/admin/login", json={"key": "fsk_bad_key"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"
    r = client.post("/admin/login", json={"key": admin_key})
    assert r.json() == {"redirect": "/admin/incidents"} and "httponly" in r.headers["set-cookie"].lower()
    client.cookies.set("flagstone_admin_key", admin_key)
    created = client.post("/admin/keys", json={"account": "newco", "scopes": ["moderate"], "name": "web"}).json()
    assert created["new_key"].startswith("fsk_") and created["id"] in client.get("/admin/keys").text
    post(client, "minorsword", moderate_key)
    s.writer.flush()
    (inc,) = s.incidents.list()
    assert "minors: account:acme" in client.get("/admin/incidents?status=open").text
    base = f"/admin/incidents/{inc.id}"
    assert client.post(f"{base}/status", json={"status": "investigating"}).status_code == 200
    assert client.post(f"{base}/status", json={"status": "nonsense"}).status_code == 400
    client.post(f"{base}/notes", json={"text": "<i>checked</i>"})
    key_id = moderate_key.split("_")[1]
    assert client.post(f"{base}/actions", json={"action": "revoke_key", "target": key_id}).status_code == 200
    bad = client.post(f"{base}/actions", json={"action": "tighten_thresholds", "target": "acme", "thresholds": "sexual"})
    assert bad.status_code == 400 and bad.json()["error"]["message"].startswith("thresholds must read")
    ok = client.post(f"{base}/actions", json={"action": "tighten_thresholds", "target": "acme",
                                              "thresholds": "sexual=0.2, hate=0.3"})
    assert ok.json()["result"]["thresholds"] == {"sexual": 0.2, "hate": 0.3}
    page = client.get(base).text
    assert 'id="status">investigating' in page and "&lt;i&gt;checked&lt;/i&gt;" in page and "revoke_key" in page
    assert post(client, "hi", moderate_key).status_code == 401
    md = client.get(f"{base}/export?format=markdown")
    assert md.headers["content-type"].startswith("text/markdown") and md.text.startswith(f"# Incident #{inc.id}")
    assert "ops/" in md.text  # the audit log names the admin who acted


def test_tightened_thresholds_are_applied_where_results_are_built_once(make_client, monkeypatch):
    """The route builds the response with the account's thresholds; the middleware passes it on as is."""
    from flagstone.serving.routes import moderations

    built = []
    real = moderations.to_results

    def spy(info, scores, *args, **kwargs):
        built.append(kwargs.get("thresholds"))
        return real(info, scores, *args, **kwargs)

    monkeypatch.setattr(moderations, "to_results", spy)
    client, s = make_client(image_model="fake-red")
    key, _ = s.keys.create("acme")
    other, _ = s.keys.create("other")
    s.keys.tighten("acme", {"hate": 0.04})
    r = post(client, ["hello", "a calm sentence"], key)
    assert built == [{"hate": 0.04}]  # one build, with the account's thresholds
    assert [x["categories"]["hate"] for x in r.json()["results"]] == [True, True]
    assert int(r.headers["content-length"]) == len(r.content)
    assert post(client, "hello", other).json()["results"][0]["flagged"] is False  # nothing leaks
    assert built[1:] == [None]
    assert not hasattr(abuse_http, "apply_thresholds")  # no second pass over the response JSON
    parts = [{"type": "text", "text": "hello"}, {"type": "image_url", "image_url": {"url": data_url(solid(BLUE))}}]
    mixed = client.post("/v1/moderations", json={"input": parts}, headers={"Authorization": f"Bearer {key}"})
    assert mixed.json()["results"][0]["categories"]["hate"] is True  # text and image parts: the same rule


def test_installing_again_replaces_the_services_without_a_second_middleware(tmp_path):
    settings = Settings(data_dir=tmp_path, model_dir=tmp_path / "none", batch_max_wait_ms=1.0, auth_enabled=True)
    app = create_app(settings, model=KeywordModel(KEYWORDS, name="kw"))
    first = install_abuse(app, settings, rules=[])
    second = install_abuse(app, settings, rules=[])
    assert app.state.abuse is second and first.writer._thread.is_alive() is False  # the old one closed
    assert sum(1 for m in app.user_middleware if m.cls is abuse_http.AbuseGuard) == 1
    key, _ = second.keys.create("acme")
    with TestClient(app) as client:
        assert post(client, "hello", key).status_code == 200
        second.writer.flush()
        assert second.writer.written == 1


def test_create_app_alone_requires_keys_when_bound_to_a_public_address(tmp_path):
    settings = Settings(data_dir=tmp_path, model_dir=tmp_path / "none", batch_max_wait_ms=1.0, host="0.0.0.0")
    assert settings.auth_required
    with TestClient(create_app(settings, model=KeywordModel(KEYWORDS, name="kw"))) as client:
        assert post(client, "hello").status_code == 401
        key, _ = client.app.state.abuse.keys.create("acme")
        assert post(client, "hello", key).status_code == 200
    off = Settings(data_dir=tmp_path / "off", model_dir=tmp_path / "none", host="0.0.0.0", abuse_enabled=False)
    with TestClient(create_app(off, model=KeywordModel(KEYWORDS, name="kw"))) as client:
        assert post(client, "hello").status_code == 200 and not hasattr(client.app.state, "abuse")


def test_request_ids_are_unique_within_and_across_middlewares():
    from flagstone.abuse.http import AbuseGuard

    a, b = AbuseGuard(app=None), AbuseGuard(app=None)  # type: ignore[arg-type]
    ids = [a._next_id() for _ in range(1000)] + [b._next_id() for _ in range(1000)]
    assert len(set(ids)) == len(ids) and all(len(i) <= 64 for i in ids)


def _rows(s):
    from sqlalchemy import select

    from flagstone.abuse import db

    s.writer.flush()
    with s.engine.connect() as conn:
        return conn.execute(select(db.requests).order_by(db.requests.c.id)).all()


def test_refused_requests_are_logged_without_content_against_the_account(make_client):
    from flagstone.abuse.requestlog import refusal_of

    client, s = make_client(request_log_content="full", rate_limit_burst=1, rate_limit_per_second=0.001)
    key, info = s.keys.create("acme")
    assert post(client, "secret words one", key).status_code == 200
    assert post(client, "secret words two", key).status_code == 429  # throttled
    assert post(client, "secret words three", "fsk_nope_nope").status_code == 401  # unknown key
    s.keys.revoke(info.id)
    assert post(client, "secret words four", key).status_code == 401  # revoked: still its account's
    other, _ = s.keys.create("beta")
    assert client.post("/v1/moderations", json={"input": 5}, headers={"Authorization": f"Bearer {other}"}
                       ).status_code == 400
    rows = _rows(s)
    got = [(r.account, refusal_of(r.model_version)[0], r.content) for r in rows]
    assert got == [("acme", 200, "secret words one"), ("acme", 429, None), ("client:testclient", 401, None),
                   ("acme", 401, None), ("beta", 400, None)]
    assert all(r.input_hash == "" and r.scores == {} for r in rows[1:])  # nothing of the refused texts
    assert refusal_of(rows[1].model_version)[1] == "rate_limit_exceeded /v1/moderations"
    assert rows[3].key_id == info.id and rows[4].input_len == len(b'{"input":5}')


def test_refusals_raise_an_incident_with_evidence_and_enforcement_is_reversible(make_client):
    client, s = make_client()
    s.monitor.engine.rules[:] = parse_rules({"rules": [
        {"name": "refused", "kind": "refusals", "threshold": 3, "window": 60, "severity": "high"}]})
    key, info = s.keys.create("acme")
    s.keys.revoke(info.id, actor="alice")
    for _ in range(3):
        assert post(client, "hello", key).status_code == 401
    s.writer.flush()
    (inc,) = s.incidents.list()
    d = s.incidents.show(inc.id)
    assert inc.subject == "account:acme" and inc.created_at > 0 and d.alerts[0]["ts"] > 0
    (ev,) = [e for e in d.evidence if e["kind"] == "records"]
    assert [r["status"] for r in ev["body"]["records"]] == [401, 401, 401]
    assert {r["key_id"] for r in ev["body"]["records"]} == {info.id} and ev["ts"] == d.alerts[0]["ts"]
    assert "First alert" in s.incidents.export(inc.id)
    # Every enforcement has its undo, each recorded with its actor.
    s.incidents.act(inc.id, "reinstate_key", info.id, actor="bob")
    assert post(client, "hello", key).status_code == 200
    s.incidents.act(inc.id, "block_account", "acme", actor="bob")
    assert post(client, "hello", key).status_code == 403
    s.incidents.act(inc.id, "unblock_account", "acme", actor="carol")
    assert post(client, "hello", key).status_code == 200
    s.incidents.act(inc.id, "tighten_thresholds", "acme", actor="bob", params={"thresholds": {"violence": 0.01}})
    assert post(client, "a calm sentence", key).json()["results"][0]["flagged"] is True
    s.incidents.act(inc.id, "reset_thresholds", "acme", actor="carol")
    assert post(client, "a calm sentence", key).json()["results"][0]["flagged"] is False
    audit = [(a["actor"], a["action"]) for a in s.incidents.show(inc.id).audit]
    assert audit == [("bob", "reinstate_key"), ("bob", "block_account"), ("carol", "unblock_account"),
                     ("bob", "tighten_thresholds"), ("carol", "reset_thresholds")]
