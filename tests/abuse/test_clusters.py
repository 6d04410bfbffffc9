"""Novel-abuse clusters: grouping, growth, category mix, examples and the 'new' flag."""

from __future__ import annotations

import numpy as np

from flagstone.abuse.clusters import candidates, discover_clusters, hashed_ngram_embedding


def test_embedding_is_normalised_and_similar_for_similar_text():
    x = hashed_ngram_embedding(["buy cheap pills here", "buy cheap p1lls here!", "a poem about rain", ""])
    assert np.allclose(np.linalg.norm(x[:3], axis=1), 1.0) and not x[3].any()
    assert x[0] @ x[1] > 0.7 > 0.3 > x[0] @ x[2]


def test_candidates_are_flagged_or_near_threshold(rec):
    flagged = rec(0, text="x", flags=("hate",))
    near = rec(0, text="y", scores={"hate": 0.4})
    far = rec(0, text="z", scores={"hate": 0.1})
    assert candidates([flagged, near, far], margin=0.15) == [flagged, near]


def test_clusters_report_size_growth_mix_examples_and_new(rec):
    scam = [rec(10.0 * i, f"s{i % 4}", text=f"send bitcoin to this wallet to unlock your account {i}",
                flags=("illicit",)) for i in range(12)]
    hate = [rec(5.0 + 30.0 * i, f"h{i}", text=f"those people are vermin and should leave {i}", flags=("hate",))
            for i in range(4)]
    noise = [rec(7.0, "n", text="completely unrelated near-threshold text", scores={"violence": 0.45})]
    found = discover_clusters(scam + hate + noise, start=0, end=120, min_size=3)
    assert [c.size for c in found] == [12, 4]
    top = found[0]
    assert top.categories == {"illicit": 1.0} and top.accounts == 4 and top.new
    assert top.growth == 1.0 and len(top.examples) == 3 and "bitcoin" in top.examples[0]
    # Same traffic later: the known cluster is no longer new; a fresh theme is.
    later = [rec(200.0 + i, f"s{i}", text=f"send bitcoin to this wallet to unlock your account now {i}",
                 flags=("illicit",)) for i in range(5)]
    later += [rec(200.0 + i, f"z{i}", text=f"download the free hack tool from my site {i}", flags=("illicit",))
              for i in range(5)]
    again = discover_clusters(later, start=200, end=300, previous=found, min_size=3)
    assert sorted((c.new, c.examples[0].split()[0]) for c in again) == [(False, "send"), (True, "download")]


def test_too_few_items_give_no_clusters(rec):
    assert discover_clusters([rec(0, text="a", flags=("hate",))], start=0, end=10) == []
    assert discover_clusters([], start=0, end=10) == []


def test_monitor_raises_a_novel_cluster_alert_with_the_cluster_as_evidence(engine, rec):
    from flagstone.abuse.incidents import IncidentStore
    from flagstone.abuse.monitor import Monitor

    store = IncidentStore(engine)
    mon = Monitor([], store, discover_every=60, discover_window=600, cluster_min_size=4)
    mon([rec(0.0, "u0", text="good morning")])
    scam = [rec(10.0 + i, f"s{i}", text=f"send bitcoin to this wallet to unlock your account {i}",
                flags=("illicit",)) for i in range(6)]
    assert [a.rule for a in mon(scam)] == []  # not yet time to cluster
    alerts = mon([rec(70.0, "u1", text="lunch at noon?")])
    assert [(a.rule, a.category) for a in alerts] == [("novel-cluster", "illicit")]
    assert alerts[0].accounts == tuple(f"s{i}" for i in range(6))
    (inc,) = store.list()
    detail = store.show(inc.id)
    assert detail.evidence[0]["kind"] == "cluster" and detail.evidence[0]["body"]["size"] == 6
    assert mon([rec(140.0, "u2", text="see you")]) == []  # the same cluster is no longer new
