"""Side-by-side comparison of two models on one suite, with a paired bootstrap per metric.

Both models scored the same rows, so each bootstrap resample draws the same row indices for both and
the confidence interval is of the *difference* (B - A). A difference is *significant* when that
interval excludes 0; a gate *regresses* when B is worse than A by more than the gate's tolerance.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from flagstone.evaluation import metrics as M
from flagstone.evaluation.report import ANY
from flagstone.evaluation.suites import METRICS, DatasetResult, GateSpec, SuiteResult
from flagstone.policy.taxonomy import CATEGORIES, CATEGORY_INDEX


@dataclass(frozen=True)
class MetricDiff:
    dataset: str
    category: str
    metric: str
    a: float
    b: float
    delta: float  # b - a
    ci: tuple[float, float]
    significant: bool
    tolerance: float | None  # set when this metric gates
    regressed: bool  # gate only: b worse than a by more than the tolerance

    @property
    def gate(self) -> bool:
        return self.tolerance is not None


@dataclass(frozen=True)
class Comparison:
    a: str
    b: str
    suite: str
    rows: list[MetricDiff]

    @property
    def regressions(self) -> list[MetricDiff]:
        return [r for r in self.rows if r.regressed]

    def to_dict(self) -> dict:
        return {"a": self.a, "b": self.b, "suite": self.suite, "passed": not self.regressions,
                "rows": [asdict(r) for r in self.rows]}


def _metric_inputs(d: DatasetResult, thresholds: dict[str, float], category: str
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """(labels, ranking score, flag-rule score, threshold) over the rows labelled for the category."""
    labels, scores = d.data.labels, d.scores
    if category == ANY:
        known = ~np.all(np.isnan(labels), axis=1)
        y = (np.nan_to_num(labels[known], nan=0.0).max(axis=1) > 0).astype(int)
        thr = np.array([thresholds[c] for c in CATEGORIES])
        return y, scores[known].max(axis=1), (scores[known] >= thr).any(axis=1).astype(float), 0.5
    j = CATEGORY_INDEX[category]
    known = ~np.isnan(labels[:, j])
    return labels[known, j].astype(int), scores[known, j], scores[known, j], thresholds[category]


def metric_value(metric: str, y: np.ndarray, s: np.ndarray, flag: np.ndarray, thr: float) -> float:
    if metric == "auprc":
        return M.average_precision(y, s)
    if metric == "roc_auc":
        return M.roc_auc(y, s)
    if metric == "ece":
        return M.expected_calibration_error(y, s)
    if metric == "fpr":
        return M.false_positive_rate(y, flag, thr)
    p, r, f = M.precision_recall_f1(y, flag, thr)
    return {"precision": p, "recall": r, "f1": f}[metric]


def paired_diff(metric: str, ya, sa, fa, ta, yb, sb, fb, tb, *, n_boot: int, seed: int = 0
                ) -> tuple[float, float, float, tuple[float, float]]:
    """Point values for A and B, their difference, and a paired percentile bootstrap CI of B - A."""
    a = metric_value(metric, ya, sa, fa, ta)
    b = metric_value(metric, yb, sb, fb, tb)
    rng = np.random.default_rng(seed)
    deltas = []
    for _ in range(n_boot):
        idx = rng.integers(0, ya.size, ya.size)
        d = metric_value(metric, yb[idx], sb[idx], fb[idx], tb) - metric_value(metric, ya[idx], sa[idx], fa[idx], ta)
        if not math.isnan(d):
            deltas.append(d)
    ci = tuple(float(q) for q in np.quantile(deltas, [0.025, 0.975])) if deltas else (math.nan, math.nan)
    return a, b, b - a, ci  # type: ignore[return-value]


def compare(a: SuiteResult, b: SuiteResult, gates: list[GateSpec], *, n_boot: int = 200,
            metrics: tuple[str, ...] = ("auprc", "recall", "fpr", "ece")) -> Comparison:
    """Compare B against A on every gate metric and on ``metrics`` for the "any" row of each dataset."""
    wanted: dict[tuple[str, str, str], float | None] = {(g.dataset, g.category, g.metric): g.tolerance for g in gates}
    for name in a.datasets:
        for m in metrics:
            wanted.setdefault((name, ANY, m), None)
    rows = []
    for (ds, cat, metric), tol in wanted.items():
        da, db = a.datasets[ds], b.datasets[ds]
        if cat != ANY and cat not in da.data.labelled_categories:
            a_val = b_val = delta = math.nan
            ci = (math.nan, math.nan)
        else:
            a_val, b_val, delta, ci = paired_diff(metric, *_metric_inputs(da, a.thresholds, cat),
                                                  *_metric_inputs(db, b.thresholds, cat), n_boot=n_boot)
        worse = -delta if METRICS[metric] else delta
        significant = not math.isnan(ci[0]) and (ci[0] > 0 or ci[1] < 0)
        regressed = tol is not None and not math.isnan(worse) and worse > tol + 1e-12
        rows.append(MetricDiff(ds, cat, metric, a_val, b_val, delta, ci, significant, tol, regressed))
    return Comparison(a.model, b.model, a.suite, rows)


def comparison_table(c: Comparison) -> str:
    """Plain-text table (the library builds the text; only the CLI prints it)."""
    def f(x: float) -> str:
        return "  -  " if x is None or math.isnan(x) else f"{x:.3f}"

    head = (f"{'dataset':<14}{'category':<20}{'metric':<10}{'A':>7}{'B':>7}{'B-A':>8}  {'95% CI of B-A':<17}"
            f"{'sig':<4}{'gate':<12}")
    lines = [f"A = {c.a}   B = {c.b}   suite {c.suite}", head, "-" * len(head)]
    for r in c.rows:
        ci = f"[{f(r.ci[0])}, {f(r.ci[1])}]"
        gate = "" if not r.gate else (f"FAIL (tol {r.tolerance:g})" if r.regressed else f"ok (tol {r.tolerance:g})")
        delta = "  -  " if math.isnan(r.delta) else f"{r.delta:+.3f}"
        lines.append(f"{r.dataset:<14}{r.category:<20}{r.metric:<10}{f(r.a):>7}{f(r.b):>7}{delta:>8}  {ci:<17}"
                     f"{'*' if r.significant else '':<4}{gate:<12}")
    return "\n".join(lines)
