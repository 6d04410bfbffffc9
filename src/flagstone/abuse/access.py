"""Who may call which route of the server: one table, checked on every request, closed by default.

``required_scope(path)`` answers for a request path:

- ``None`` for the public pages (playground, health, the API docs) and for the two route families that
  authenticate people themselves (the labeling UI under ``/ui`` with its own accounts and sessions, and
  the admin pages under ``/admin``, which ask for an ``admin`` key or admin session);
- ``"moderate"`` for OpenAI's routes (``/v1/moderations``, ``/v1/models``) and the extensions that
  only describe the served model;
- ``"admin"`` for every other path: an extension that exposes traffic (``/v1/flagstone/shadow``
  returns recent texts) or any route added later and not listed here. A new route therefore ships
  closed until someone decides otherwise; ``tests/abuse/test_access.py`` walks every route of the app
  that ``flagstone serve`` builds and checks it against this table.

Keys are checked only when ``settings.auth_required`` (a non-loopback bind or ``auth_enabled``); with
keys switched off on a public address (``abuse_enabled=false``), admin-scope routes are refused outright,
since nothing could tell an operator from anyone else.
"""

from __future__ import annotations

PUBLIC_PATHS = frozenset({"/", "/healthz", "/readyz", "/docs", "/docs/oauth2-redirect", "/redoc",
                          "/openapi.json", "/favicon.ico"})
# Route families that check their own users (sessions, login forms); their tests cover them.
SELF_AUTHENTICATED_PREFIXES = ("/ui/", "/admin/")
SELF_AUTHENTICATED = frozenset({"/ui", "/admin"})
MODERATE_PATHS = frozenset({"/v1/moderations", "/v1/models", "/v1/flagstone/model"})
MODERATE_PREFIXES = ("/v1/models/",)
PUBLIC_PREFIXES = ("/static/",)


def required_scope(path: str) -> str | None:
    """The key scope a request to ``path`` needs when auth is on (``None``: no key)."""
    if path in PUBLIC_PATHS or path in SELF_AUTHENTICATED or path.startswith(PUBLIC_PREFIXES):
        return None
    if path.startswith(SELF_AUTHENTICATED_PREFIXES):
        return None
    if path in MODERATE_PATHS or path.startswith(MODERATE_PREFIXES):
        return "moderate"
    return "admin"


class KeysOffGuard:
    """With API keys switched off on a public address: refuse the admin-scope routes (403)."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app = app

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] == "http" and required_scope(scope["path"]) == "admin":
            from starlette.responses import JSONResponse

            from flagstone.errors import PermissionDeniedError

            exc = PermissionDeniedError("This route exposes traffic and needs an admin API key, but API keys "
                                        "are off (abuse_enabled=false) on a non-loopback address.")
            await JSONResponse(exc.to_envelope(), status_code=exc.status)(scope, receive, send)
            return
        await self.app(scope, receive, send)
