"""The generic plugin registry, and the registries built on it."""

from __future__ import annotations

import pytest

from flagstone.errors import ConfigError, ModelError, NotFoundError
from flagstone.plugins import Registry


def test_register_get_names_and_unknown_names_list_what_is_available():
    loads = []
    reg: Registry[type] = Registry("widget", error=NotFoundError, load=lambda: loads.append(1))

    @reg.register()
    class Blue:
        name = "blue"

    reg.register("red")(int)
    assert reg.get("blue") is Blue and reg.get("red") is int
    assert reg.names() == ["blue", "red"] and "red" in reg and "green" not in reg
    with pytest.raises(NotFoundError, match="unknown widget 'green'; available: blue, red"):
        reg.get("green")
    with pytest.raises(NotFoundError, match="^f.yaml: unknown widget"):
        reg.get("green", where="f.yaml")
    assert loads == [1]  # built-ins are imported once, on the first lookup


def test_duplicates_nameless_and_bad_plugins_fail_at_registration():
    def check(name, obj):
        if not callable(obj):
            raise TypeError(f"{name} is not callable")

    reg: Registry[object] = Registry("thing", check=check)
    reg.register("a")(len)
    reg.register("a")(len)  # the same object again is harmless (a module imported twice)
    with pytest.raises(TypeError, match="thing 'a' registered twice"):
        reg.register("a")(min)
    with pytest.raises(TypeError, match="must have a non-empty name"):
        reg.register()(max)
    with pytest.raises(TypeError, match="b is not callable"):
        reg.register("b")(3)
    with pytest.raises(ConfigError, match="available: a$"):  # ConfigError by default
        reg.get("zzz")


def test_every_extension_point_is_a_registry_with_the_same_unknown_name_error():
    from flagstone.abuse.rules import RULE_KINDS
    from flagstone.active.strategies import STRATEGIES
    from flagstone.images.base import IMAGE_MODELS
    from flagstone.models.kinds import KINDS
    from flagstone.redteam.base import ATTACKS
    from flagstone.scale.base import ENGINES

    for reg, error, member in ((ATTACKS, ConfigError, "rot13"), (STRATEGIES, NotFoundError, "random"),
                               (IMAGE_MODELS, ConfigError, "null"), (KINDS, ModelError, "ensemble"),
                               (RULE_KINDS, ConfigError, "flag_count"), (ENGINES, ConfigError, "local")):
        assert isinstance(reg, Registry) and member in reg.names()
        with pytest.raises(error, match=rf"unknown {reg.kind} 'nope'; available: .*{member}"):
            reg.get("nope")
