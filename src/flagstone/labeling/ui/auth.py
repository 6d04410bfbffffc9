"""Passwords, signed session cookies and CSRF tokens, with the standard library only.

* passwords: ``scrypt$n$r$p$salt$hash`` (hashlib.scrypt, random 16-byte salt), compared in constant time;
  :func:`timing_equaliser` is a hash to check when the username is unknown, so both cases cost one scrypt;
* sessions: ``payload.signature`` where the payload is base64 JSON ``{"sid", "nonce", "exp"}`` and the
  signature is HMAC-SHA256 with the server's secret. ``sid`` is the token of a server-side session
  (:class:`flagstone.store.sessions.SessionStore`, realm ``ui``), which logout and a password change
  delete; an anonymous session (the login form's) has ``sid`` null;
* CSRF: every form carries ``HMAC(secret, "csrf" + session nonce)``; a POST without the token of the
  session it arrives with is refused (the attacker's page cannot read the victim's cookie).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise ValueError("a password has at least 8 characters")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


# The hash of a random password that was thrown away, with today's parameters: checking a password
# against it when the username is unknown costs one scrypt, as for a known name (a test keeps the
# parameters in step with _N, _R, _P).
_UNKNOWN_USER_HASH = ("scrypt$16384$8$1$3e4b30d8e1b6239fdf5bf707c135ac89$"
                      "10f5d53f9785e17b51e1c3621370a4f99e1bc94556ad5b5cd887f9ddf7251705")


def timing_equaliser() -> str:
    """The hash to check when a username is unknown: same cost as a real one, matches no password."""
    return _UNKNOWN_USER_HASH


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(bytes.fromhex(digest)))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, bytes.fromhex(digest))


@dataclass(frozen=True)
class Session:
    sid: str | None  # server-side session token; None before login
    nonce: str
    exp: float


class Signer:
    def __init__(self, secret: str, max_age_s: float = 12 * 3600) -> None:
        if len(secret) < 16:
            raise ValueError("the UI secret key needs at least 16 characters")
        self._key = secret.encode("utf-8")
        self.max_age_s = max_age_s

    def _sig(self, data: bytes) -> str:
        return base64.urlsafe_b64encode(hmac.new(self._key, data, hashlib.sha256).digest()).decode().rstrip("=")

    def new_session(self, sid: str | None) -> Session:
        return Session(sid, secrets.token_urlsafe(16), time.time() + self.max_age_s)

    def dump(self, s: Session) -> str:
        payload = base64.urlsafe_b64encode(json.dumps({"sid": s.sid, "nonce": s.nonce, "exp": s.exp}).encode())
        return payload.decode() + "." + self._sig(payload)

    def load(self, cookie: str | None) -> Session | None:
        """The session in a cookie, or ``None`` when it is missing, forged, malformed or expired."""
        if not cookie or "." not in cookie:
            return None
        payload, sig = cookie.rsplit(".", 1)
        if not hmac.compare_digest(sig, self._sig(payload.encode())):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(payload.encode()))
            sid = data["sid"]
            s = Session(sid if isinstance(sid, str) else None, str(data["nonce"]), float(data["exp"]))
        except (ValueError, KeyError, TypeError):
            return None
        return s if s.exp > time.time() else None

    def csrf_token(self, s: Session) -> str:
        return self._sig(b"csrf" + s.nonce.encode())

    def check_csrf(self, s: Session, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(token, self.csrf_token(s))
