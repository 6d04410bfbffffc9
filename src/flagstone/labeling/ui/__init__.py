"""The annotators' web UI under ``/ui``: server-rendered Jinja2 pages, no front-end build.

``install_ui(app, settings, store=None)`` mounts :data:`router` on a FastAPI app; the serving layer
calls it from ``create_app``; it also mounts the admin's gold page (:mod:`~flagstone.labeling.ui.gold_routes`).
Domain logic lives in :mod:`~flagstone.labeling.ui.work` and :mod:`~flagstone.labeling.ui.gold`, machine
labels shown as suggestions in :mod:`~flagstone.labeling.ui.suggestions`, passwords, sessions and CSRF in
:mod:`~flagstone.labeling.ui.auth`.
"""

from flagstone.labeling.ui.mount import install_ui
from flagstone.labeling.ui.routes import router

__all__ = ["install_ui", "router"]
