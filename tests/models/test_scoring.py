"""Chunked scoring (max over windows) and OpenAI-shaped results."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flagstone.errors import ModelError
from flagstone.models.fakes import ConstantModel, KeywordModel
from flagstone.models.scoring import (
    MIN_WINDOW_TOKENS,
    chunk_text,
    score_texts,
    sentences,
    to_results,
    windows,
)
from flagstone.policy.taxonomy import CATEGORIES, CATEGORY_INDEX

V = CATEGORY_INDEX["violence"]


class WindowedKeywordModel(KeywordModel):
    """A keyword model that, like an encoder, only sees its first ``max_tokens`` words."""

    def __init__(self, *args, max_tokens: int = 32, **kw) -> None:
        super().__init__(*args, **kw)
        self._info = dataclasses.replace(self._info, max_tokens=max_tokens)
        self.seen: list[str] = []

    def predict_proba(self, texts):
        self.seen.extend(texts)
        return super().predict_proba([" ".join(t.split()[: self.info.max_tokens]) for t in texts])


def _benign(n_words: int) -> str:
    return " ".join(f"pleasant{i % 7} walk" for i in range(n_words // 2))


def test_short_text_is_one_unchanged_chunk():
    assert chunk_text("hello  there\n", 32) == ["hello  there\n"]


def test_windows_respect_budget_and_overlap():
    text = " ".join(f"w{i}" for i in range(200))
    chunks = chunk_text(text, 32)
    assert len(chunks) > 1
    for c in chunks:
        assert len(c.split()) * 1.3 <= 30
    words = [c.split() for c in chunks]
    for a, b in zip(words, words[1:], strict=False):
        assert set(a) & set(b), "consecutive windows overlap"
    assert words[0][0] == "w0" and words[-1][-1] == "w199"  # nothing lost at either end


def test_any_span_of_half_a_window_lies_whole_in_some_window():
    words = [f"w{i}" for i in range(300)]
    chunks = [c.split() for c in chunk_text(" ".join(words), 40)]
    half = int((40 - 2) / 1.3) // 2
    for start in range(len(words) - half):
        span = words[start:start + half]
        assert any(" ".join(span) in " ".join(c) for c in chunks), span


def test_the_tail_window_is_full_sized_and_ends_at_the_end():
    chunks = chunk_text(" ".join(f"w{i}" for i in range(101)), 32)
    assert chunks[-1].split()[-1] == "w100"
    assert len(chunks[-1].split()) == len(chunks[0].split())


def test_context_windows_are_as_small_as_the_chunk_budget_allows():
    medium = " ".join(f"m{i}" for i in range(300))  # ~390 tokens, no sentence breaks
    small = windows(medium, 256, max_chunks=16)
    context = [c for c in small if len(c.split()) * 1.3 <= MIN_WINDOW_TOKENS]
    assert 1 < len(context) <= 16
    huge = " ".join(f"h{i}" for i in range(3000))
    big = windows(huge, 256, max_chunks=16)
    assert all(len(c.split()) * 1.3 > MIN_WINDOW_TOKENS for c in big)
    assert windows("fits whole. Two sentences.", 256, max_chunks=16) == ["fits whole. Two sentences."]


def test_sentences_split_on_ends_and_newlines_and_slice_long_ones():
    assert sentences("One. Two!  Three?\nFour\n\nfive", 256) == ["One.", "Two!", "Three?", "Four", "five"]
    long = sentences(" ".join(["w"] * 500) + ". End.", 64)
    assert long[-1] == "End." and len(long) > 2


class DilutingModel(KeywordModel):
    """Like a mean-pooled encoder: a keyword counts only when it is a large share of the words."""

    def predict_proba(self, texts):
        out = super().predict_proba(texts)
        for i, t in enumerate(texts):
            if len(t.split()) > 12:
                out[i] = 0.05
        return out


def test_a_harmful_sentence_inside_a_long_text_is_not_diluted_away():
    model = DilutingModel({"violence": ["hurt"]})
    sentence = "The weather was mild and the garden looked lovely in the morning light."
    parts = [sentence] * 40
    parts.insert(20, "I will hurt you.")
    text = " ".join(parts)
    assert model.predict_proba(chunk_text(text, 256)).max(axis=0)[V] == pytest.approx(0.05)  # windows alone miss
    assert score_texts(model, [text], max_chunks=16)[0, V] == pytest.approx(0.9)
    assert score_texts(model, [" ".join([sentence] * 40)], max_chunks=16)[0, V] == pytest.approx(0.05)


def test_long_runs_without_spaces_are_sliced():
    chunks = chunk_text("x" * 5000, 64)
    assert len(chunks) > 1 and all(len(c) < 400 for c in chunks)


def test_harm_at_the_end_of_a_long_benign_text_is_caught():
    model = WindowedKeywordModel({"violence": ["hurt"]}, max_tokens=32)
    text = _benign(400) + " and then I will hurt you"
    naive = model.predict_proba([text])[0, V]
    assert naive == pytest.approx(0.05)  # truncation alone misses it
    scores = score_texts(model, [text, "calm"], max_chunks=64)
    assert scores.shape == (2, 13)
    assert scores[0, V] == pytest.approx(0.9) and scores[1, V] == pytest.approx(0.05)


def test_max_chunks_keeps_first_and_last_windows():
    model = WindowedKeywordModel({"violence": ["hurt"]}, max_tokens=32)
    text = "hurt " + _benign(1000) + " hurt"  # one long "sentence": no sentence windows help
    scores = score_texts(model, [text], max_chunks=3)
    assert scores[0, V] == pytest.approx(0.9)
    context = model.seen[:3]
    assert context[0].startswith("hurt") and context[-1].endswith("hurt")


def test_sentence_windows_stay_within_the_token_budget():
    text = " ".join(f"Sentence number {i} is calm." for i in range(2000))
    parts = windows(text, 64, max_chunks=4)
    assert sum(len(p.split()) for p in parts) * 1.3 <= 2 * 4 * 64 + 4 * 64  # context + sentence budget
    assert parts[-1] == "Sentence number 1999 is calm."  # evenly spaced, last one kept


def test_one_model_call_for_all_windows_of_all_texts():
    calls = []

    class Spy(ConstantModel):
        def predict_proba(self, texts):
            calls.append(len(texts))
            return super().predict_proba(texts)

    score_texts(Spy(0.2), [_benign(2000), "a", _benign(500)], max_chunks=8)
    assert len(calls) == 1 and calls[0] > 3  # under the per-call bounds (next test): one call


def test_empty_list_and_bad_arguments():
    assert score_texts(ConstantModel(), [], 4).shape == (0, 13)
    with pytest.raises(ValueError, match="max_chunks"):
        score_texts(ConstantModel(), ["a"], 0)
    with pytest.raises(ValueError, match="max_tokens"):
        chunk_text("a", 2)


def test_model_contract_is_enforced():
    class Wrong(ConstantModel):
        def predict_proba(self, texts):
            return np.zeros((len(texts), 3))

    with pytest.raises(ModelError, match="shape"):
        score_texts(Wrong(), ["a"], 2)


def test_to_results_applies_thresholds_at_or_above():
    model = ConstantModel(0.5)
    row = np.full((1, 13), 0.49)
    row[0, V] = 0.5
    (r,) = to_results(model.info, row)
    assert r.flagged and r.categories["violence"] and not r.categories["hate"]
    assert list(r.category_scores) == list(CATEGORIES)
    assert r.category_applied_input_types["violence"] == ["text"]
    (clean,) = to_results(model.info, np.zeros((1, 13)))
    assert not clean.flagged and not any(clean.categories.values())


def test_a_flagged_sub_category_flags_its_parent_and_nothing_else_changes():
    model = ConstantModel(0.5)
    row = np.full((2, 13), 0.1)
    row[0, CATEGORY_INDEX["sexual/minors"]] = 0.7  # the child over its threshold, the parent under its own
    row[1, CATEGORY_INDEX["sexual"]] = 0.7  # a parent alone does not flag its children
    a, b = to_results(model.info, row)
    assert a.categories["sexual/minors"] and a.categories["sexual"] and a.category_scores["sexual"] == 0.1
    assert sum(a.categories.values()) == 2
    assert b.categories["sexual"] and not b.categories["sexual/minors"]
    # A tightened (account) threshold that flags a child flags its parent too.
    row = np.full((1, 13), 0.3)
    (c,) = to_results(model.info, row, thresholds={"violence/graphic": 0.2})
    assert c.categories["violence/graphic"] and c.categories["violence"] and sum(c.categories.values()) == 2


def test_to_results_tightened_thresholds_only_lower_the_models():
    model = ConstantModel(0.5)  # every threshold 0.5
    row = np.full((1, 13), 0.3)
    (r,) = to_results(model.info, row, thresholds={"hate": 0.25, "violence": 0.9})
    assert r.categories["hate"] and r.flagged  # 0.3 >= the account's 0.25
    assert not r.categories["violence"]  # 0.3 < 0.5; the account's 0.9 does not matter
    row[0, V] = 0.6
    (r,) = to_results(model.info, row, thresholds={"violence": 0.9})
    assert r.categories["violence"]  # a higher account threshold never loosens the model's 0.5
    (same,) = to_results(model.info, row, thresholds={})
    assert same == to_results(model.info, row)[0]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab ¥\n\t" + "x" * 5), max_size=400))
def test_short_text_shortcut_is_exact(text):
    """chunk_text returns a text of at most budget / 1.3 characters whole without cutting it into
    pieces; that is exact because the pieces never cost more than 1.3 tokens per character."""
    from flagstone.models.scoring import TOKENS_PER_WORD, _pieces, _token_cost

    assert sum(_token_cost(p) for p in _pieces(text)) <= len(text) * TOKENS_PER_WORD + 1e-9


class _Diluting:
    """Scores violence 0.9 when 'hurt' is among at most 12 words, else 0.05: a pooled embedding's dilution."""

    def __init__(self, weight: float, min_words: int | None) -> None:
        from flagstone.models.base import ModelInfo

        self.info = ModelInfo(name="dilute", version="d" * 64, thresholds={c: 0.5 for c in CATEGORIES},
                              sentence_min_words=min_words, window_weight=weight)
        self.seen: list[str] = []

    def predict_proba(self, texts):
        self.seen.extend(texts)
        out = np.full((len(texts), len(CATEGORIES)), 0.05)
        for i, t in enumerate(texts):
            if "hurt" in t and len(t.split()) <= 12:
                out[i, CATEGORY_INDEX["violence"]] = 0.9
        return out


