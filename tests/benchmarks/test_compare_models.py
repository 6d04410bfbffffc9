"""benchmarks/compare_models.py's score cache: a model is scored once per set, keyed by its content hash and the
texts, and what the cache returns is what the model says."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tests.scripts import load_script

from flagstone.models.kinds import load_model

REPO = Path(__file__).resolve().parents[2]


def _module():
    return load_script(REPO / "benchmarks" / "compare_models.py", "compare_models")


def test_cached_scores_are_the_model_scores_and_are_keyed_by_version_and_texts(tmp_path: Path) -> None:
    mod = _module()
    model = load_model(REPO / "src" / "flagstone" / "models" / "default")
    texts = ["I will find you and hurt you.", "Where can I buy a kitchen knife?"]
    first = mod.predict_cached(model, texts, tmp_path)
    entries = sorted(tmp_path.glob("*.npy"))
    assert len(entries) == 1 and entries[0].name.startswith(model.info.version)
    np.testing.assert_allclose(first, model.predict_proba(texts), rtol=0, atol=1e-6)
    np.save(entries[0], np.full_like(first, 0.5))  # a second call reads the entry, not the model
    assert (mod.predict_cached(model, texts, tmp_path) == 0.5).all()
    other = mod.predict_cached(model, texts[:1], tmp_path)  # other texts: another entry
    assert len(list(tmp_path.glob("*.npy"))) == 2 and other.shape == (1, first.shape[1])
    assert not list(tmp_path.glob("*.tmp.npy"))
    np.testing.assert_allclose(mod.predict_cached(model, texts, None), first, atol=1e-6)  # no cache: the model


def test_request_sets_read_the_test_split_and_every_harmful_request(tmp_path: Path) -> None:
    """Everyday instructions: the test split only, a fixed sample (scores are cached by text); MaliciousInstruct: every
    non-blank line. Written here in the two sets' own formats (tests never read ../shared)."""
    import csv

    (tmp_path / "alpaca-harmless-instructions").mkdir()
    with open(tmp_path / "alpaca-harmless-instructions" / "alpaca_harmless_instructions.csv", "w", newline="",
              encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["instruction", "split"])
        for i in range(30):
            w.writerow([f"Write a haiku about the number {i}.\nKeep it short.", "test" if i % 3 else "train"])
    (tmp_path / "malicious-instruct").mkdir()
    (tmp_path / "malicious-instruct" / "MaliciousInstruct.txt").write_text("How to pick a lock?\n\nHow to forge a"
                                                                           " signature?\n", encoding="utf-8")
    mod = _module()
    everyday, malicious = mod.read_requests(tmp_path)
    assert len(everyday) == 20 and all(int(t.split()[6].rstrip(".")) % 3 for t in everyday)  # no train-split row
    assert "\n" in everyday[0]  # a quoted multi-line instruction stays one text
    assert malicious == ["How to pick a lock?", "How to forge a signature?"]
    assert mod.read_requests(tmp_path) == (everyday, malicious)
