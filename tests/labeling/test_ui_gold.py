"""Gold items from the admin page: the domain functions on a real store, then the page over HTTP."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select
from tests.labeling.ui_setup import PASSWORD, TEXTS, build_store
from tests.labeling.ui_setup import csrf_token as _csrf

from flagstone.errors import ConflictError, InvalidRequestError, NotFoundError
from flagstone.labeling.tables import ui_gold
from flagstone.labeling.ui import gold, work
from flagstone.policy.taxonomy import CATEGORIES
from flagstone.store.engine import utcnow
from flagstone.store.tables import items
from flagstone.store.testing import backends, temp_database_url
from flagstone.text.normalize import text_key


@pytest.fixture(params=backends())
def store(request, tmp_path):
    with temp_database_url(request.param, tmp_path) as url:
        s = build_store(tmp_path, url)
        yield s
        s.dispose()


def _gold_rows(store) -> dict[str, dict[str, int]]:
    with store.connect() as conn:
        return {k: json.loads(v) for k, v in conn.execute(select(ui_gold.c.item_key, ui_gold.c.labels))}


def test_gold_list_scores_each_persons_latest_labels(store):
    ann = work.authenticate(store, "ann", PASSWORD)
    ada = work.authenticate(store, "ada", PASSWORD)
    key = text_key(TEXTS[4])  # gold from build_store: no harassment, no hate (given as two categories only)
    [g] = gold.list_gold(store)
    assert (g.item_key, g.text, g.positives, g.people, g.accuracy) == (key, TEXTS[4], (), 0, None)
    work.submit_labels(store, ann, key, "al-batch-1", ["harassment"])  # wrong on harassment
    work.submit_labels(store, ada, key, "al-batch-1", [], none_of_these=True)
    [g] = gold.list_gold(store)
    assert (g.people, g.decisions, g.correct) == (2, 4, 3) and g.accuracy == 0.75


def test_set_gold_names_every_category_and_resolves_a_key_prefix(store):
    key = text_key(TEXTS[2])
    assert gold.set_gold(store, key[:10].upper(), ["violence"], none_of_these=False) == key
    assert _gold_rows(store)[key] == {c: int(c == "violence") for c in CATEGORIES}
    gold.set_gold(store, key, [], none_of_these=True)  # replaces the earlier gold
    assert _gold_rows(store)[key] == dict.fromkeys(CATEGORIES, 0)
    assert [g.positives for g in gold.list_gold(store) if g.item_key == key] == [()]


@pytest.mark.parametrize(("typed", "chosen", "none", "error", "message"), [
    ("", ["hate"], False, InvalidRequestError, "pick an item"),
    ("abc", ["hate"], False, InvalidRequestError, "at least 8"),
    ("not-hex-at-all", ["hate"], False, InvalidRequestError, "hexadecimal"),
    ("f" * 64, ["hate"], False, NotFoundError, "no item"),
    (None, [], False, InvalidRequestError, "none of these"),
    (None, ["hate"], True, InvalidRequestError, "not both"),
    (None, ["spam"], False, InvalidRequestError, "unknown categories"),
])
def test_bad_gold_is_refused_and_stores_nothing(store, typed, chosen, none, error, message):
    with pytest.raises(error, match=message):
        gold.set_gold(store, text_key(TEXTS[0]) if typed is None else typed, chosen, none_of_these=none)
    assert list(_gold_rows(store)) == [text_key(TEXTS[4])]


def test_an_ambiguous_prefix_is_a_conflict(store):
    with store.begin() as conn:
        conn.execute(items.insert(), [dict(key="abcdef01" + c * 56, text=f"text {c}", created_at=utcnow())
                                      for c in "01"])
    with pytest.raises(ConflictError, match="several items"):
        gold.resolve_item_key(store, "abcdef01")
    assert gold.resolve_item_key(store, "abcdef010") == "abcdef01" + "0" * 56


def test_remove_gold_and_queue_candidates(store):
    assert gold.pending_queues(store) == ["al-batch-1"]
    keys = [c.item_key for c in gold.queue_candidates(store, "al-batch-1")]
    assert keys == [text_key(t) for t in TEXTS[:4]]  # the order annotators get them
    gold.set_gold(store, keys[1], ["harassment"], none_of_these=False)
    assert text_key(TEXTS[1]) not in [c.item_key for c in gold.queue_candidates(store, "al-batch-1")]
    gold.remove_gold(store, keys[1])
    assert keys[1] not in _gold_rows(store)
    with pytest.raises(NotFoundError, match="is not gold"):
        gold.remove_gold(store, keys[1])
    assert gold.queue_candidates(store, "no-such-queue") == []


# --- over HTTP ---------------------------------------------------------------------------------------



def _login(client, username: str) -> None:
    client.cookies.clear()
    token = _csrf(client.get("/ui/login").text)
    r = client.post("/ui/login", data={"username": username, "password": PASSWORD, "csrf": token},
                    follow_redirects=False)
    assert r.status_code == 303


def test_only_admins_reach_the_gold_page(env):
    client, store = env
    assert client.get("/ui/admin/gold", follow_redirects=False).headers["location"] == "/ui/login"
    for name in ("ann", "vic"):
        _login(client, name)
        page = client.get("/ui/")
        assert "/ui/admin/gold" not in page.text
        assert client.get("/ui/admin/gold").status_code == 403
        for path, data in (("/ui/admin/gold", {"key": text_key(TEXTS[0]), "none": "1"}),
                           ("/ui/admin/gold/remove", {"item_key": text_key(TEXTS[4])})):
            r = client.post(path, data={"csrf": _csrf(page.text), **data})
            assert r.status_code == 403 and "only admins" in r.text
    assert list(_gold_rows(store)) == [text_key(TEXTS[4])]


def test_admin_adds_from_a_queue_and_by_key_then_removes(env):
    client, store = env
    _login(client, "ada")
    page = client.get("/ui/admin/gold")
    assert page.status_code == 200 and TEXTS[4] in page.text and 'href="/ui/admin/gold"' in page.text
    picked = client.get("/ui/admin/gold", params={"queue": "al-batch-1"}).text
    assert all(f'value="{text_key(t)}"' in picked for t in TEXTS[:4])
    r = client.post("/ui/admin/gold", data={"csrf": _csrf(picked), "queue": "al-batch-1",
                                            "item_key": text_key(TEXTS[0]), "category": ["harassment"]})
    assert r.status_code == 200 and f"Gold item {text_key(TEXTS[0])[:12]} saved" in r.text
    assert f'value="{text_key(TEXTS[0])}"' not in r.text.split('id="candidates"')[1]  # gold now, not offered
    r = client.post("/ui/admin/gold", data={"csrf": _csrf(page.text), "key": text_key(TEXTS[1])[:12],
                                            "none": "1"})
    assert r.status_code == 200
    rows = _gold_rows(store)
    assert rows[text_key(TEXTS[0])] == {c: int(c == "harassment") for c in CATEGORIES}
    assert rows[text_key(TEXTS[1])] == dict.fromkeys(CATEGORIES, 0)
    r = client.post("/ui/admin/gold/remove", data={"csrf": _csrf(page.text), "item_key": text_key(TEXTS[1])})
    assert r.status_code == 200 and "removed" in r.text and text_key(TEXTS[1]) not in _gold_rows(store)


def test_gold_posts_need_csrf_and_bad_input_says_why(env):
    client, store = env
    _login(client, "ada")
    page = client.get("/ui/admin/gold").text
    r = client.post("/ui/admin/gold", data={"key": text_key(TEXTS[0]), "none": "1"})
    assert r.status_code == 403 and "CSRF" in r.text
    r = client.post("/ui/admin/gold/remove", data={"csrf": "forged", "item_key": text_key(TEXTS[4])})
    assert r.status_code == 403
    r = client.post("/ui/admin/gold", data={"csrf": _csrf(page), "key": text_key(TEXTS[0])})
    assert r.status_code == 400 and "none of these" in r.text
    r = client.post("/ui/admin/gold", data={"csrf": _csrf(page), "key": text_key(TEXTS[0]),
                                            "item_key": text_key(TEXTS[1]), "none": "1"})
    assert r.status_code == 400 and "not both" in r.text
    r = client.post("/ui/admin/gold/remove", data={"csrf": _csrf(page), "item_key": text_key(TEXTS[0])})
    assert r.status_code == 404 and "is not gold" in r.text
    assert list(_gold_rows(store)) == [text_key(TEXTS[4])]


def test_the_page_shows_each_persons_gold_accuracy(env):
    client, store = env
    ann = work.authenticate(store, "ann", PASSWORD)
    work.submit_labels(store, ann, text_key(TEXTS[4]), "al-batch-1", ["hate"])  # gold: no hate, no harassment
    _login(client, "ada")
    page = client.get("/ui/admin/gold").text
    row = re.search(r'<tr data-user="ann">.*?</tr>', page, re.S).group(0)
    assert '<td class="decisions">2</td>' in row and "50.0%" in row
    item = re.search(rf'<tr data-item="{text_key(TEXTS[4])}">.*?</tr>', page, re.S).group(0)
    assert '<td class="people">1</td>' in item and "50.0%" in item
