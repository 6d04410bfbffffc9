"""``flagstone label`` end to end: a real store, the stub chat server, the real openai SDK."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from tests.labeling.conftest import KEYWORDS
from tests.labeling.ui_setup import PASSWORD, TEXTS, build_store

from flagstone.cli.main import main
from flagstone.labeling.stub_server import StubChatServer, keyword_responder
from flagstone.labeling.tables import llm_label_runs, ui_gold
from flagstone.labeling.ui import work
from flagstone.store.tables import annotators, labels
from flagstone.text.normalize import text_key


@pytest.fixture
def store(tmp_path, monkeypatch):
    s = build_store(tmp_path)
    monkeypatch.setenv("FLAGSTONE_DATABASE_URL", str(s.engine.url))
    monkeypatch.setenv("FLAGSTONE_DATA_DIR", str(tmp_path / "data"))
    yield s
    s.dispose()


def _llm_rows(store):
    with store.connect() as conn:
        return conn.execute(select(labels.c.item_key, labels.c.category, labels.c.value, annotators.c.name,
                                   labels.c.policy_version_id)
                            .join(annotators, annotators.c.id == labels.c.annotator_id)
                            .where(annotators.c.kind == "model")).all()


def test_label_llm_stores_labels_records_failures_and_skips_done_items(store, capsys):
    with StubChatServer(responder=keyword_responder(KEYWORDS), script={"gold text": ["malformed"] * 10}) as stub:
        args = ["label", "llm", "--dataset", "pool", "--model", "stub-model", "--base-url", stub.base_url,
                "--max-attempts", "2", "--timeout", "5"]
        assert main(args) == 0
        out = capsys.readouterr().out
        assert "labelled 4 (0 from cache), failed 1" in out and "malformed reply" in out
        rows = _llm_rows(store)
        assert {r.name for r in rows} == {"llm:stub-model"}
        assert {(r.item_key, r.category) for r in rows if r.value} == {
            (text_key(TEXTS[0]), "harassment"), (text_key(TEXTS[2]), "violence"), (text_key(TEXTS[3]), "hate")}
        assert text_key(TEXTS[4]) not in {r.item_key for r in rows}  # the failure wrote no label
        with store.connect() as conn:
            runs = conn.execute(select(llm_label_runs.c.ok, llm_label_runs.c.prompt_tokens)).all()
        assert sorted(r.ok for r in runs) == [False, True, True, True, True] and all(r.prompt_tokens for r in runs)
        n_requests = len(stub.requests)
        assert main(args) == 1  # second run: only the failed item is tried (and fails again: exit 1)
        assert "4 already labelled" in capsys.readouterr().out
        assert len(stub.requests) == n_requests + 2


def test_label_agreement_lists_per_category_agreement_and_disagreements(store, capsys):
    with StubChatServer(responder=keyword_responder(KEYWORDS)) as stub:
        assert main(["label", "llm", "--dataset", "pool", "--model", "m", "--base-url", stub.base_url]) == 0
    ann = work.authenticate(store, "ann", PASSWORD)
    work.submit_labels(store, ann, text_key(TEXTS[0]), "al-batch-1", ["harassment"])
    work.submit_labels(store, ann, text_key(TEXTS[3]), "al-batch-1", [], none_of_these=True)  # people say: not hate
    capsys.readouterr()
    assert main(["label", "agreement", "--dataset", "pool", "--model", "m"]) == 0
    out = capsys.readouterr().out
    assert "llm:m vs people on 2 items" in out
    assert "1 disagreements" in out and "[hate] llm=1 human=0" in out and "they are vermin" in out
    assert "llm rationale: stub decision for hate" in out


def test_unreachable_server_records_failures_and_exits_1(store, capsys):
    args = ["label", "llm", "--dataset", "pool", "--model", "m", "--base-url", "http://127.0.0.1:9/v1",
            "--max-attempts", "1", "--timeout", "1"]
    assert main(args) == 1
    assert "failed 5" in capsys.readouterr().out
    assert _llm_rows(store) == []


def test_unknown_dataset_is_a_one_line_error(store, capsys):
    assert main(["label", "llm", "--dataset", "nope", "--model", "m", "--base-url", "http://127.0.0.1:9/v1"]) == 2
    assert "unknown dataset 'nope'; available: pool" in capsys.readouterr().err


def test_user_and_gold_commands(store, capsys, monkeypatch):
    monkeypatch.setenv("FLAGSTONE_UI_PASSWORD", PASSWORD)
    assert main(["label", "user", "add", "zoe", "--role", "viewer"]) == 0
    assert work.authenticate(store, "zoe", PASSWORD).role == "viewer"
    assert main(["label", "user", "add", "zoe"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["label", "gold", "add", text_key(TEXTS[1]), "--positive", "hate"]) == 0
    with store.connect() as conn:
        assert '"hate": 1' in conn.execute(select(ui_gold.c.labels).where(ui_gold.c.item_key == text_key(TEXTS[1]))).scalar()
    assert main(["label", "gold", "add", text_key(TEXTS[1]), "--positive", "spam"]) == 2
    assert "unknown categories ['spam']" in capsys.readouterr().err
