"""Arrow transformation primitives: pure, deterministic, order-independent."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from flagstone.data.transforms import dedup, filter_rows, map_column, relabel, sample, split
from flagstone.errors import InvalidRequestError


@pytest.fixture
def table():
    return pa.table({"key": [f"k{i}" for i in range(100)], "text": [f"t{i}" for i in range(100)],
                     "group": [f"g{i // 2}" for i in range(100)],
                     "hate": pa.array([i % 2 for i in range(100)], pa.int8())})


def test_filter_and_map(table):
    assert filter_rows(table, pc.field("hate") == 1).num_rows == 50
    assert filter_rows(table, lambda t: pc.equal(t.column("key"), "k3")).column("text").to_pylist() == ["t3"]
    assert map_column(table, "text", str.upper).column("text")[0].as_py() == "T0"
    assert map_column(table, "text", len, output="n").column("n")[0].as_py() == 2


def test_dedup_keeps_first(table):
    doubled = pa.concat_tables([table, table])
    assert dedup(doubled).equals(table)


def test_sample_is_deterministic_and_order_independent(table):
    a = sample(table, 10, seed=3)
    b = sample(table.take(pa.array(list(range(99, -1, -1)))), 10, seed=3)
    assert a.num_rows == 10 and set(a.column("key").to_pylist()) == set(b.column("key").to_pylist())
    assert sample(table, 10, seed=4).column("key").to_pylist() != a.column("key").to_pylist()
    with pytest.raises(InvalidRequestError):
        sample(table, -1)


def test_split_keeps_groups_together_and_uses_all_splits(table):
    t = split(table)
    by_group = {}
    for g, s in zip(t.column("group").to_pylist(), t.column("split").to_pylist(), strict=True):
        by_group.setdefault(g, set()).add(s)
    assert all(len(s) == 1 for s in by_group.values())
    assert set(t.column("split").to_pylist()) >= {"train", "test"}
    with pytest.raises(InvalidRequestError, match="sum to 1"):
        split(table, splits=[("train", 0.5)])


def test_relabel_changes_only_given_keys(table):
    t = relabel(table, "hate", {"k0": 1, "k1": None})
    assert t.column("hate").to_pylist()[:3] == [1, None, 0]
    assert t.column("hate").type == pa.int8()
    with pytest.raises(InvalidRequestError):
        relabel(table, "hate", {"k0": 2})


def test_record_batches_accepted(table):
    batch = table.to_batches()[0]
    assert dedup(batch).num_rows == 100
    with pytest.raises(InvalidRequestError, match="missing columns"):
        dedup(batch, key="nope")
