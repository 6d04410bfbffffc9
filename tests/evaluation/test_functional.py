"""Functional suites: items validated, classes judged alone, the committed JSONL is the generator's output,
the CLI prints one row per class and exits 1 on a failed gate; the shipped model on the fast subset."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from tests.scripts import load_script

from flagstone.cli.main import main
from flagstone.errors import ConfigError
from flagstone.evaluation.functional import FunctionalItem, item_correct, load_items, run_functional
from flagstone.evaluation.suites import load_suite, run_suite
from flagstone.models.fakes import ConstantModel, KeywordModel
from flagstone.policy.taxonomy import CATEGORIES

ROOT = Path(__file__).resolve().parents[2]
SUITES = ROOT / "suites"
CLASSES = {"negation", "counter-speech", "quotation", "reclaimed", "identity-positive", "benign-dangerous-verbs",
           "figurative-violence", "unsafe-requests", "padded-threats", "long-benign", "sexual-minors-context",
           "euphemistic-self-harm", "implicit-hate", "control-characters",
           *(f"language-{lang}" for lang in ("en", "fr", "es", "de", "pt", "it", "ru", "zh"))}


def _generator():
    return load_script(SUITES / "functional" / "generate.py", "functional_generate")


def _lines(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8")
    assert text.isprintable() or all(ch.isprintable() or ch == "\n" for ch in text)  # controls are escaped
    return [json.loads(line) for line in text.split("\n") if line]


def test_committed_items_are_exactly_what_the_seeded_generator_writes():
    gen = _generator()
    items = gen.generate()
    assert _lines(SUITES / "functional" / "items.jsonl") == items
    assert _lines(SUITES / "functional" / "fast.jsonl") == gen.fast_subset(items)


def test_every_failure_class_is_covered_in_full_and_in_the_fast_subset():
    full, fast = load_items(SUITES / "functional" / "items.jsonl"), load_items(SUITES / "functional" / "fast.jsonl")
    assert {it.cls for it in full} == CLASSES == {it.cls for it in fast}
    assert 300 <= len(full) <= 500 and 55 <= len(fast) <= 70
    assert {it.id for it in fast} <= {it.id for it in full}
    for cls in CLASSES:  # the fast subset keeps both polarities of a class that has both
        polar = {it.positive for it in full if it.cls == cls}
        assert {it.positive for it in fast if it.cls == cls} == polar, cls
    padded = [it for it in full if it.cls == "padded-threats"]
    assert max(len(it.text.split()) for it in padded) >= 1000 and min(len(it.text.split()) for it in padded) < 30
    assert all(any(ord(ch) < 0x20 and ch not in "\t\n" or 0x7F <= ord(ch) <= 0x9F for ch in it.text)
               for it in full if it.cls == "control-characters")
    assert {it.lang for it in full} == {"en", "fr", "es", "de", "pt", "it", "ru", "zh"}


def _item(text: str, flag=(), not_flag=(), cls="c") -> FunctionalItem:
    return FunctionalItem.model_validate({"id": text, "class": cls, "text": text, "must_flag_any": list(flag),
                                          "must_not_flag": list(not_flag)})


def test_an_item_is_right_only_when_every_expectation_holds():
    items = [_item("a", flag=["violence", "hate"]), _item("b", not_flag=["*"]), _item("c", flag=["hate"],
                                                                                         not_flag=["sexual"])]
    thr = {c: 0.5 for c in CATEGORIES}
    s = np.zeros((3, len(CATEGORIES)))
    s[0, CATEGORIES.index("hate")] = 0.6  # one of the required is enough
    s[1, CATEGORIES.index("illicit")] = 0.7  # "*" forbids every category
    s[2, CATEGORIES.index("hate")] = s[2, CATEGORIES.index("sexual")] = 0.9
    assert item_correct(items, s, thr).tolist() == [True, False, False]
    s[1] = 0.49
    s[2, CATEGORIES.index("sexual")] = 0.1
    assert item_correct(items, s, thr).tolist() == [True, True, True]


def test_a_threat_also_flagged_as_self_harm_is_caught_but_wrong():
    """``caught`` is recall (the required flag is there); ``right`` also needs no forbidden flag."""
    from flagstone.evaluation.functional import class_rows, item_hits

    sh = ["self-harm", "self-harm/intent", "self-harm/instructions"]
    items = [_item("I will kill you", flag=["violence"], not_flag=sh, cls="t"),
             _item("I will hurt you", flag=["violence"], not_flag=sh, cls="t")]
    thr = {c: 0.5 for c in CATEGORIES}
    s = np.zeros((2, len(CATEGORIES)))
    s[:, CATEGORIES.index("violence")] = 0.9
    s[0, CATEGORIES.index("self-harm/intent")] = 0.7  # flags self-harm/intent and, as served, self-harm
    correct, hits = item_correct(items, s, thr), item_hits(items, s, thr)
    assert correct.tolist() == [False, True] and hits.tolist() == [True, True]
    (row,) = class_rows(items, correct, min_accuracy=0.9, hits=hits)
    assert (row.right, row.caught, row.positives) == (1, 2, 2)


def test_items_are_judged_by_the_flags_the_server_sends():
    """A flagged sub-category flags its parent in the response (models/scoring.py: to_results), so an item
    that must not flag hate is wrong when only hate/threatening reaches its threshold."""
    items = [_item("x", not_flag=["hate"]), _item("y", flag=["hate"])]
    thr = {c: 0.5 for c in CATEGORIES}
    s = np.zeros((2, len(CATEGORIES)))
    s[:, CATEGORIES.index("hate/threatening")] = 0.6
    assert item_correct(items, s, thr).tolist() == [False, True]


def test_classes_are_judged_alone_with_their_own_minimum():
    model = KeywordModel({"violence": ["kill"]}, name="kw")
    items = [_item("I will kill you", flag=["violence"], cls="threats"),
             _item("kill the process", not_flag=["*"], cls="benign"), _item("hello", not_flag=["*"], cls="benign"),
             _item("I'll \x1b[31mki\x00ll\x1b[0m you", flag=["violence"], cls="junk")]
    res = run_functional(model, items, min_accuracy=0.9, class_min={"benign": 0.5})
    rows = {r.cls: r for r in res.rows}
    assert [r.cls for r in res.rows] == ["threats", "benign", "junk"]
    assert (rows["threats"].accuracy, rows["threats"].caught, rows["threats"].positives) == (1.0, 1, 1)
    assert (rows["benign"].accuracy, rows["benign"].clean, rows["benign"].min_accuracy) == (0.5, 1, 0.5)
    assert rows["benign"].passed and rows["junk"].passed  # control characters are cleaned as the server does
    assert res.failures == []
    strict = run_functional(model, items, min_accuracy=0.9)
    assert [r.cls for r in strict.failures] == ["benign"]
    assert not run_functional(model, items, min_accuracy=0.9, gate=False).failures  # report only


def test_constant_models_get_each_class_right_exactly_on_one_polarity():
    """Flagging nothing gets exactly the negatives right; flagging everything gets exactly the positives that forbid
    nothing (a threat must not also flag self-harm, so flagging all 13 gets it wrong)."""
    items = load_items(SUITES / "functional" / "fast.jsonl")
    assert any(it.positive and it.must_not_flag for it in items), "the fast subset has threats that forbid self-harm"
    for score in (1.0, 0.0):
        res = run_functional(ConstantModel(score), items)
        for r in res.rows:
            want = sum(1 for it in items if it.cls == r.cls
                       and (it.positive and not it.must_not_flag if score else not it.positive))
            assert r.right == want, (score, r.cls)


@pytest.mark.parametrize("line,error", [
    ('{"id": "x", "class": "c", "text": "t", "must_flag_any": ["spam"]}', "unknown category 'spam'"),
    ('{"id": "x", "class": "c", "text": "t"}', "must expect something"),
    ('{"id": "x", "class": "c", "text": "t", "must_flag_any": ["hate"], "must_not_flag": ["*"]}', "both required"),
    ('{"id": "x", "class": "c", "text": "t", "must_not_flag": ["*"], "colour": 1}', "colour"),
    ('{"id": "x", "class": "c"', "invalid JSON"),
])
def test_bad_items_name_the_file_and_line(tmp_path, line, error):
    p = tmp_path / "f.jsonl"
    p.write_text('{"id": "ok", "class": "c", "text": "t", "must_not_flag": ["hate"]}\n' + line + "\n")
    with pytest.raises(ConfigError, match=f"f.jsonl:2: .*{error}"):
        load_items(p)


def test_duplicate_ids_and_suites_without_anything_are_refused(tmp_path):
    p = tmp_path / "f.jsonl"
    p.write_text('{"id": "a", "class": "c", "text": "t", "must_not_flag": ["hate"]}\n' * 2)
    with pytest.raises(ConfigError, match="more than once"):
        load_items(p)
    s = tmp_path / "s.yaml"
    s.write_text("name: x\n")
    with pytest.raises(ConfigError, match="at least one entry in datasets or functional"):
        load_suite(s)


def test_suite_runs_functional_sets_and_lists_gated_failures():
    res = run_suite(ConstantModel(0.0), load_suite(SUITES / "functional.yaml"))
    # Flagging nothing fails exactly the classes that hold texts which must be flagged.
    items = res.functional["classes"].items
    assert {cls for _, cls in res.functional_failures()} == {it.cls for it in items if it.positive}
    doc = res.to_dict()["functional"]["classes"]
    assert doc["passed"] is False and {c["class"] for c in doc["classes"]} == CLASSES


def _artifact(tmp_path: Path, score: float) -> Path:
    d = tmp_path / f"const-{score}"
    d.mkdir()
    (d / "manifest.json").write_text(json.dumps({"kind": "constant", "name": "const", "score": score}))
    return d


def test_cli_prints_one_row_per_class_and_exits_1_when_a_gated_class_fails(tmp_path, capsys):
    out_json = tmp_path / "r.json"
    code = main(["eval", str(_artifact(tmp_path, 0.0)), "--suite", str(SUITES / "functional.yaml"),
                 "--json", str(out_json)])
    out, err = capsys.readouterr()
    assert code == 1 and "functional gate FAILED" in err and "classes/unsafe-requests" in err
    for cls in CLASSES:
        assert f"\n{cls} " in out
    assert "negation                     24     24  1.000" in out  # flags nothing: every negative is right
    assert json.loads(out_json.read_text())["results"][0]["functional"]["classes"]["passed"] is False
    # The fast suite is report-only: the same failures print, but the command succeeds.
    assert main(["eval", str(_artifact(tmp_path, 1.0)), "--suite", str(SUITES / "functional-fast.yaml")]) == 0
    assert "below (report only)" in capsys.readouterr().out
