"""Server-side web sessions and sign-in throttling, shared by the labeling UI and the admin pages.

Tables (migration ``0005_web_sessions``, on the store's metadata):

    web_sessions        one row per signed-in browser: SHA-256 of the session id, realm ("ui" or
                        "admin"), subject (UI user id, API key id), expiry; deleting the row ends the
                        session at once, whatever the browser still holds
    web_login_failures  failed sign-ins by realm, subject ("user:<name>", "ip:<address>") and time

A browser holds ``<session id>.<HMAC of realm and id>``: the id is 256 random bits, the signature
refuses forged or foreign-realm tokens before the database is asked, and the database holds only
the id's hash, so a copy of the table opens no session. The cookie is never a password or an API key.
Times are epoch seconds (floats) from an injectable clock, like the abuse tables.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import secrets
import time
from collections.abc import Callable, Iterable

from sqlalchemy import Column, Engine, Float, Index, Integer, String, Table, delete, func, insert, select

from flagstone.store.tables import metadata

REALMS = ("ui", "admin")
SESSION_MAX_AGE_S = 12 * 3600
THROTTLE_LIMIT = 10  # failed sign-ins per subject ...
THROTTLE_WINDOW_S = 15 * 60  # ... within this many seconds, then 429 until the oldest one ages out

web_sessions = Table(
    "web_sessions", metadata,
    Column("id", String(64), primary_key=True),  # sha256 hex of the session id
    Column("realm", String(10), nullable=False),
    Column("subject", String(128), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Index("ix_web_sessions_realm_subject", "realm", "subject"),
)

web_login_failures = Table(
    "web_login_failures", metadata,
    Column("id", Integer, primary_key=True),
    Column("realm", String(10), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("at", Float, nullable=False),
    Index("ix_web_login_failures_realm_subject_at", "realm", "subject", "at"),
)


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode("ascii", "replace")).hexdigest()


class SessionStore:
    """Create, look up and end signed server-side sessions of one realm."""

    def __init__(self, engine: Engine, secret: str, realm: str, *, max_age_s: float = SESSION_MAX_AGE_S,
                 clock: Callable[[], float] = time.time) -> None:
        if realm not in REALMS:
            raise ValueError(f"unknown session realm {realm!r}; available: {', '.join(REALMS)}")
        if len(secret) < 16:
            raise ValueError("the session secret needs at least 16 characters")
        self.engine, self.realm, self.max_age_s, self.clock = engine, realm, max_age_s, clock
        self._key = secret.encode("utf-8")

    def _sig(self, sid: str) -> str:
        mac = hmac.new(self._key, f"{self.realm}:{sid}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def _sid(self, token: str | None) -> str | None:
        if not token or "." not in token or len(token) > 200:
            return None
        sid, sig = token.rsplit(".", 1)
        return sid if hmac.compare_digest(sig, self._sig(sid)) else None

    def create(self, subject: str) -> str:
        """A new session for ``subject``; returns the token the browser keeps."""
        sid = secrets.token_urlsafe(32)
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.expires_at <= now))  # keep the table small
            conn.execute(insert(web_sessions).values(id=_digest(sid), realm=self.realm, subject=subject,
                                                     created_at=now, expires_at=now + self.max_age_s))
        return f"{sid}.{self._sig(sid)}"

    def lookup(self, token: str | None) -> str | None:
        """The subject of a live session, or ``None`` (missing, forged, ended or expired)."""
        sid = self._sid(token)
        if sid is None:
            return None
        with self.engine.connect() as conn:
            return conn.execute(select(web_sessions.c.subject).where(
                web_sessions.c.id == _digest(sid), web_sessions.c.realm == self.realm,
                web_sessions.c.expires_at > self.clock())).scalar_one_or_none()

    def end(self, token: str | None) -> None:
        sid = self._sid(token)
        if sid is not None:
            with self.engine.begin() as conn:
                conn.execute(delete(web_sessions).where(web_sessions.c.id == _digest(sid),
                                                        web_sessions.c.realm == self.realm))

    def end_all(self, subject: str) -> int:
        """End every session of ``subject`` in this realm (password changed, key revoked); returns how many."""
        return end_sessions(self.engine, self.realm, subject)


def end_sessions(engine: Engine, realm: str, subject: str) -> int:
    with engine.begin() as conn:
        return conn.execute(delete(web_sessions).where(web_sessions.c.realm == realm,
                                                       web_sessions.c.subject == subject)).rowcount


class LoginThrottle:
    """At most ``limit`` failed sign-ins per subject in ``window_s``; counted in the database, so every
    worker process of a server shares the count."""

    def __init__(self, engine: Engine, realm: str, *, limit: int = THROTTLE_LIMIT,
                 window_s: float = THROTTLE_WINDOW_S, clock: Callable[[], float] = time.time) -> None:
        self.engine, self.realm, self.limit, self.window_s, self.clock = engine, realm, limit, window_s, clock

    def retry_after(self, subjects: Iterable[str]) -> int | None:
        """Seconds until a sign-in may be tried again, or ``None`` when no subject is over the limit."""
        now = self.clock()
        wait = 0.0
        with self.engine.connect() as conn:
            for subject in subjects:
                recent = conn.execute(
                    select(web_login_failures.c.at)
                    .where(web_login_failures.c.realm == self.realm, web_login_failures.c.subject == subject[:200],
                           web_login_failures.c.at > now - self.window_s)
                    .order_by(web_login_failures.c.at.desc()).limit(self.limit)).scalars().all()
                if len(recent) >= self.limit:  # wait until the oldest of the last `limit` failures ages out
                    wait = max(wait, recent[-1] + self.window_s - now)
        return max(1, math.ceil(wait)) if wait > 0 else None

    def record_failure(self, subjects: Iterable[str]) -> None:
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(delete(web_login_failures).where(web_login_failures.c.at <= now - self.window_s))
            conn.execute(insert(web_login_failures),
                         [dict(realm=self.realm, subject=s[:200], at=now) for s in subjects])

    def failures(self, subject: str) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(web_login_failures).where(
                web_login_failures.c.realm == self.realm, web_login_failures.c.subject == subject[:200],
                web_login_failures.c.at > self.clock() - self.window_s)).scalar_one()
