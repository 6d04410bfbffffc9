"""API keys: shown once, stored hashed, scoped, revocable; blocked accounts are refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from flagstone.abuse import db
from flagstone.abuse.keys import KeyStore
from flagstone.errors import AuthenticationError, InvalidRequestError, NotFoundError, PermissionDeniedError


def test_create_verify_and_plaintext_never_stored(engine):
    ks = KeyStore(engine)
    plain, info = ks.create("acme", scopes=("moderate",), name="prod")
    assert plain.startswith("fsk_") and info.account == "acme" and info.active
    assert ks.verify(plain).id == info.id
    with engine.connect() as conn:
        stored = conn.execute(select(db.api_keys)).one()
    secret = plain.split("_", 2)[2]
    assert secret not in str(tuple(stored)) and len(stored.secret_hash) == 64


@pytest.mark.parametrize("bad", [None, "", "sk-openai-style", "fsk_nothing", "fsk_abcdef_wrongsecret"])
def test_missing_or_bad_key_is_authentication_error(engine, bad):
    ks = KeyStore(engine)
    ks.create("acme")
    with pytest.raises(AuthenticationError):
        ks.verify(bad)


def test_wrong_secret_for_a_real_id_is_refused(engine):
    ks = KeyStore(engine)
    plain, info = ks.create("acme")
    with pytest.raises(AuthenticationError):
        ks.verify(f"fsk_{info.id}_{'x' * 43}")


def test_revoked_key_is_refused_and_revoke_is_audited(engine):
    ks = KeyStore(engine)
    plain, info = ks.create("acme")
    assert ks.revoke(info.id, actor="alice").revoked_at is not None
    with pytest.raises(AuthenticationError):
        ks.verify(plain)
    with engine.connect() as conn:
        actions = [(r.actor, r.action) for r in conn.execute(select(db.audit).order_by(db.audit.c.id))]
    assert ("alice", "revoke_key") in actions and ("cli", "create_key") in actions


def test_scope_and_blocked_account_are_permission_errors(engine):
    ks = KeyStore(engine)
    plain, _ = ks.create("acme", scopes=("admin",))
    with pytest.raises(PermissionDeniedError):
        ks.verify(plain, scope="moderate")
    assert ks.verify(plain, scope="admin").account == "acme"
    ks.set_blocked("acme", True, reason="abuse")
    with pytest.raises(PermissionDeniedError, match="blocked"):
        ks.verify(plain, scope="admin")


def test_bad_inputs_get_clear_errors(engine):
    ks = KeyStore(engine)
    with pytest.raises(InvalidRequestError, match="available"):
        ks.create("acme", scopes=("root",))
    with pytest.raises(InvalidRequestError):
        ks.create("")
    with pytest.raises(NotFoundError):
        ks.revoke("nope")
    with pytest.raises(InvalidRequestError, match="unknown categories"):
        ks.tighten("acme", {"spam": 0.1})
    assert ks.list() == []  # nothing was created by the failed calls


def test_list_filters_and_tighten_only_lowers(engine):
    ks = KeyStore(engine)
    _, a = ks.create("a")
    _, b = ks.create("b")
    ks.revoke(b.id)
    assert [k.id for k in ks.list()] == [a.id, b.id]
    assert [k.id for k in ks.list(include_revoked=False)] == [a.id]
    assert [k.id for k in ks.list("b")] == [b.id]
    assert ks.tighten("a", {"hate": 0.3}) == {"hate": 0.3}
    assert ks.tighten("a", {"hate": 0.6}) == {"hate": 0.3}
