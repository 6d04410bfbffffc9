"""MinHash near-duplicates: evasions still match, unrelated texts do not, the window expires."""

from __future__ import annotations

from flagstone.abuse.similarity import WindowIndex, minhash, similarity


def test_near_duplicates_and_evasions_match_unrelated_texts_do_not():
    a = minhash("buy cheap pills now at example dot com, best prices")
    b = minhash("BUY cheap p1lls now at exаmple dot com best prices!!")  # leet + Cyrillic a
    c = minhash("the weather is lovely today in paris")
    assert similarity(a, b) >= 0.6
    assert similarity(a, c) <= 0.1
    assert minhash("") == () and similarity((), a) == 0.0


def test_window_index_finds_recent_and_forgets_old():
    idx = WindowIndex(window=10)
    sig = minhash("send me your password or else you will regret it")
    idx.add(sig, 0.0, "first")
    idx.add(minhash("completely different words about gardening"), 1.0, "other")
    assert [p for _, p in idx.query(sig, 5.0, 0.8)] == ["first"]
    assert idx.query(sig, 12.0, 0.8) == [] and len(idx) == 0


def test_query_examines_a_bounded_number_of_candidates_newest_first(monkeypatch):
    import flagstone.abuse.similarity as sim

    idx = sim.WindowIndex(window=1e9, max_candidates=50)
    sig = sim.minhash("buy cheap pills now at example dot com")
    for i in range(1_000):  # a flood of the same text: every entry shares every band
        idx.add(sig, float(i), i)
    compared = []
    real = sim.similarity
    monkeypatch.setattr(sim, "similarity", lambda a, b: compared.append(1) or real(a, b))
    found = idx.query(sig, 1_000.0, 0.9)
    assert len(compared) == 50 and len(found) == 50
    assert [p for _, p in found] == list(range(999, 949, -1))  # the newest first
    assert len(idx.query(sig, 1_000.0, 0.9, limit=5)) == 5
