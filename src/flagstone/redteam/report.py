"""Reports of a red-team run: a JSON document, a self-contained HTML page, and the failures dataset.

The terminal table lives in ``flagstone.cli.redteam`` (the library never prints).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from flagstone.redteam.runner import Rate, RunResult
from flagstone.text.normalize import text_key


def _rate(r: Rate) -> dict:
    return {"trials": r.trials, "successes": r.successes, "held": r.trials - r.successes,
            "asr": None if math.isnan(r.asr) else round(r.asr, 4)}


def to_json(result: RunResult, *, examples: int = 3) -> dict:
    """The whole report as plain JSON: rates per attack, family and category, and a few examples.

    The counts add up: for every row ``trials = successes + held`` (held: the model still caught it);
    the attacks of one kind sum to that kind's total, and so do the families; the categories sum to
    the misses' total (probes are per attack). Every attack of the suite is listed, also one whose
    every attacked text came out unchanged (``not_applicable``, outside the trials).
    """
    by_attack = result.by_attack()
    kinds = dict(result.attacks) or {t.attack: (t.family, t.kind) for t in result.trials}
    for t in result.trials:
        kinds.setdefault(t.attack, (t.family, t.kind))
    matrix: dict[str, dict[str, dict]] = {}
    for t in result.trials:
        if t.kind == "miss":
            cell = matrix.setdefault(t.attack, {}).setdefault(t.category, {"trials": 0, "successes": 0})
            cell["trials"] += 1
            cell["successes"] += int(t.success)
    for row in matrix.values():
        for cell in row.values():
            cell["asr"] = round(cell["successes"] / cell["trials"], 4)
    totals = {}
    for kind in ("miss", "overflag"):
        names = [n for n, (_, k) in kinds.items() if k == kind]
        rate = Rate(sum(by_attack[n].trials for n in names if n in by_attack),
                    sum(by_attack[n].successes for n in names if n in by_attack))
        totals[kind] = {**_rate(rate), "attacks": len(names),
                        "not_applicable": sum(result.not_applicable.get(n, 0) for n in names)}
    return {
        "suite": result.suite,
        "model": result.model,
        "seeds": result.seeds,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed_items": result.n_items,
        "flagged_positive_pairs": result.n_positive_pairs,
        "benign_items": result.n_benign,
        "totals": totals,
        "attacks": [
            {"attack": name, "family": fam, "kind": kind, **_rate(by_attack.get(name, Rate(0, 0))),
             "not_applicable": result.not_applicable.get(name, 0),
             "examples": [_example(t) for t in result.trials if t.attack == name and t.success][:examples]}
            for name, (fam, kind) in kinds.items()
        ],
        "families": {f: _rate(r) for f, r in result.by_family().items()},
        "categories": {c: _rate(r) for c, r in result.by_category().items()},
        "attack_by_category": matrix,
    }


def _example(t) -> dict:
    return {"category": t.category, "original": t.original, "attacked": t.attacked,
            "score_before": round(t.score_before, 4), "score_after": round(t.score_after, 4)}


def render_html(report: dict) -> str:
    env = Environment(loader=PackageLoader("flagstone.redteam", "templates"),
                      autoescape=select_autoescape(["html"]))
    return env.get_template("report.html").render(r=report)


def write_failures(result: RunResult, path: Path) -> int:
    """Write each successful attack as a labelled item to confirm (JSONL); return how many.

    The labels are the seed's: an attack is meant to keep the meaning, so a person confirms them before
    the item feeds training. Each row says how it was made (``origin``, attack, parent key).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    seen: set[str] = set()
    with path.open("w", encoding="utf-8") as fh:
        for t in result.failures():
            key = text_key(t.attacked)
            if key in seen:
                continue
            seen.add(key)
            row = {"text": t.attacked, "labels": t.labels, "key": key, "origin": "redteam",
                   "attack": t.attack, "family": t.family, "kind": t.kind, "category": t.category,
                   "parent_key": text_key(t.original), "model": result.model, "suite": result.suite,
                   "score_before": t.score_before, "score_after": t.score_after, "status": "unconfirmed"}
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n


def write_run(result: RunResult, run_dir: Path, *, examples: int = 3, queued: int | None = None,
              queue: str | None = None) -> dict:
    """Write report.json, report.html, trials.jsonl and failures.jsonl under ``run_dir``.

    ``queued``: how many failures were sent to the labeling queue ``queue`` (None: not sent).
    """
    run_dir.mkdir(parents=True, exist_ok=True)
    report = to_json(result, examples=examples)
    n_fail = write_failures(result, run_dir / "failures.jsonl")
    report["failures_file"] = str(run_dir / "failures.jsonl")
    report["failures_written"] = n_fail
    if queued is not None:
        report.update(queued=queued, queue=queue)
    (run_dir / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (run_dir / "report.html").write_text(render_html(report), encoding="utf-8")
    with (run_dir / "trials.jsonl").open("w", encoding="utf-8") as fh:
        for t in result.trials:
            fh.write(json.dumps(asdict(t), ensure_ascii=False) + "\n")
    return report
