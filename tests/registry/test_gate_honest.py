"""Honest gates (issue 18.3): the gate leaves out, reports and above max_overlap refuses suite items
the candidate trained on; a gated functional class the candidate fails refuses its promotion."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from flagstone.data.overlap import FINGERPRINT_FILE, write_fingerprint
from flagstone.errors import ConflictError
from flagstone.evaluation.suites import load_suite, run_suite
from flagstone.models.kinds import load_model
from flagstone.registry.gate import GateRefusal, promote

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "suites"
GATE_TEXTS = [json.loads(line)["prompt"] for line in (FIXTURES / "gate_set.jsonl").read_text().splitlines()]


def suite_copy(tmp_path: Path, **extra) -> Path:
    for f in ("gate_set.jsonl", "benign.jsonl"):
        shutil.copy(FIXTURES / f, tmp_path / f)
    text = (FIXTURES / "small.yaml").read_text() + "".join(f"{k}: {json.dumps(v)}\n" for k, v in extra.items())
    (tmp_path / "suite.yaml").write_text(text)
    return tmp_path / "suite.yaml"


def trained_on(artifact: Path, texts: list[str]) -> Path:
    write_fingerprint(texts, artifact / FINGERPRINT_FILE)
    return artifact


def test_a_candidate_trained_on_the_suite_is_refused_and_the_refusal_recorded(registry, good_bad, tmp_path):
    from tests.registry.conftest import keyword_artifact

    suite = load_suite(suite_copy(tmp_path))
    good = registry.register(good_bad[0], actor="ci")
    promote(registry, good.short, "production", actor="a", suite=suite)
    # The same keywords as production, but its training data holds the gate set (one text reworded).
    texts = GATE_TEXTS[:-1] + [GATE_TEXTS[-1] + "!!"] + ["unrelated training text"]
    leaky = trained_on(keyword_artifact(tmp_path / "leaky", {"violence": ["hurt", "kill"], "harassment": ["hurt", "idiot"],
                                                              "hate": ["vermin"]}, name="leaky"), texts)
    cand = registry.register(leaky, actor="ci")
    with pytest.raises(GateRefusal, match=r"trained on suite data beyond max_overlap 0.05: gate \(") as exc:
        promote(registry, cand.short, "production", actor="b", suite=suite, n_boot=10)
    assert isinstance(exc.value, ConflictError)
    assert registry.production().version == good.version
    last = registry.history(cand.short)[-1]
    assert last.refused and "cannot judge" in last.reason


def test_small_overlap_is_left_out_of_the_decision_and_reported(registry, good_bad, tmp_path):
    from tests.registry.conftest import keyword_artifact

    suite = load_suite(suite_copy(tmp_path, max_overlap=0.5))
    good = registry.register(good_bad[0], actor="ci")
    promote(registry, good.short, "production", actor="a", suite=suite)
    same = trained_on(keyword_artifact(tmp_path / "same", {"violence": ["hurt", "kill"], "harassment": ["hurt", "idiot"],
                                                            "hate": ["vermin"]}, name="same"), GATE_TEXTS[:2])
    cand = registry.register(same, actor="ci")
    done = promote(registry, cand.short, "production", actor="b", suite=suite, n_boot=10)
    assert done.overlap["gate"] == {"checked": True, "items": len(GATE_TEXTS), "exact": 2, "near": 0,
                                    "share": round(2 / len(GATE_TEXTS), 4)}
    assert done.overlap["benign"]["exact"] == 0
    assert len(done.candidate_result.datasets["gate"].data) == len(GATE_TEXTS) - 2  # both models lose them
    assert len(done.production_result.datasets["gate"].data) == len(GATE_TEXTS) - 2


def test_an_artifact_without_fingerprint_is_reported_unchecked(registry, good_bad, tmp_path):
    from tests.registry.conftest import keyword_artifact

    suite = load_suite(suite_copy(tmp_path))
    promote(registry, registry.register(good_bad[0], actor="ci").short, "production", actor="a", suite=suite)
    other = registry.register(keyword_artifact(tmp_path / "o", {"violence": ["hurt", "kill"], "harassment": ["hurt", "idiot"],
                                                                 "hate": ["vermin"]}, name="o"), actor="ci")
    done = promote(registry, other.short, "production", actor="b", suite=suite, n_boot=10)
    assert done.overlap["gate"]["checked"] is False


def test_a_failed_functional_class_refuses_even_the_first_promotion(registry, tmp_path):
    from tests.registry.conftest import keyword_artifact

    items = [{"id": f"t{i}", "class": "threats", "lang": "en", "text": t, "must_flag_any": ["violence"],
              "must_not_flag": []} for i, t in enumerate(["I will hurt you", "I will stab you"])]
    (tmp_path / "func.jsonl").write_text("".join(json.dumps(i) + "\n" for i in items))
    (tmp_path / "suite.yaml").write_text("name: f\nfunctional:\n  - {name: classes, path: func.jsonl, min_accuracy: 1.0}\n")
    suite = load_suite(tmp_path / "suite.yaml")
    weak = registry.register(keyword_artifact(tmp_path / "weak", {"violence": ["hurt"]}, name="weak"), actor="ci")
    with pytest.raises(GateRefusal, match="functional classes below their minimum accuracy: classes/threats"):
        promote(registry, weak.short, "production", actor="a", suite=suite)
    assert registry.production() is None and registry.history(weak.short)[-1].refused
    strong = registry.register(keyword_artifact(tmp_path / "strong", {"violence": ["hurt", "stab"]}, name="s"),
                               actor="ci")
    assert promote(registry, strong.short, "production", actor="a", suite=suite).version.stage == "production"


def test_suite_holdout_optional_and_mapping_options(tmp_path):
    from flagstone.training.splits import holdout_mask

    rows = [{"text": f"row number {i} about something", "flag": str(i % 2)} for i in range(200)]
    (tmp_path / "d.csv").write_text("text,flag\n" + "".join(f"{r['text']},{r['flag']}\n" for r in rows))
    (tmp_path / "m.yaml").write_text("name: d\nlicence_class: D\nfile: d.csv\ncolumns: {text: text}\n"
                                     "labels: [{column: flag, category: violence, positive: [1], negative: [0]}]\n")
    (tmp_path / "s.yaml").write_text(
        "name: s\ndatasets:\n"
        "  - {name: held, path: d.csv, mapping: m.yaml, holdout: {fraction: 0.25, salt: gate}, slices: [flag]}\n"
        "  - {name: absent, path: nowhere/x.csv, mapping: m.yaml, optional: true}\n")
    res = run_suite(load_model(_kw(tmp_path)), load_suite(tmp_path / "s.yaml"), n_boot=0)
    expected = [r["text"] for r, m in zip(rows, holdout_mask([r["text"] for r in rows], 0.25, "gate"), strict=True) if m]
    assert res.datasets["held"].data.texts == expected and 20 < len(expected) < 80
    assert res.datasets["held"].data.labels[:, 11].tolist() == [float(t.split()[2]) % 2 for t in expected]
    assert set(res.datasets["held"].slices["flag"]) == {"0", "1"}
    assert "absent" not in res.datasets and "not found (optional: skipped)" in res.skipped["absent"]


def _kw(tmp_path: Path) -> Path:
    from tests.registry.conftest import keyword_artifact

    return keyword_artifact(tmp_path / "kw", {"violence": ["number 1"]})
