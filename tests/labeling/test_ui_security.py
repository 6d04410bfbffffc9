"""The labeling UI against password guessing and stolen cookies, and its roles, on the app that
``flagstone serve`` builds (issue 19, point 6)."""

from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.labeling.test_ui_http import login
from tests.labeling.ui_setup import PASSWORD, TEXTS
from tests.labeling.ui_setup import csrf_token as _csrf

from flagstone.labeling.tables import ui_feedback
from flagstone.labeling.ui import auth, work
from flagstone.store.engine import utcnow
from flagstone.store.tables import items, label_queue, labels
from flagstone.text.normalize import text_key


def _signed_in(client) -> bool:
    return client.get("/ui/", follow_redirects=False).status_code == 200


def test_logout_ends_the_session_on_the_server(env):
    client, _ = env
    login(client)
    stolen = client.cookies.get("flagstone_ui")
    client.post("/ui/logout", data={"csrf": _csrf(client.get("/ui/").text)})
    assert not _signed_in(client)
    client.cookies.set("flagstone_ui", stolen, path="/ui")  # a copy of the cookie taken before logout
    assert not _signed_in(client)


def test_a_password_change_signs_out_every_other_session(env):
    client, store = env
    with TestClient(client.app) as other:
        login(client)
        login(other)
        assert _signed_in(client) and _signed_in(other)
        page = client.get("/ui/account").text
        r = client.post("/ui/account/password", data={"csrf": _csrf(page), "current": "wrong password",
                                                      "new": "a new long password"})
        assert r.status_code == 403 and _signed_in(other)  # nothing changed
        r = client.post("/ui/account/password", data={"csrf": _csrf(page), "current": PASSWORD,
                                                      "new": "a new long password"})
        assert r.status_code == 200 and "every other session was signed out" in r.text
        assert _signed_in(client) and not _signed_in(other)
    assert work.authenticate(store, "ann", PASSWORD) is None
    assert work.authenticate(store, "ann", "a new long password").username == "ann"


def test_sign_ins_are_throttled_per_username_and_per_address(env):
    client, _ = env
    for _ in range(10):
        assert login(client, "ann", "wrong password").status_code == 401
    r = login(client, "ann", PASSWORD)  # the right password, after 10 failures in the window
    assert r.status_code == 429 and 0 < int(r.headers["Retry-After"]) <= 900 and "Too many" in r.text
    assert not _signed_in(client)
    with TestClient(client.app, client=("10.9.8.7", 5000)) as elsewhere:
        assert login(elsewhere, "ann", PASSWORD).status_code == 429  # the username is throttled everywhere
        assert login(elsewhere, "ada", PASSWORD).status_code == 303  # other names from there are fine
    assert login(client, "vic", PASSWORD).status_code == 429  # and this address is throttled for every name


def test_unknown_and_known_usernames_cost_the_same_one_scrypt(env, monkeypatch):
    _, store = env
    calls = []
    real = hashlib.scrypt

    def counting(*args, **kwargs):
        calls.append(kwargs.get("n"))
        return real(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counting)
    assert work.authenticate(store, "ann", "wrong password") is None
    known = list(calls)
    calls.clear()
    assert work.authenticate(store, "nobody-here", "wrong password") is None
    assert calls == known == [auth._N]
    _, n, r, p, _, _ = auth.timing_equaliser().split("$")
    assert (int(n), int(r), int(p)) == (auth._N, auth._R, auth._P)  # same parameters, same cost


def test_viewers_cannot_skip_and_nobody_labels_outside_the_queue(env):
    client, store = env
    other = "an item of another queue"
    with store.begin() as conn:
        conn.execute(items.insert().values(key=text_key(other), text=other, created_at=utcnow()))
        conn.execute(label_queue.insert().values(queue="private", item_key=text_key(other), reason="redteam",
                                                 priority=1.0, status="pending", created_at=utcnow()))
    login(client, "vic")
    page = client.get("/ui/queue/al-batch-1").text
    r = client.post("/ui/queue/al-batch-1", data={"csrf": _csrf(page), "item_key": text_key(TEXTS[0]),
                                                  "action": "skip"})
    assert r.status_code == 403 and "cannot skip" in r.text
    client.cookies.clear()
    login(client, "ann")
    page = client.get("/ui/queue/al-batch-1").text
    for action in ("submit", "skip"):
        r = client.post("/ui/queue/al-batch-1", data={"csrf": _csrf(page), "item_key": text_key(other),
                                                      "category": "hate", "action": action})
        assert r.status_code == 403 and "not in queue" in r.text, action
    with store.connect() as conn:
        assert conn.execute(select(labels.c.id)).first() is None
        assert conn.execute(select(ui_feedback.c.id)).first() is None
    # The same item through its own queue is fine.
    page = client.get("/ui/queue/private").text
    r = client.post("/ui/queue/private", data={"csrf": _csrf(page), "item_key": text_key(other),
                                               "category": "hate"}, follow_redirects=False)
    assert r.status_code == 303
