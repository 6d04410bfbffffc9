"""ModelHolder: atomic swaps, and the inference threads it gives every model swapped in."""

from __future__ import annotations

import pytest

from flagstone.errors import ServiceUnavailableError
from flagstone.models.fakes import ConstantModel
from flagstone.serving.holder import ModelHolder


class Configurable(ConstantModel):
    def __init__(self) -> None:
        super().__init__(0.0)
        self.threads_seen: list[int] = []

    def configure(self, *, threads: int = 0) -> Configurable:
        self.threads_seen.append(threads)
        return self


def test_swap_returns_the_old_model_and_empty_holder_is_503():
    holder = ModelHolder()
    with pytest.raises(ServiceUnavailableError):
        holder.current  # noqa: B018
    first, second = ConstantModel(0.1), ConstantModel(0.2)
    assert holder.swap(first) is None and holder.current is first
    assert holder.swap(second) is first and holder.current is second
    with pytest.raises(TypeError):
        holder.swap(object())  # type: ignore[arg-type]


def test_threads_are_applied_to_each_model_swapped_in():
    holder = ModelHolder(threads=1)
    a, b = Configurable(), Configurable()
    holder.swap(a)
    holder.swap(b)
    assert a.threads_seen == [1] and b.threads_seen == [1]
    untouched = Configurable()
    ModelHolder(threads=0).swap(untouched)  # 0: the runtime's default, nothing to configure
    assert untouched.threads_seen == []
