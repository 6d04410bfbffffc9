"""The multilingual functional set (issue 17, point 2): rebuilt exactly by its seeded generator (``--check``),
30+ harmful and 30+ benign items a language with a third or more hard benign, every text in the language
it claims (py3langid, all 97 of its languages), no text copied into datasets/, and the suites report it
per language (caught = recall, clean = 1 - FPR) without gating."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from py3langid.langid import MODEL_FILE, LanguageIdentifier
from tests.scripts import load_script

from flagstone.evaluation.functional import load_items
from flagstone.evaluation.suites import load_suite, run_suite
from flagstone.models.fakes import ConstantModel
from flagstone.policy.taxonomy import CATEGORIES

ROOT = Path(__file__).resolve().parents[2]
DIR = ROOT / "suites" / "functional"
LANGS = ("en", "fr", "es", "de", "pt", "it", "ru", "zh")
HARMFUL_KINDS = {"threat", "hate", "harassment", "self-harm", "sexual", "illicit: weapons", "illicit: drugs"}
HARD_KINDS = {"process", "tool", "shot", "fiction", "news", "medical", "counter-speech"}


def _generator():
    return load_script(DIR / "generate_multilingual.py", "generate_multilingual")


@pytest.fixture(scope="module")
def items():
    return load_items(DIR / "multilingual.jsonl")


def _norm(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def test_committed_files_are_the_generators_output_and_check_mode_catches_drift(tmp_path, monkeypatch, capsys):
    gen = _generator()
    items = gen.generate()
    assert (DIR / "multilingual.jsonl").read_text(encoding="utf-8") == gen.render(items)
    assert (DIR / "multilingual-fast.jsonl").read_text(encoding="utf-8") == gen.render(gen.fast_subset(items))
    assert gen.generate() == items  # the seed fixes every template x group draw
    assert gen.main(["--check"]) == 0
    monkeypatch.setattr(gen, "FULL", tmp_path / "m.jsonl")
    monkeypatch.setattr(gen, "FAST", tmp_path / "f.jsonl")
    (tmp_path / "m.jsonl").write_text(gen.render(items[:-1]), encoding="utf-8")  # one item lost
    assert gen.main(["--check"]) == 1 and "out of date: m.jsonl, f.jsonl" in capsys.readouterr().err
    assert gen.main([]) == 0 and gen.main(["--check"]) == 0


def test_each_language_has_enough_harmful_benign_and_hard_benign_items(items):
    assert {it.cls for it in items} == {f"multilingual-{lang}" for lang in LANGS}
    for lang in LANGS:
        rows = [it for it in items if it.lang == lang]
        assert {it.cls for it in rows} == {f"multilingual-{lang}"}
        harmful, benign = [it for it in rows if it.positive], [it for it in rows if not it.positive]
        hard = [it for it in benign if it.note.startswith("hard benign: ")]
        assert len(harmful) >= 30 and len(benign) >= 30 and 3 * len(hard) >= len(benign), lang
        assert {it.note for it in harmful} == HARMFUL_KINDS, lang
        assert {it.note.removeprefix("hard benign: ") for it in hard} == HARD_KINDS, lang
        assert all(it.must_not_flag == list(CATEGORIES) for it in benign)  # benign: nothing may be flagged
        # Harm to others must not flag self-harm as well; other harmful items forbid nothing.
        others = {"violence", "harassment/threatening", "hate/threatening", "illicit/violent"}
        assert all(it.must_not_flag == (["self-harm", "self-harm/intent", "self-harm/instructions"]
                                        if set(it.must_flag_any) & others and "self-harm" not in it.must_flag_any
                                        else []) for it in harmful), lang
        assert all(set(it.must_flag_any) >= {"harassment", "hate"} for it in harmful if it.note == "hate")
    texts = [_norm(it.text) for it in items]
    assert len(set(texts)) == len(texts)  # no text twice, in any language
    older = {_norm(it.text) for it in load_items(DIR / "items.jsonl")}
    assert not older & set(texts)  # new texts, beside the language-<lang> classes kept as they were


def test_py3langid_agrees_with_the_intended_language(items, record_property):
    """Unrestricted py3langid (97 languages) names each item's language; the rate goes to the README."""
    ident = LanguageIdentifier.from_model_file(MODEL_FILE)
    said = [ident.classify(it.text)[0] for it in items]
    wrong = [(it.id, lang, it.text) for it, lang in zip(items, said, strict=True) if lang != it.lang]
    per_lang = {lang: sum(1 for it, s in zip(items, said, strict=True) if it.lang == lang and s == lang)
                / sum(it.lang == lang for it in items) for lang in LANGS}
    rate = 1 - len(wrong) / len(items)
    print(f"\npy3langid agreement {rate:.3f} ({len(items) - len(wrong)}/{len(items)}); per language {per_lang}")
    record_property("langid_agreement", rate)
    assert rate >= 0.98 and min(per_lang.values()) >= 0.95, wrong


def test_no_text_of_the_set_appears_anywhere_under_datasets(items):
    """A test set copied into training data stops measuring anything: every file under datasets/ is read."""
    texts = {it.id: _norm(it.text) for it in items}
    found: list[tuple[str, str]] = []
    files = [p for p in (ROOT / "datasets").rglob("*") if p.is_file()]
    assert len(files) > 10
    for p in files:
        blob = _norm(p.read_bytes().decode("utf-8", errors="ignore"))
        found += [(i, str(p.relative_to(ROOT))) for i, t in texts.items() if t in blob]
    assert not found


@pytest.mark.parametrize("suite", ["functional.yaml", "functional-fast.yaml"])
def test_suites_report_the_set_per_language_without_gating_it(suite):
    none, every = (run_suite(ConstantModel(s), load_suite(ROOT / "suites" / suite)) for s in (0.0, 1.0))
    for res, caught_all in ((none, False), (every, True)):
        ml = res.functional["multilingual"]
        assert [r.cls for r in ml.rows] == [f"multilingual-{lang}" for lang in LANGS]
        assert not ml.failures and all(not r.gated for r in ml.rows)  # report only
        assert not [s for s, _ in res.functional_failures() if s == "multilingual"]
        counts = Counter(it.cls for it in ml.items)
        for r in ml.rows:
            assert r.n == counts[r.cls] and r.positives >= (30 if suite == "functional.yaml" else 2)
            # Flag nothing: recall 0, FPR 0. Flag everything: recall 1, FPR 1.
            assert (r.caught, r.clean) == ((r.positives, 0) if caught_all else (0, r.negatives))
