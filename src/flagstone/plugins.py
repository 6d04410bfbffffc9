"""One small registry for every extension point (attacks, strategies, model kinds, image models...).

    ATTACKS: Registry[type[Attack]] = Registry("attack", load=_import_builtin_attacks)

    @ATTACKS.register()          # the name comes from the class's ``name``; or register("rot13")
    class Rot13(Attack): ...

    ATTACKS.get("rot13")         # unknown names raise ``error`` listing what is available
    ATTACKS.names()              # sorted

``load`` imports the modules that hold the built-in plugins, once, on the first lookup, so a registry
is complete whichever module asked first. ``check`` validates a plugin when it registers (a bad
declaration fails at import, not at first use). Registering another object under a taken name is a
``TypeError`` (a programming error, not a user's).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from flagstone.errors import ConfigError, FlagstoneError

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, kind: str, *, error: type[FlagstoneError] = ConfigError,
                 load: Callable[[], None] | None = None, check: Callable[[str, T], None] | None = None) -> None:
        self.kind = kind
        self._error = error
        self._load = load
        self._check = check
        self._loaded = load is None
        self._items: dict[str, T] = {}

    def register(self, name: str | None = None) -> Callable[[T], T]:
        """Decorator adding a plugin under ``name`` (default: its ``name`` attribute)."""
        def deco(obj: T) -> T:
            self.add(name if name is not None else getattr(obj, "name", None), obj)
            return obj

        return deco

    def add(self, name: str | None, obj: T) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"{self.kind} {obj!r} must have a non-empty name")
        if name in self._items and self._items[name] != obj:
            raise TypeError(f"{self.kind} {name!r} registered twice")
        if self._check is not None:
            self._check(name, obj)
        self._items[name] = obj

    def _ensure_loaded(self) -> None:
        if not self._loaded:
            self._loaded = True  # before loading: the modules it imports call register()
            assert self._load is not None
            self._load()

    def get(self, name: str, *, where: str | None = None) -> T:
        """The plugin ``name``; unknown names raise the registry's error (prefixed by ``where``)."""
        self._ensure_loaded()
        if name not in self._items:
            prefix = f"{where}: " if where else ""
            raise self._error(f"{prefix}unknown {self.kind} {name!r}; available: "
                              f"{', '.join(self.names()) or 'none'}")
        return self._items[name]

    def names(self) -> list[str]:
        self._ensure_loaded()
        return sorted(self._items)

    def items(self) -> dict[str, T]:
        self._ensure_loaded()
        return dict(sorted(self._items.items()))

    def __contains__(self, name: object) -> bool:
        self._ensure_loaded()
        return name in self._items
