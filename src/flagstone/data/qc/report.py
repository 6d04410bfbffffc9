"""Run every QC detector over a dataset in the store and render a self-contained HTML report.

Labels are read as the current-label view sees them (only labels trusted under the current policy
version, see ``flagstone.data.labels``). Splits for the leakage check come from a ``split`` metadata
column when the source had one, else from the dataset's latest snapshot; without either, leakage is
reported as not checked. Label errors are searched per category with at least ``min_per_class``
current labels of each class. Machine labels (LLM or pseudo-label) that disagree with the people's
majority on an item are counted per category and listed in both reports (people's labels win in
resolution; the list says how far the machines' suggestions can be trusted where nobody looked).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from jinja2 import Environment, PackageLoader, select_autoescape
from sklearn.metrics import roc_auc_score
from sqlalchemy import select

from flagstone.data.labels import annotator_label, current_labels, trusted_version_ids
from flagstone.data.minhash import canonical, near_duplicate_pairs, signatures
from flagstone.data.qc import checks
from flagstone.data.qc.confident import find_label_issues, oof_probabilities
from flagstone.data.snapshots import dataset_id, list_snapshots, read_snapshot
from flagstone.policy.taxonomy import CATEGORIES
from flagstone.policy.versions import current_version
from flagstone.store.engine import Store, utcnow
from flagstone.store.tables import annotators, dataset_items, items, labels

log = logging.getLogger(__name__)


@dataclass
class QcOptions:
    near_threshold: float = 0.8
    max_chars: int = 32_000
    min_per_class: int = 10
    min_auc: float = 0.85  # below this out-of-fold AUC, label-error search is skipped for the category
    folds: int = 5
    min_kappa: float = 0.4
    min_overlap: int = 10
    examples: int = 20


@dataclass
class QcData:
    keys: list[str]
    texts: list[str]
    splits: list[str | None]
    obs: list[checks.Obs]
    current: dict[str, list[int | None]]


@dataclass
class QcReport:
    dataset: str
    n_items: int
    summary: dict
    details: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"dataset": self.dataset, "n_items": self.n_items, "summary": self.summary,
                           "details": self.details, "timings": self.timings}, indent=2, default=_jsonable)


def _jsonable(o):
    if isinstance(o, float | np.floating) and np.isnan(o):
        return None
    if isinstance(o, np.integer | np.floating):
        return o.item()
    return str(o)


def load(store: Store, dataset: str) -> QcData:
    with store.connect() as conn:
        ds = dataset_id(conn, dataset)
        policy = current_version(conn)
        rows = conn.execute(select(items.c.key, items.c.text, dataset_items.c.meta)
                            .join(dataset_items, dataset_items.c.item_key == items.c.key)
                            .where(dataset_items.c.dataset_id == ds).order_by(items.c.key)).all()
        index = {r.key: i for i, r in enumerate(rows)}
        trusted = trusted_version_ids(conn, policy.category_hashes)
        obs = []
        q = (select(labels.c.item_key, labels.c.category, labels.c.value, labels.c.policy_version_id,
                    labels.c.created_at, labels.c.id, annotators.c.kind, annotators.c.name, annotators.c.is_expert)
             .join(annotators, annotators.c.id == labels.c.annotator_id)
             .join(dataset_items, dataset_items.c.item_key == labels.c.item_key)
             .where(dataset_items.c.dataset_id == ds))
        for r in conn.execute(q):
            if r.policy_version_id in trusted.get(r.category, ()):
                obs.append(checks.Obs(index[r.item_key], r.category, r.value, annotator_label(r.kind, r.name), r.kind,
                                      bool(r.is_expert) and r.kind == "person", (str(r.created_at), r.id)))
        cur = current_labels(conn, ds, policy.category_hashes)
    keys = [r.key for r in rows]
    current = {c: [cur.get(k, {}).get(c) for k in keys] for c in CATEGORIES}
    return QcData(keys, [r.text for r in rows], _splits(store, dataset, rows, keys), obs, current)


def _splits(store: Store, dataset: str, rows, keys: list[str]) -> list[str | None]:
    meta_splits = [json.loads(r.meta).get("split") if r.meta else None for r in rows]
    if any(meta_splits):
        return [str(s) if s is not None else None for s in meta_splits]
    snaps = list_snapshots(store, dataset)
    if snaps and Path(snaps[-1]["path"]).is_file():
        t = read_snapshot(Path(snaps[-1]["path"]))
        by_key = dict(zip(t.column("key").to_pylist(), t.column("split").to_pylist(), strict=True))
        return [by_key.get(k) for k in keys]
    return [None] * len(keys)


def run_checks(data: QcData, opts: QcOptions | None = None) -> tuple[dict, dict, dict]:
    """(summary, details, timings); details hold item indices."""
    opts = opts or QcOptions()
    timings: dict[str, float] = {}
    t = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        timings[name] = round(now - t, 3)
        t = now

    issues = checks.text_issues(data.texts, opts.max_chars)
    lap("text_issues")
    canon = [canonical(t) for t in data.texts]  # normalise once for both duplicate detectors
    exact = checks.exact_duplicates(canon, canonicalised=True)
    sigs = signatures(canon, canonicalised=True)
    near = checks.near_duplicates(near_duplicate_pairs(sigs, opts.near_threshold), exact)
    lap("duplicates")
    conf = checks.conflicts(data.obs)
    machine = checks.machine_human_disagreements(data.obs)
    lap("conflicts")
    agree = checks.agreement(data.obs, min_kappa=opts.min_kappa, min_overlap=opts.min_overlap)
    lap("agreement")
    errors: dict[str, list[int]] = {}
    skipped: dict[str, str] = {}
    conflicted = {(i, c) for c, idx in conf.items() for i in idx}
    for cat, vals in data.current.items():
        idx = np.array([i for i, v in enumerate(vals) if v is not None and (i, cat) not in conflicted])
        y = np.array([vals[i] for i in idx], dtype=np.int64)
        counts = np.bincount(y, minlength=2) if len(y) else np.zeros(2, dtype=int)
        if counts.min() < opts.min_per_class:
            if len(y):
                skipped[cat] = f"too few labels per class ({int(counts[0])} negative, {int(counts[1])} positive)"
            continue
        probs = oof_probabilities([data.texts[i] for i in idx], y, folds=opts.folds)
        auc = float(roc_auc_score(y, probs[:, 1]))
        if auc < opts.min_auc:
            # Confident learning needs probabilities that carry signal; a weak model flags noise.
            skipped[cat] = f"out-of-fold model too weak to judge labels (AUC {auc:.2f} < {opts.min_auc})"
            continue
        errors[cat] = [int(idx[j]) for j in find_label_issues(probs, y).indices]
    lap("label_errors")
    has_splits = any(s is not None for s in data.splits)
    leak = checks.leakage(near, data.splits) if has_splits else []
    # Exact-duplicate groups across splits leak too.
    if has_splits:
        for g in exact:
            leak += [(g[0], j, 1.0) for j in g[1:] if data.splits[g[0]] != data.splits[j]]
    lap("leakage")
    bal = checks.balance(data.current)
    summary = {
        "items": len(data.keys),
        "empty": len(issues["empty"]), "over_long": len(issues["over_long"]), "non_text": len(issues["non_text"]),
        "exact_duplicate_groups": len(exact), "exact_duplicate_items": sum(len(g) - 1 for g in exact),
        "near_duplicate_pairs": len(near),
        "conflicts": {c: len(v) for c, v in conf.items()},
        "machine_human_disagreements": {c: len(v) for c, v in machine.items()},
        "likely_label_errors": {c: len(v) for c, v in errors.items()},
        "leakage_pairs": len(leak) if has_splits else None,
        "alpha": agree["alpha"],
        "poor_annotators": [a for a, s in agree["annotators"].items() if s["poor"]],
    }
    details = {"text_issues": issues, "exact": exact, "near": near, "conflicts": conf, "label_errors": errors,
               "machine_human": machine,
               "label_errors_skipped": skipped, "leakage": leak, "agreement": agree, "balance": bal}
    return summary, details, timings


def run_qc(store: Store, dataset: str, opts: QcOptions | None = None) -> QcReport:
    t0 = time.perf_counter()
    data = load(store, dataset)
    t_load = time.perf_counter() - t0
    summary, details, timings = run_checks(data, opts)
    timings = {"load": round(t_load, 3), **timings, "total": round(time.perf_counter() - t0, 3)}
    report = QcReport(dataset, len(data.keys), summary, details, timings)
    report.details["_keys"] = data.keys
    report.details["_texts"] = data.texts
    return report


def render_html(report: QcReport, opts: QcOptions | None = None) -> str:
    opts = opts or QcOptions()
    env = Environment(loader=PackageLoader("flagstone.data.qc", "templates"),
                      autoescape=select_autoescape(["html"]))
    d = report.details
    keys, texts = d["_keys"], d["_texts"]

    def item(i: int) -> dict:
        return {"key": keys[i][:12], "text": texts[i][:300]}

    ctx = {
        "report": report, "generated": utcnow().strftime("%Y-%m-%d %H:%M UTC"), "n": opts.examples,
        "text_issues": {k: [item(i) for i in v[:opts.examples]] for k, v in d["text_issues"].items()},
        "exact": [[item(i) for i in g[:5]] for g in d["exact"][:opts.examples]],
        "near": [(item(a), item(b), s) for a, b, s in d["near"][:opts.examples]],
        "conflicts": {c: [item(i) for i in v[:opts.examples]] for c, v in d["conflicts"].items()},
        "machine_human": {c: [{**item(i), "machine": name, "machine_value": mv, "human": hv}
                              for i, name, mv, hv in v[:opts.examples]]
                          for c, v in d["machine_human"].items()},
        "errors": {c: [item(i) for i in v[:opts.examples]] for c, v in d["label_errors"].items()},
        "leak": [(item(a), item(b), s) for a, b, s in d["leakage"][:opts.examples]],
        "agreement": d["agreement"], "balance": d["balance"], "skipped": d["label_errors_skipped"],
    }
    return env.get_template("qc_report.html").render(**ctx)


def write_report(report: QcReport, out_dir: Path, opts: QcOptions | None = None) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S")
    html_path = out_dir / f"qc-{report.dataset}-{stamp}.html"
    json_path = html_path.with_suffix(".json")
    html_path.write_text(render_html(report, opts), encoding="utf-8")
    public = QcReport(report.dataset, report.n_items, report.summary,
                      {k: v for k, v in report.details.items() if not k.startswith("_")}, report.timings)
    json_path.write_text(public.to_json(), encoding="utf-8")
    return html_path, json_path