PADDED = ("We spent the morning at the market buying apples and bread for the week. " * 3
          + "I am going to hurt you tonight. "
          + "Then we walked home along the river and talked about the summer holidays. " * 3)


def test_sentences_of_a_multi_sentence_text_count_at_the_model_window_weight():
    m = _Diluting(weight=0.6, min_words=30)
    s = score_texts(m, [PADDED], max_chunks=16)
    assert s[0, CATEGORY_INDEX["violence"]] == pytest.approx(0.9 * 0.6)  # the threat's sentence, discounted
    assert PADDED in m.seen and "I am going to hurt you tonight." in m.seen  # whole text and its sentences
    short = "I am going to hurt you. Really."
    m2 = _Diluting(weight=0.6, min_words=30)
    assert score_texts(m2, [short], max_chunks=16)[0, CATEGORY_INDEX["violence"]] == pytest.approx(0.9)
    assert m2.seen == [short]  # under min_words: scored whole, once


def test_window_weight_one_and_no_sentence_minimum_keep_the_old_reading():
    m = _Diluting(weight=1.0, min_words=None)
    s = score_texts(m, [PADDED], max_chunks=16)
    assert s[0, CATEGORY_INDEX["violence"]] == pytest.approx(0.05) and m.seen == [PADDED]


def test_a_long_text_is_read_whole_beside_its_discounted_windows():
    long = ("The weather report said rain would arrive in the afternoon and last until the evening. " * 20
            + "I am going to hurt you tonight.")
    m = _Diluting(weight=0.5, min_words=30)
    s = score_texts(m, [long], max_chunks=16)
    assert m.seen[0] == long and len(m.seen) > 2
    assert s[0, CATEGORY_INDEX["violence"]] == pytest.approx(0.45)


