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


def test_signature_values_are_stable():
    """Stored signatures are compared with new ones: the hashing (crc32 of each 5-character shingle's
    UTF-8, mixed per position) must not drift when the code is made faster."""
    import zlib

    import numpy as np

    from flagstone.abuse import similarity as S
    from flagstone.text.normalize import normalize

    def reference(text: str) -> tuple[int, ...]:
        canon = " ".join(normalize(text).casefold().split())
        sh = ({canon} if canon else set()) if len(canon) <= 5 else {canon[i:i + 5] for i in range(len(canon) - 4)}
        if not sh:
            return ()
        x = np.fromiter((zlib.crc32(s.encode("utf-8")) for s in sh), dtype=np.uint64, count=len(sh))
        return tuple(int(v) for v in S._mix(x[:, None] ^ S._SEEDS[None, :]).min(axis=0))

    for text in ("", "abc", "héllo wörld ✓ 𝐤𝐢𝐥𝐥", "I will find you and hurt you " * 3, "x" * 10, "  a  b  "):
        assert minhash(text) == reference(text)
        assert all(isinstance(v, int) for v in minhash(text))
