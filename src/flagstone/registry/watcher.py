"""Serve whatever the registry says is in production, without a restart.

:class:`RegistryWatcher` polls the production pointer; when it names a version other than the one
being served, it loads that artifact (hash-verified, off the event loop) and swaps it into the
:class:`~flagstone.serving.holder.ModelHolder` in one reference assignment. In-flight batches finish
on the model they started with, so a promotion or rollback fails no request. A version that fails to
load is logged once and skipped (the current model keeps serving) until the pointer moves again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from flagstone.errors import FlagstoneError, ServiceUnavailableError
from flagstone.models.base import Moderator
from flagstone.models.registry import load_model
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
        if prod is None or prod.version == self._serving() or prod.version == self._failed:
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
        log.info("now serving %s (%s) from the registry", prod.short, prod.name)
        return prod.version

    async def run(self, interval: float) -> None:
        """Poll every ``interval`` seconds until cancelled; a failing poll is logged, never fatal."""
        while True:
            try:
                await asyncio.to_thread(self.check)
            except Exception as exc:  # a database hiccup must not stop the watcher
                log.warning("registry poll failed: %s", exc)
            await asyncio.sleep(interval)


def start_watching(holder, settings, *, after: asyncio.Task | None = None
                   ) -> tuple[asyncio.Task, RegistryWatcher]:
    """Open the store named by ``settings`` and poll it every ``settings.registry_poll_seconds``.

    ``after`` (the startup load of ``settings.model_dir``) finishes first, so it cannot overwrite
    the production model the watcher swapped in.
    """
    from flagstone.store import open_store

    watcher = RegistryWatcher(ModelRegistry(open_store(settings)), holder)

    async def _run() -> None:
        if after is not None:
            await asyncio.gather(after, return_exceptions=True)
        await watcher.run(settings.registry_poll_seconds)

    return asyncio.create_task(_run()), watcher