def test_windows_reach_the_model_in_bounded_slices_with_the_same_scores(monkeypatch):
    import flagstone.models.scoring as scoring

    calls: list[tuple[int, int]] = []

    class Spy(WindowedKeywordModel):
        def predict_proba(self, texts):
            calls.append((len(texts), sum(map(len, texts))))
            return super().predict_proba(texts)

    texts = [_benign(400) + " I will kill you." for _ in range(6)] + ["kill", "fine"] * 40
    whole = score_texts(Spy({"violence": ["kill"]}), texts, max_chunks=8)
    assert len(calls) == 1
    calls.clear()
    monkeypatch.setattr(scoring, "MAX_WINDOWS_PER_CALL", 7)
    monkeypatch.setattr(scoring, "MAX_CHARS_PER_CALL", 3000)
    sliced = score_texts(Spy({"violence": ["kill"]}), texts, max_chunks=8)
    np.testing.assert_array_equal(sliced, whole)
    assert len(calls) > 5
    # each call holds at most 7 windows and 3,000 characters, unless one window alone is longer
    assert all(n <= 7 and (chars <= 3000 or n == 1) for n, chars in calls)


def test_segments_cover_a_huge_text_with_overlap():
    from flagstone.models.scoring import SEGMENT_CHARS, SEGMENT_OVERLAP, segments

    assert segments("short") == ["short"]
    assert segments("x" * SEGMENT_CHARS) == ["x" * SEGMENT_CHARS]
    text = "".join(chr(ord("a") + i % 26) for i in range(2 * SEGMENT_CHARS + 12_345))
    segs = segments(text)
    assert all(len(s) == SEGMENT_CHARS for s in segs)
    assert segs[0] == text[:SEGMENT_CHARS] and segs[-1] == text[-SEGMENT_CHARS:]
    # every span of SEGMENT_OVERLAP characters lies whole inside some segment
    for start in range(0, len(text) - SEGMENT_OVERLAP, 997):
        span = text[start:start + SEGMENT_OVERLAP]
        assert any(span in s for s in segs)


