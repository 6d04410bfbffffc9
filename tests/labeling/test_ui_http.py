"""The UI over HTTP (FastAPI TestClient): login, CSRF, roles, labeling through forms."""

from __future__ import annotations

import re

from sqlalchemy import select
from tests.labeling.ui_setup import PASSWORD, TEXTS
from tests.labeling.ui_setup import csrf_token as _csrf

from flagstone.store.tables import annotators, labels
from flagstone.text.normalize import text_key


def login(client, username="ann", password=PASSWORD):
    token = _csrf(client.get("/ui/login").text)
    return client.post("/ui/login", data={"username": username, "password": password, "csrf": token},
                       follow_redirects=False)


def test_pages_need_a_login(env):
    client, _ = env
    for path in ("/ui/", "/ui/queue/al-batch-1", "/ui/admin"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/ui/login"


def test_wrong_password_and_missing_csrf_are_refused(env):
    client, _ = env
    assert login(client, password="not the password").status_code == 401
    r = client.post("/ui/login", data={"username": "ann", "password": PASSWORD, "csrf": "forged"})
    assert r.status_code == 403 and "Form expired" in r.text


def test_login_label_and_see_labels_stored_with_annotator_and_policy(env):
    client, store = env
    r = login(client)
    assert r.status_code == 303 and r.headers["location"] == "/ui/"
    cookie = r.cookies.get("flagstone_ui")
    assert cookie and "httponly" in r.headers["set-cookie"].lower()
    assert "al-batch-1" in client.get("/ui/").text
    page = client.get("/ui/queue/al-batch-1").text
    assert TEXTS[0] in page
    assert "Content that is harassment as this test policy defines it." in page
    assert "news reporting about hate" in page  # excludes shown beside the item
    r = client.post("/ui/queue/al-batch-1", data={"csrf": _csrf(page), "item_key": text_key(TEXTS[0]),
                                                  "category": ["harassment", "violence"], "action": "submit"},
                    follow_redirects=False)
    assert r.status_code == 303
    with store.connect() as conn:
        rows = conn.execute(select(labels.c.category, labels.c.value, annotators.c.name)
                            .join(annotators, annotators.c.id == labels.c.annotator_id)).all()
    assert {r.category for r in rows if r.value} == {"harassment", "violence"} and {r.name for r in rows} == {"ann"}
    assert TEXTS[1] in client.get("/ui/queue/al-batch-1").text


def test_label_post_without_csrf_stores_nothing(env):
    client, store = env
    login(client)
    r = client.post("/ui/queue/al-batch-1", data={"item_key": text_key(TEXTS[0]), "category": "hate"})
    assert r.status_code == 403 and "CSRF" in r.text
    with store.connect() as conn:
        assert conn.execute(select(labels.c.id)).first() is None


def test_viewer_cannot_label_and_only_admins_see_statistics(env):
    client, store = env
    login(client, "vic")
    page = client.get("/ui/queue/al-batch-1").text
    assert "can look but not label" in page
    r = client.post("/ui/queue/al-batch-1", data={"csrf": _csrf(page), "item_key": text_key(TEXTS[0])})
    assert r.status_code == 403
    assert client.get("/ui/admin").status_code == 403
    client.cookies.clear()
    login(client, "ada")
    admin = client.get("/ui/admin")
    assert admin.status_code == 200 and "accuracy on gold" in admin.text
    r = client.post("/ui/admin/users", data={"csrf": _csrf(admin.text), "username": "newbie",
                                             "password": PASSWORD, "role": "annotator"})
    assert r.status_code == 200 and "Created newbie" in r.text
    r = client.post("/ui/admin/users", data={"csrf": _csrf(admin.text), "username": "newbie",
                                             "password": PASSWORD, "role": "annotator"})
    assert r.status_code == 409 and "already exists" in r.text


def test_tampered_cookie_is_treated_as_logged_out(env):
    client, _ = env
    login(client)
    value = client.cookies.get("flagstone_ui")
    client.cookies.clear()
    client.cookies.set("flagstone_ui", value[:-3] + "abc", path="/ui")
    assert client.get("/ui/", follow_redirects=False).status_code == 303


def test_relabel_request_names_the_changed_category(env):
    from flagstone.store.engine import utcnow
    from flagstone.store.tables import label_queue

    client, store = env
    with store.begin() as conn:
        conn.execute(label_queue.insert().values(queue="relabel", item_key=text_key(TEXTS[1]), category="hate",
                                                 reason="relabel", priority=1.0, status="pending",
                                                 created_at=utcnow()))
    login(client)
    page = client.get("/ui/queue/relabel").text
    assert TEXTS[1] in page and "the policy for <strong>hate</strong> changed" in page


def test_item_text_is_escaped(env):
    from flagstone.store.engine import utcnow
    from flagstone.store.tables import items, label_queue

    client, store = env
    evil = "<script>alert('x')</script>"
    with store.begin() as conn:
        conn.execute(items.insert().values(key=text_key(evil), text=evil, created_at=utcnow()))
        conn.execute(label_queue.insert().values(queue="evil", item_key=text_key(evil), reason="redteam",
                                                 priority=1.0, status="pending", created_at=utcnow()))
    login(client)
    page = client.get("/ui/queue/evil").text
    assert "&lt;script&gt;alert(" in page and evil not in page


def _stored(store):
    with store.connect() as conn:
        return conn.execute(select(labels.c.item_key, labels.c.category, labels.c.value)).all()


def test_an_empty_submit_is_refused_and_the_form_comes_back_with_what_was_typed(env):
    client, store = env
    login(client)
    page = client.get("/ui/queue/al-batch-1").text
    r = client.post("/ui/queue/al-batch-1", data={"csrf": _csrf(page), "item_key": text_key(TEXTS[0]),
                                                  "comment": "thinking about it", "action": "submit"})
    assert r.status_code == 400
    assert "none of these" in r.text and 'id="error"' in r.text
    assert TEXTS[0] in r.text and "thinking about it</textarea>" in r.text  # same item, comment kept
    assert _stored(store) == []
    r = client.post("/ui/queue/al-batch-1", data={"csrf": _csrf(page), "item_key": text_key(TEXTS[0]),
                                                  "none": "1", "action": "submit"}, follow_redirects=False)
    assert r.status_code == 303
    assert {v for _, _, v in _stored(store)} == {0} and len(_stored(store)) == 13


def test_a_refused_form_and_the_edit_page_keep_none_of_these_ticked(env):
    # The template once read a context variable called "none", which Jinja takes for its None literal.
    client, store = env
    login(client)
    page = client.get("/ui/queue/al-batch-1").text
    key = text_key(TEXTS[0])
    r = client.post("/ui/queue/al-batch-1", data={"csrf": _csrf(page), "item_key": key, "none": "1",
                                                  "category": "hate", "action": "submit"})
    assert r.status_code == 400 and _stored(store) == []  # both chosen: refused, shown again as chosen
    assert 'id="none" data-key="n" checked' in r.text and 'value="hate" data-key="3" id="cat-2" checked' in r.text
    client.post("/ui/queue/al-batch-1", data={"csrf": _csrf(r.text), "item_key": key, "none": "1"})
    assert 'id="none" data-key="n" checked' in client.get(f"/ui/edit/{key}").text


def test_undo_and_edit_over_http(env):
    client, store = env
    login(client)
    page = client.get("/ui/queue/al-batch-1").text
    key = text_key(TEXTS[0])
    r = client.post("/ui/queue/al-batch-1", data={"csrf": _csrf(page), "item_key": key, "category": "hate"})
    assert r.status_code == 200 and 'id="saved"' in r.text and "Undo" in r.text and TEXTS[1] in r.text
    r = client.post("/ui/undo", data={"csrf": _csrf(r.text), "item_key": key, "queue": "al-batch-1"})
    assert r.status_code == 200 and TEXTS[0] in r.text and _stored(store) == []  # back in the queue
    client.post("/ui/queue/al-batch-1", data={"csrf": _csrf(r.text), "item_key": key, "category": "hate"})
    edit = client.get(f"/ui/edit/{key}")
    assert edit.status_code == 200 and 'value="hate" data-key="3" id="cat-2" checked' in edit.text
    r = client.post(f"/ui/edit/{key}", data={"csrf": _csrf(edit.text), "category": "harassment"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/ui/history?edited={key}"
    assert {c for _, c, v in _stored(store) if v} == {"harassment"} and len(_stored(store)) == 13
    history = client.get(f"/ui/history?edited={key}").text
    assert 'id="edited"' in history and f"/ui/edit/{key}" in history


def test_home_shows_progress_per_queue(env):
    client, _ = env
    login(client)
    page = client.get("/ui/queue/al-batch-1").text
    assert "You have labelled 0 of 4 items in this queue; 4 left for you." in page
    client.post("/ui/queue/al-batch-1", data={"csrf": _csrf(page), "item_key": text_key(TEXTS[0]), "none": "1"})
    home = client.get("/ui/").text
    row = home[home.index('data-queue="al-batch-1"'):]
    cells = dict(re.findall(r'<td class="(mine|left|pending|total)"[^>]*>(\d+)</td>', row)[:4])
    assert cells == {"mine": "1", "left": "3", "pending": "3", "total": "4"}


def test_long_usernames_and_comments_get_clear_errors(env):
    client, store = env
    token = _csrf(client.get("/ui/login").text)
    r = client.post("/ui/login", data={"username": "u" * 5000, "password": PASSWORD, "csrf": token})
    assert r.status_code == 400 and "at most 64 characters" in r.text
    login(client, "ada")
    admin = client.get("/ui/admin").text
    r = client.post("/ui/admin/users", data={"csrf": _csrf(admin), "username": "n" * 5000, "password": PASSWORD,
                                             "role": "annotator"})
    assert r.status_code == 400 and "at most 64 characters" in r.text
    page = client.get("/ui/queue/al-batch-1").text
    r = client.post("/ui/queue/al-batch-1", data={"csrf": _csrf(page), "item_key": text_key(TEXTS[0]),
                                                  "category": "hate", "comment": "x" * 100_000})
    assert r.status_code == 400 and "at most 5000 characters" in r.text
    assert _stored(store) == []
