"""The model currently served, held so that it can be swapped atomically without a restart.

A batch takes ``holder.current`` once and scores with that model, so a swap never mixes two models
inside one response; the next batch uses the new model.
"""

from __future__ import annotations

import threading

from flagstone.errors import ServiceUnavailableError
from flagstone.models.base import Moderator


class ModelHolder:
    """``threads``: inference threads given to every model swapped in (``configure``);
    0 leaves the runtime's default (one per core), right for one server process; with several worker
    processes each should get its share of the cores (``flagstone serve --workers`` sets it)."""

    def __init__(self, model: Moderator | None = None, *, threads: int = 0) -> None:
        self._lock = threading.Lock()
        self.threads = threads
        self._model = model
        self.load_error: str | None = None

    @property
    def ready(self) -> bool:
        return self._model is not None

    @property
    def current(self) -> Moderator:
        model = self._model
        if model is None:
            reason = f": {self.load_error}" if self.load_error else "; retry shortly"
            raise ServiceUnavailableError(f"the model is not loaded yet{reason}")
        return model

    def swap(self, model: Moderator) -> Moderator | None:
        """Serve ``model`` from now on; return the model it replaces."""
        if not isinstance(model, Moderator):
            raise TypeError(f"{type(model).__name__} does not implement Moderator")
        configure = getattr(model, "configure", None)
        if self.threads and callable(configure):
            configure(threads=self.threads)
        with self._lock:
            old, self._model = self._model, model
            self.load_error = None
        return old
