"""create_app mounts the annotator UI (/ui) and the abuse admin pages (/admin) beside the API."""


def test_labeling_ui_login_page_is_served(client):
    resp = client.get("/ui/login")
    assert resp.status_code == 200
    assert "text/html" in resp.headers["content-type"]
    assert 'name="password"' in resp.text and 'name="csrf"' in resp.text


def test_ui_pages_need_a_session(client):
    resp = client.get("/ui/", follow_redirects=False)
    assert resp.status_code in (302, 303)
    assert resp.headers["location"].endswith("/ui/login")