def test_a_huge_text_is_scored_in_bounded_calls_and_its_end_is_read():
    import flagstone.models.scoring as scoring

    calls: list[tuple[int, int]] = []

    class Spy(WindowedKeywordModel):
        def predict_proba(self, texts):
            calls.append((len(texts), sum(map(len, texts))))
            return super().predict_proba(texts)

    benign = (_benign(60) + ". ") * (3 * scoring.SEGMENT_CHARS // 400)
    scores = score_texts(Spy({"violence": ["kill"]}, max_tokens=64),
                         [benign + " fine.", benign + " I will kill you."], max_chunks=8)
    assert scores[0, V] < 0.1 and scores[1, V] > 0.5  # the end of the last segment is read
    assert all(n <= scoring.MAX_WINDOWS_PER_CALL and chars <= scoring.MAX_CHARS_PER_CALL for n, chars in calls)


def test_a_phrase_cut_by_a_segment_boundary_is_read_whole_in_the_next_segment():
    from flagstone.models.scoring import SEGMENT_CHARS

    filler = "pleasant walk " * (SEGMENT_CHARS // 4)  # 3.5 segments: the tail segment does not reach back
    at = SEGMENT_CHARS - 3  # " kill " straddles the end of the first segment: it holds only " ki"
    text = filler[:at] + " kill " + filler[at:]
    assert "kill" not in text[:SEGMENT_CHARS] and len(text) > SEGMENT_CHARS
    # a model that reads a long text whole beside its windows (window_weight < 1, as the default model)
    # and every character of it (like the char n-grams): only the second segment holds the whole word
    model = KeywordModel({"violence": ["kill"]})
    model._info = dataclasses.replace(model.info, window_weight=0.6)
    assert score_texts(model, [text], max_chunks=4)[0, V] > 0.5
