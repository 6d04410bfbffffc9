"""The one extension point of red-teaming: an :class:`Attack` turns a seed text into an attacked text.

An attack is a small declarative class, registered once with :func:`register_attack`::

    @register_attack
    class Leetspeak(Attack):
        name = "leetspeak"
        family = "character"
        description = "swap letters for look-alike digits and symbols (kill -> k1ll)"

        def apply(self, text: str, rng: random.Random) -> str: ...

``targets`` says which seed items it is applied to: ``"positive"`` attacks try to hide a flagged
positive (a success is a positive that is no longer flagged); ``"benign"`` over-flagging probes add
alarming-but-harmless wording to a benign item (a success is a benign item that becomes flagged).
Every lookup (suites, augmentation, CLI listings) is derived from the registry.
"""

from __future__ import annotations

import importlib
import pkgutil
import random
from abc import ABC, abstractmethod
from typing import Any, ClassVar, Literal

from flagstone.errors import ConfigError
from flagstone.plugins import Registry
from flagstone.policy.taxonomy import CATEGORIES

FAMILIES: tuple[str, ...] = ("character", "word", "encoding", "context", "overflag")
Target = Literal["positive", "benign"]


class Attack(ABC):
    """A transformation of one text; deterministic given the ``rng`` passed in."""

    name: ClassVar[str]
    family: ClassVar[str]
    description: ClassVar[str]
    categories: ClassVar[tuple[str, ...]] = CATEGORIES  # the categories whose positives it targets
    targets: ClassVar[Target] = "positive"
    # Whether the attacked text keeps the seed's labels in a form worth training on (augmentation).
    label_preserving: ClassVar[bool] = True

    @abstractmethod
    def apply(self, text: str, rng: random.Random) -> str:
        """Return the attacked form of ``text``."""

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in sorted(vars(self).items()) if not k.startswith("_"))
        return f"{type(self).__name__}({params})"


class Chain(Attack):
    """Several attacks applied in order (a suite entry with ``chain:``); not registered itself."""

    family = "composite"
    description = "attacks applied one after another"

    def __init__(self, name: str, attacks: list[Attack]) -> None:
        if not attacks:
            raise ConfigError(f"chain {name!r} needs at least one attack")
        families = {a.family for a in attacks}
        targets = {a.targets for a in attacks}
        if len(targets) > 1:
            raise ConfigError(f"chain {name!r} mixes positive attacks and over-flagging probes")
        self.name = name  # type: ignore[misc]
        self.attacks = attacks
        self.family = families.pop() if len(families) == 1 else "composite"  # type: ignore[misc]
        self.targets = targets.pop()  # type: ignore[misc]
        cats = set(CATEGORIES)
        for a in attacks:
            cats &= set(a.categories)
        self.categories = tuple(c for c in CATEGORIES if c in cats)  # type: ignore[misc]
        self.label_preserving = all(a.label_preserving for a in attacks)  # type: ignore[misc]

    def apply(self, text: str, rng: random.Random) -> str:
        for a in self.attacks:
            text = a.apply(text, rng)
        return text


def _check_attack(name: str, cls: type[Attack]) -> None:
    """An attack's declaration is checked once, when it registers."""
    if getattr(cls, "family", None) not in FAMILIES:
        raise TypeError(f"attack {name!r}: family must be one of {FAMILIES}")
    if not getattr(cls, "description", ""):
        raise TypeError(f"attack {name!r} must have a description")
    unknown = set(cls.categories) - set(CATEGORIES)
    if unknown or not cls.categories:
        raise TypeError(f"attack {name!r}: unknown or empty categories {sorted(unknown)}")
    if cls.targets not in ("positive", "benign"):
        raise TypeError(f"attack {name!r}: targets must be 'positive' or 'benign'")


def _import_builtin_attacks() -> None:
    # Importing each module under flagstone.redteam.attacks registers its attacks (once).
    from flagstone.redteam import attacks

    for mod in pkgutil.iter_modules(attacks.__path__):
        if not mod.name.startswith("_"):
            importlib.import_module(f"{attacks.__name__}.{mod.name}")


ATTACKS: Registry[type[Attack]] = Registry("attack", load=_import_builtin_attacks, check=_check_attack)


def register_attack(cls: type[Attack]) -> type[Attack]:
    """Class decorator: add an attack (named by its ``name``) to :data:`ATTACKS`."""
    return ATTACKS.register()(cls)


def available_attacks() -> dict[str, type[Attack]]:
    return ATTACKS.items()


def make_attack(name: str, params: dict[str, Any] | None = None) -> Attack:
    """Instantiate a registered attack; unknown names or parameters are a :class:`ConfigError`."""
    cls = ATTACKS.get(name)
    try:
        return cls(**(params or {}))
    except TypeError as exc:
        raise ConfigError(f"attack {name!r}: bad parameters {params!r}: {exc}") from exc
    except ValueError as exc:
        raise ConfigError(f"attack {name!r}: {exc}") from exc
