"""OpenAPI document that matches what the server really returns, and API docs that work offline.

FastAPI documents a 422 ``HTTPValidationError`` on every route with parameters, but this server
answers validation errors with 400 in OpenAI's envelope (see ``serving.errors``); drop the 422s.

FastAPI's own ``/docs`` and ``/redoc`` pages load Swagger UI, ReDoc, their fonts and a favicon from
CDNs, so they are blank on a machine without internet. Here they load the same bundles from the
``fastapi-offline`` package (MIT; it ships Swagger UI, Apache-2.0, and ReDoc, MIT, unmodified), served
under ``/static/docs/``, without Google Fonts; the favicon is ours (``serving/static/``, package data).
No page of the server loads anything from another origin (``tests/serving/test_pages_browser.py``).
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC = "/static"
DOCS_ASSETS = "/static/docs"
FAVICON = "/static/favicon.svg"
# Swagger UI would ask swagger.io's online validator about the spec; nothing leaves the server.
SWAGGER_PARAMETERS = {"validatorUrl": None, "tryItOutEnabled": True}
# The pages may load from this server only. ReDoc's sidebar asks a CDN for Redocly's logo (hard-coded
# in the bundle; the image hides itself when it fails), so the policy is what keeps it offline.
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
            "frame-ancestors 'self'")


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(title=app.title, version=app.version, description=app.description,
                               routes=app.routes)
            for path in spec.get("paths", {}).values():
                for op in path.values():
                    op.get("responses", {}).pop("422", None)
            for name in ("HTTPValidationError", "ValidationError"):
                spec.get("components", {}).get("schemas", {}).pop(name, None)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    install_docs(app)


def _same_origin(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = DOCS_CSP
    return page


def install_docs(app: FastAPI) -> None:
    """Replace FastAPI's CDN-backed ``/docs`` and ``/redoc`` with pages whose assets this server serves."""
    docs, redoc, oauth = app.docs_url or "/docs", app.redoc_url or "/redoc", app.swagger_ui_oauth2_redirect_url
    app.router.routes[:] = [r for r in app.router.routes if getattr(r, "path", None) not in (docs, redoc, oauth)]
    bundles = files("fastapi_offline") / "static"
    app.mount(DOCS_ASSETS, StaticFiles(directory=str(bundles)), name="docs-assets")
    app.mount(STATIC, StaticFiles(directory=str(files("flagstone.serving") / "static")), name="static")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get(docs, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return _same_origin(get_swagger_ui_html(openapi_url=openapi_url, title=f"{app.title} API · Swagger UI",
                                   swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css", swagger_favicon_url=FAVICON,
                                   oauth2_redirect_url=oauth, swagger_ui_parameters=SWAGGER_PARAMETERS))

    if oauth:
        @app.get(oauth, include_in_schema=False)
        async def swagger_ui_redirect() -> HTMLResponse:
            return get_swagger_ui_oauth2_redirect_html()

    @app.get(redoc, include_in_schema=False)
    async def redoc_page() -> HTMLResponse:
        return _same_origin(get_redoc_html(openapi_url=openapi_url, title=f"{app.title} API · ReDoc",
                              redoc_js_url=f"{DOCS_ASSETS}/redoc.standalone.js", redoc_favicon_url=FAVICON,
                              with_google_fonts=False))

    icon = files("flagstone.serving") / "static" / "favicon.ico"

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> FileResponse:
        return FileResponse(str(icon), media_type="image/x-icon", headers={"Cache-Control": "public, max-age=86400"})
