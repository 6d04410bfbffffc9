"""The UI's domain functions on a real (SQLite) store."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select
from tests.labeling.ui_setup import PASSWORD, TEXTS, build_store

from flagstone.errors import ConflictError, InvalidRequestError, NotFoundError, PermissionDeniedError
from flagstone.labeling.tables import ui_feedback, ui_users
from flagstone.labeling.ui import work
from flagstone.labeling.ui.auth import Signer, hash_password, verify_password
from flagstone.policy.taxonomy import CATEGORIES
from flagstone.store.tables import annotators, label_queue, labels
from flagstone.store.testing import backends, temp_database_url
from flagstone.text.normalize import text_key


@pytest.fixture(params=backends())
def store(request, tmp_path):
    with temp_database_url(request.param, tmp_path) as url:
        s = build_store(tmp_path, url)
        yield s
        s.dispose()


def test_passwords_are_salted_scrypt_hashes():
    h1, h2 = hash_password("s3cret-pass"), hash_password("s3cret-pass")
    assert h1 != h2 and h1.startswith("scrypt$") and "s3cret" not in h1
    assert verify_password("s3cret-pass", h1) and not verify_password("wrong-pass", h1)
    assert not verify_password("x", "garbage")
    with pytest.raises(ValueError):
        hash_password("short")


def test_sessions_reject_forged_and_expired_cookies_and_csrf_is_bound_to_the_session():
    signer = Signer("k" * 32)
    s = signer.new_session("sid-7")
    cookie = signer.dump(s)
    assert signer.load(cookie) == s
    assert signer.load(cookie[:-2] + "xx") is None  # forged signature
    assert Signer("other-key-0123456789").load(cookie) is None
    assert signer.load("not-a-cookie") is None
    expired = Signer("k" * 32, max_age_s=-1)
    assert expired.load(expired.dump(expired.new_session("sid-7"))) is None
    other = signer.new_session("sid-7")
    assert signer.check_csrf(s, signer.csrf_token(s)) and not signer.check_csrf(s, signer.csrf_token(other))
    assert not signer.check_csrf(s, "")


def test_accounts_authenticate_and_bad_input_is_refused(store):
    assert work.authenticate(store, "ann", PASSWORD).role == "annotator"
    assert work.authenticate(store, "ann", "wrong password") is None
    assert work.authenticate(store, "nobody", PASSWORD) is None
    with pytest.raises(ConflictError):
        work.create_user(store, "ann", PASSWORD, "annotator")
    with pytest.raises(InvalidRequestError, match="unknown role"):
        work.create_user(store, "bob", PASSWORD, "superuser")
    with pytest.raises(InvalidRequestError, match="8 characters"):
        work.create_user(store, "bob", "short", "annotator")
    with pytest.raises(InvalidRequestError, match="username"):
        work.create_user(store, "bob smith", PASSWORD, "annotator")
    with store.connect() as conn:
        assert PASSWORD not in str(conn.execute(select(ui_users.c.password_hash)).all())


def test_queue_order_submit_and_skip(store):
    ann = work.authenticate(store, "ann", PASSWORD)
    first = work.next_item(store, ann, "al-batch-1")
    assert first.text == TEXTS[0] and first.reason == "active_learning"
    version = work.submit_labels(store, ann, first.item_key, "al-batch-1", ["harassment"], comment="rude",
                                 unclear=True)
    with store.connect() as conn:
        rows = conn.execute(select(labels.c.category, labels.c.value, labels.c.policy_version_id, annotators.c.name)
                            .join(annotators, annotators.c.id == labels.c.annotator_id)
                            .where(labels.c.item_key == first.item_key)).all()
        status = conn.execute(select(label_queue.c.status).where(label_queue.c.item_key == first.item_key)).scalar()
        kinds = sorted(conn.execute(select(ui_feedback.c.kind)).scalars())
    assert len(rows) == len(CATEGORIES)
    assert {r.category for r in rows if r.value} == {"harassment"}
    assert {(r.name, r.policy_version_id) for r in rows} == {("ann", version.id)}
    assert status == "done" and kinds == ["comment", "unclear"]
    second = work.next_item(store, ann, "al-batch-1")
    assert second.text == TEXTS[1]
    work.skip_item(store, ann, second.item_key, "al-batch-1")
    assert work.next_item(store, ann, "al-batch-1").text == TEXTS[2]
    ada = work.authenticate(store, "ada", PASSWORD)
    assert work.next_item(store, ada, "al-batch-1").text == TEXTS[1]  # skipped only for ann


def test_bad_submissions_are_refused_and_store_nothing(store):
    ann = work.authenticate(store, "ann", PASSWORD)
    vic = work.authenticate(store, "vic", PASSWORD)
    key = text_key(TEXTS[0])
    with pytest.raises(PermissionDeniedError):
        work.submit_labels(store, vic, key, "al-batch-1", [], none_of_these=True)
    with pytest.raises(InvalidRequestError, match="unknown categories"):
        work.submit_labels(store, ann, key, "al-batch-1", ["spam"])
    with pytest.raises(NotFoundError):
        work.submit_labels(store, ann, "0" * 64, "al-batch-1", [], none_of_these=True)
    with store.connect() as conn:
        assert conn.execute(select(labels.c.id)).first() is None


def test_gold_is_mixed_in_and_scored_and_agreement_is_reported(store):
    ann = work.authenticate(store, "ann", PASSWORD)
    ada = work.authenticate(store, "ada", PASSWORD)
    gold = work.next_item(store, ann, "al-batch-1", gold_rate=1.0, rng=random.Random(0))
    assert gold.text == TEXTS[4]
    work.submit_labels(store, ann, gold.item_key, "al-batch-1", ["harassment"])  # gold says no harassment
    assert work.next_item(store, ann, "al-batch-1", gold_rate=1.0).text == TEXTS[0]  # gold used up
    for user, chosen in ((ann, ["hate"]), (ada, ["hate", "violence"])):
        work.submit_labels(store, user, text_key(TEXTS[3]), "al-batch-1", chosen)
    stats = {s.username: s for s in work.annotator_stats(store)}
    assert stats["ann"].gold_decisions == 2 and stats["ann"].gold_accuracy == 0.5
    assert stats["ann"].shared_decisions == len(CATEGORIES)
    assert stats["ann"].agreement == pytest.approx((len(CATEGORIES) - 1) / len(CATEGORIES))
    assert stats["vic"].items_labelled == 0 and stats["vic"].agreement is None


def test_gold_for_unknown_items_or_categories_is_refused(store):
    with pytest.raises(NotFoundError):
        work.add_gold(store, "f" * 64, {"hate": True})
    with pytest.raises(InvalidRequestError):
        work.add_gold(store, text_key(TEXTS[0]), {"spam": True})


def _positives(store, user, key):
    with store.connect() as conn:
        rows = conn.execute(select(labels.c.category, labels.c.value).where(
            labels.c.annotator_id == user.annotator_id, labels.c.item_key == key)).all()
    return sorted(c for c, v in rows if v), len(rows)


def test_an_empty_choice_saves_nothing_unless_none_of_these_is_explicit(store):
    ann = work.authenticate(store, "ann", PASSWORD)
    key = text_key(TEXTS[0])
    with pytest.raises(InvalidRequestError, match="none of these") as empty:
        work.submit_labels(store, ann, key, "al-batch-1", [])
    assert empty.value.param == "category"
    with pytest.raises(InvalidRequestError, match="both chosen"):
        work.submit_labels(store, ann, key, "al-batch-1", ["hate"], none_of_these=True)
    assert _positives(store, ann, key) == ([], 0)
    assert work.next_item(store, ann, "al-batch-1").item_key == key  # still waiting for a real answer
    work.submit_labels(store, ann, key, "al-batch-1", [], none_of_these=True)
    assert _positives(store, ann, key) == ([], len(CATEGORIES))


def test_undo_removes_ones_latest_labels_and_the_item_comes_back(store):
    ann = work.authenticate(store, "ann", PASSWORD)
    key = text_key(TEXTS[0])
    work.submit_labels(store, ann, key, "al-batch-1", ["hate"], comment="slurs", unclear=True)
    assert work.next_item(store, ann, "al-batch-1").item_key != key
    removed = work.undo_labels(store, ann, key, "al-batch-1")
    assert removed.positives == ("hate",) and removed.comment == "slurs"
    assert _positives(store, ann, key) == ([], 0)
    with store.connect() as conn:
        assert conn.execute(select(ui_feedback.c.id).where(ui_feedback.c.item_key == key)).first() is None
        status = conn.execute(select(label_queue.c.status).where(label_queue.c.item_key == key)).scalar_one()
    assert status == "pending" and work.next_item(store, ann, "al-batch-1").item_key == key
    with pytest.raises(NotFoundError, match="no labels"):
        work.undo_labels(store, ann, key)  # nothing left to undo
    vic = work.authenticate(store, "vic", PASSWORD)
    with pytest.raises(PermissionDeniedError):
        work.undo_labels(store, vic, key)


def test_undo_leaves_other_peoples_labels_and_keeps_the_item_done_for_them(store):
    ann, ada = work.authenticate(store, "ann", PASSWORD), work.authenticate(store, "ada", PASSWORD)
    key = text_key(TEXTS[3])
    work.submit_labels(store, ada, key, "al-batch-1", ["hate"])
    work.submit_labels(store, ann, key, "al-batch-1", ["hate", "violence"])
    work.undo_labels(store, ann, key)
    assert _positives(store, ada, key) == (["hate"], len(CATEGORIES))
    assert _positives(store, ann, key) == ([], 0)
    with store.connect() as conn:
        assert conn.execute(select(label_queue.c.status).where(label_queue.c.item_key == key)).scalar_one() == "done"


def test_edit_replaces_ones_latest_labels(store):
    ann = work.authenticate(store, "ann", PASSWORD)
    key = text_key(TEXTS[0])
    work.submit_labels(store, ann, key, "al-batch-1", ["hate"])
    work.edit_labels(store, ann, key, ["harassment"], comment="insult, not hate")
    assert _positives(store, ann, key) == (["harassment"], len(CATEGORIES))  # replaced, not added
    sub = work.latest_submission(store, ann, key)
    assert sub.positives == ("harassment",) and sub.comment == "insult, not hate"
    with pytest.raises(InvalidRequestError, match="none of these"):
        work.edit_labels(store, ann, key, [])
    assert _positives(store, ann, key) == (["harassment"], len(CATEGORIES))  # a refused edit changes nothing
    with pytest.raises(NotFoundError):
        work.edit_labels(store, ann, text_key(TEXTS[1]), ["hate"])  # never labelled by ann


def test_progress_per_queue_counts_mine_left_and_pending(store):
    ann, ada = work.authenticate(store, "ann", PASSWORD), work.authenticate(store, "ada", PASSWORD)
    work.submit_labels(store, ann, text_key(TEXTS[0]), "al-batch-1", ["harassment"])
    work.skip_item(store, ann, text_key(TEXTS[1]), "al-batch-1")
    work.submit_labels(store, ada, text_key(TEXTS[2]), "al-batch-1", ["violence"])
    (p,) = work.queue_progress(store, ann)
    assert (p.queue, p.total, p.pending, p.mine, p.left_for_me) == ("al-batch-1", 4, 2, 1, 1)
    (q,) = work.queue_progress(store, ada)
    assert (q.mine, q.left_for_me) == (1, 2)


def test_free_text_has_limits_with_clear_errors(store):
    ann = work.authenticate(store, "ann", PASSWORD)
    with pytest.raises(InvalidRequestError, match="at most 64 characters") as long_name:
        work.create_user(store, "a" * 5000, PASSWORD, "annotator")
    assert long_name.value.param == "username"
    with pytest.raises(InvalidRequestError, match="at most 1024"):
        work.create_user(store, "bob", "p" * 5000, "annotator")
    with pytest.raises(InvalidRequestError, match="at most 5000 characters"):
        work.submit_labels(store, ann, text_key(TEXTS[0]), "al-batch-1", ["hate"], comment="x" * 100_000)
    with pytest.raises(InvalidRequestError, match="at most 5000 characters"):
        work.skip_item(store, ann, text_key(TEXTS[0]), "al-batch-1", comment="x" * 100_000)
    with store.connect() as conn:
        assert conn.execute(select(ui_users.c.id).where(ui_users.c.username == "bob")).first() is None
        assert conn.execute(select(ui_feedback.c.id)).first() is None
        assert conn.execute(select(labels.c.id)).first() is None
