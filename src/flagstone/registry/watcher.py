"""Serve whatever the registry says is in production, without a restart.

:class:`RegistryWatcher` polls the production pointer; when it names a version other than the one
being served, it loads that artifact (hash-verified, off the event loop) and swaps it into the
:class:`~flagstone.serving.holder.ModelHolder` in one reference assignment, logging the old and new
versions. In-flight batches finish on the model they started with, so a promotion or rollback fails
no request. A version that fails to load is logged once and skipped (the current model keeps
serving) until the pointer moves again.

A server follows the registry by default (``registry_poll_seconds``, 5 s) wherever the store already
exists: :func:`open_registry` reuses the abuse tables' engine when there is one and never creates a
database; :func:`follow` serves the production model at start-up, falling back to ``model_dir`` when
nothing is in production or it cannot load.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from flagstone.errors import FlagstoneError, ServiceUnavailableError
from flagstone.models.base import Moderator
from flagstone.models.kinds import load_model
from flagstone.registry.store import ModelRegistry

log = logging.getLogger(__name__)


class RegistryWatcher:
    def __init__(self, registry: ModelRegistry, holder, *, loader: Callable[[Path], Moderator] = load_model) -> None:
        self.registry, self.holder, self.loader = registry, holder, loader
        self._failed: str | None = None
        self.swaps = 0

    def _serving(self) -> str | None:
        try:
            return self.holder.current.info.version
        except ServiceUnavailableError:
            return None

    def check(self) -> str | None:
        """One poll: swap in the production version if it is not served yet; return it if swapped."""
        prod = self.registry.production()
        old = self._serving()
        if prod is None or prod.version == old or prod.version == self._failed:
            return None
        try:
            model = self.loader(prod.path)
            if model.info.version != prod.version:
                raise FlagstoneError(f"artifact at {prod.path} is version {model.info.version[:12]} now, "
                                     f"not the registered {prod.short} (edited after registration?)")
        except FlagstoneError as exc:
            self._failed = prod.version
            log.error("cannot serve production model %s: %s; keeping the current model", prod.short, exc.message)
            return None
        self._failed = None
        self.holder.swap(model)
        self.swaps += 1
        log.info("registry: now serving %s (%s), swapped from %s", prod.short, prod.name,
                 old[:12] if old else "no model")
        return prod.version

    async def run(self, interval: float) -> None:
        """Poll every ``interval`` seconds until cancelled; a failing poll is logged, never fatal."""
        while True:
            try:
                await asyncio.to_thread(self.check)
            except Exception as exc:  # a database hiccup must not stop the watcher
                log.warning("registry poll failed: %s", exc)
            await asyncio.sleep(interval)


def open_registry(settings, engine=None) -> ModelRegistry | None:
    """The registry of ``settings``' store, or None where there is no store yet (none is created).

    ``engine``: an engine already open on the same database (the abuse tables'), reused as is.
    """
    from flagstone.store import open_store
    from flagstone.store.engine import Store

    if engine is not None:
        return ModelRegistry(Store(engine=engine, data_dir=settings.data_dir))
    url = settings.resolved_database_url
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).is_file():
        log.info("no store at %s: serving %s, not following a registry", url, settings.model_dir)
        return None
    return ModelRegistry(open_store(settings))


async def follow(holder, settings, *, engine=None, load_model_dir: Callable[[], Awaitable[None]] | None = None,
                 on_start: Callable[[RegistryWatcher], None] = lambda w: None,
                 settle: Callable[[], None] = lambda: None) -> None:
    """Serve the production model (else ``load_model_dir()``), then poll until cancelled.

    ``on_start`` gets the watcher once the store is open; ``settle`` runs after a production model
    was swapped in at start-up (``load_model_dir`` settles its own).
    """
    try:
        registry = await asyncio.to_thread(open_registry, settings, engine)
    except FlagstoneError as exc:
        log.error("cannot open the model registry: %s; serving %s", exc.message, settings.model_dir)
        registry = None
    if registry is None:
        if load_model_dir is not None:
            await load_model_dir()
        return
    watcher = RegistryWatcher(registry, holder)
    on_start(watcher)
    try:
        try:
            swapped = await asyncio.to_thread(watcher.check)
        except Exception as exc:  # the store is unreachable: serve model_dir, keep polling
            log.warning("registry poll failed: %s", exc)
            swapped = None
        if swapped is not None:
            settle()
        elif load_model_dir is not None:
            await load_model_dir()
        log.info("following the registry's production pointer every %g s", settings.registry_poll_seconds)
        await asyncio.sleep(settings.registry_poll_seconds)
        await watcher.run(settings.registry_poll_seconds)
    finally:
        if engine is None:
            registry.store.dispose()
