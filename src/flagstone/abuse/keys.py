"""Accounts and API keys: shown once, stored hashed, scoped, revocable.

A key reads ``fsk_<id>_<secret>``. Only ``id`` and SHA-256(secret) are stored; the secret has 256 bits
of entropy, so a fast hash is enough (no password stretching needed) and verification is one lookup
by id plus a constant-time compare.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from flagstone.abuse import db
from flagstone.errors import AuthenticationError, InvalidRequestError, NotFoundError, PermissionDeniedError

SCOPES: tuple[str, ...] = ("moderate", "admin")
PREFIX = "fsk_"


@dataclass(frozen=True)
class KeyInfo:
    id: str
    account: str
    name: str
    scopes: tuple[str, ...]
    created_at: float
    revoked_at: float | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _row_to_info(row) -> KeyInfo:  # type: ignore[no-untyped-def]
    return KeyInfo(id=row.id, account=row.account, name=row.name, scopes=tuple(row.scopes.split(",")),
                   created_at=row.created_at, revoked_at=row.revoked_at)


class KeyStore:
    """Create, verify, list and revoke API keys; block and unblock accounts."""

    def __init__(self, engine: Engine, *, clock=time.time) -> None:  # type: ignore[no-untyped-def]
        self.engine = engine
        self.clock = clock

    def ensure_account(self, account: str) -> None:
        if not account or len(account) > 128:
            raise InvalidRequestError("account must be 1..128 characters", param="account")
        with self.engine.begin() as conn:
            if conn.execute(select(db.accounts.c.id).where(db.accounts.c.id == account)).first() is None:
                conn.execute(insert(db.accounts).values(id=account, created_at=self.clock(), blocked=False,
                                                        thresholds={}))

    def create(self, account: str, *, scopes: tuple[str, ...] = ("moderate",), name: str = "",
               actor: str = "cli") -> tuple[str, KeyInfo]:
        """Return ``(plaintext_key, info)``; the plaintext is never stored and cannot be shown again."""
        bad = sorted(set(scopes) - set(SCOPES))
        if bad or not scopes:
            raise InvalidRequestError(f"unknown scopes {bad or '[]'}; available: {list(SCOPES)}", param="scopes")
        self.ensure_account(account)
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(insert(db.api_keys).values(id=key_id, account=account, name=name,
                                                    secret_hash=_hash(secret), scopes=",".join(scopes),
                                                    created_at=now, revoked_at=None))
            conn.execute(insert(db.audit).values(ts=now, actor=actor, action="create_key", target=f"key:{key_id}",
                                                 details={"account": account, "scopes": list(scopes)}))
        return f"{PREFIX}{key_id}_{secret}", KeyInfo(key_id, account, name, tuple(scopes), now, None)

    def verify(self, plaintext: str | None, *, scope: str = "moderate") -> KeyInfo:
        """Return the key's info, or raise AuthenticationError / PermissionDeniedError."""
        if not plaintext:
            raise AuthenticationError("You didn't provide an API key. Pass it as 'Authorization: Bearer KEY'.")
        if not plaintext.startswith(PREFIX) or plaintext.count("_") < 2:
            raise AuthenticationError("Incorrect API key provided.")
        key_id, _, secret = plaintext[len(PREFIX):].partition("_")
        with self.engine.connect() as conn:
            row = conn.execute(select(db.api_keys, db.accounts.c.blocked)
                               .join(db.accounts, db.accounts.c.id == db.api_keys.c.account)
                               .where(db.api_keys.c.id == key_id)).first()
        # Compare even when the id is unknown, so timing does not reveal which ids exist.
        expected = row.secret_hash if row is not None else _hash("")
        ok = hmac.compare_digest(expected, _hash(secret)) and row is not None
        if not ok:
            raise AuthenticationError("Incorrect API key provided.")
        if row.revoked_at is not None or row.blocked:
            # The secret was right: the refusal is logged against its account (the client is told no more).
            exc: AuthenticationError | PermissionDeniedError = (
                AuthenticationError("Incorrect API key provided.") if row.revoked_at is not None
                else PermissionDeniedError("This account is blocked.", code="account_blocked"))
            exc.account, exc.key_id = row.account, row.id  # type: ignore[union-attr]
            raise exc
        info = _row_to_info(row)
        if scope not in info.scopes:
            raise PermissionDeniedError(f"This key lacks the {scope!r} scope.")
        return info

    def get(self, key_id: str) -> KeyInfo:
        with self.engine.connect() as conn:
            row = conn.execute(select(db.api_keys).where(db.api_keys.c.id == key_id)).first()
        if row is None:
            raise NotFoundError(f"no API key with id {key_id!r}")
        return _row_to_info(row)

    def list(self, account: str | None = None, *, include_revoked: bool = True) -> list[KeyInfo]:
        q = select(db.api_keys).order_by(db.api_keys.c.created_at, db.api_keys.c.id)
        if account:
            q = q.where(db.api_keys.c.account == account)
        if not include_revoked:
            q = q.where(db.api_keys.c.revoked_at.is_(None))
        with self.engine.connect() as conn:
            return [_row_to_info(r) for r in conn.execute(q)]

    def revoke(self, key_id: str, *, actor: str = "cli", incident_id: int | None = None) -> KeyInfo:
        info = self.get(key_id)
        if info.revoked_at is not None:
            return info  # revoking twice is harmless and keeps the first time
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(update(db.api_keys).where(db.api_keys.c.id == key_id).values(revoked_at=now))
            conn.execute(insert(db.audit).values(ts=now, actor=actor, action="revoke_key", target=f"key:{key_id}",
                                                 incident_id=incident_id, details={"account": info.account}))
        return self.get(key_id)

    def reinstate(self, key_id: str, *, actor: str = "cli", incident_id: int | None = None) -> KeyInfo:
        """Undo a revocation (recorded in the audit log with the actor, like the revocation)."""
        info = self.get(key_id)
        if info.revoked_at is None:
            return info
        with self.engine.begin() as conn:
            conn.execute(update(db.api_keys).where(db.api_keys.c.id == key_id).values(revoked_at=None))
            conn.execute(insert(db.audit).values(ts=self.clock(), actor=actor, action="reinstate_key",
                                                 target=f"key:{key_id}", incident_id=incident_id,
                                                 details={"account": info.account, "revoked_at": info.revoked_at}))
        return self.get(key_id)

    def reset_thresholds(self, account: str, categories: list[str] | None = None, *, actor: str = "cli",
                         incident_id: int | None = None) -> dict[str, float]:
        """Undo tightening: drop the account's overrides for ``categories`` (all when None)."""
        current = self.account_thresholds(account)
        kept = {c: v for c, v in current.items() if categories is not None and c not in categories}
        with self.engine.begin() as conn:
            conn.execute(update(db.accounts).where(db.accounts.c.id == account).values(thresholds=kept))
            conn.execute(insert(db.audit).values(ts=self.clock(), actor=actor, action="reset_thresholds",
                                                 target=f"account:{account}", incident_id=incident_id,
                                                 details={"before": current, "after": kept}))
        return kept

    def set_blocked(self, account: str, blocked: bool, *, reason: str = "", actor: str = "cli",
                    incident_id: int | None = None) -> None:
        self.ensure_account(account)
        with self.engine.begin() as conn:
            conn.execute(update(db.accounts).where(db.accounts.c.id == account)
                         .values(blocked=blocked, blocked_reason=reason or None))
            conn.execute(insert(db.audit).values(ts=self.clock(), actor=actor,
                                                 action="block_account" if blocked else "unblock_account",
                                                 target=f"account:{account}", incident_id=incident_id,
                                                 details={"reason": reason}))

    def is_blocked(self, account: str) -> bool:
        with self.engine.connect() as conn:
            row = conn.execute(select(db.accounts.c.blocked).where(db.accounts.c.id == account)).first()
        return bool(row and row.blocked)

    def account_thresholds(self, account: str) -> dict[str, float]:
        with self.engine.connect() as conn:
            row = conn.execute(select(db.accounts.c.thresholds).where(db.accounts.c.id == account)).first()
        return dict(row.thresholds or {}) if row else {}

    def tighten(self, account: str, thresholds: dict[str, float], *, actor: str = "cli",
                incident_id: int | None = None) -> dict[str, float]:
        """Lower (never raise) this account's thresholds; returns the account's overrides."""
        from flagstone.policy.taxonomy import CATEGORIES

        bad = sorted(set(thresholds) - set(CATEGORIES))
        if bad:
            raise InvalidRequestError(f"unknown categories {bad}; available: {list(CATEGORIES)}")
        if any(not 0.0 < v <= 1.0 for v in thresholds.values()):
            raise InvalidRequestError("thresholds must be within (0, 1]")
        self.ensure_account(account)
        current = self.account_thresholds(account)
        merged = {**current, **{c: min(v, current.get(c, 1.0)) for c, v in thresholds.items()}}
        with self.engine.begin() as conn:
            conn.execute(update(db.accounts).where(db.accounts.c.id == account).values(thresholds=merged))
            conn.execute(insert(db.audit).values(ts=self.clock(), actor=actor, action="tighten_thresholds",
                                                 target=f"account:{account}", incident_id=incident_id,
                                                 details={"thresholds": merged}))
        return merged
