"""The UI over HTTP (FastAPI TestClient): login, CSRF, roles, labeling through forms."""

from __future__ import annotations

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
