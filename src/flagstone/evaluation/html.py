"""A self-contained HTML report: metric tables, precision-recall curves and reliability diagrams
(inline SVG, no scripts, no network), and the side-by-side comparison with significant rows marked."""

from __future__ import annotations

import math
from html import escape

import numpy as np

from flagstone.evaluation import metrics as M
from flagstone.evaluation.compare import Comparison, _metric_inputs
from flagstone.evaluation.report import ANY
from flagstone.evaluation.suites import SuiteResult

W, H, PAD = 260, 200, 30
COLOURS = ("#1f77b4", "#d62728")


def pr_curve(y: np.ndarray, s: np.ndarray) -> list[tuple[float, float]]:
    """(recall, precision) at each distinct score threshold, highest first."""
    if y.size == 0 or y.sum() == 0:
        return []
    order = np.argsort(-s, kind="mergesort")
    ys, ss = y[order], s[order]
    tp, fp = np.cumsum(ys), np.cumsum(1 - ys)
    last = np.r_[np.diff(ss) != 0, True]
    return [(float(r), float(p)) for r, p in zip(tp[last] / y.sum(), tp[last] / (tp[last] + fp[last]), strict=True)]


def _xy(x: float, y: float) -> str:
    return f"{PAD + x * (W - 2 * PAD):.1f},{H - PAD - y * (H - 2 * PAD):.1f}"


def _plot(title: str, xlabel: str, ylabel: str, series: list[tuple[str, list[tuple[float, float]]]],
          diagonal: bool = False) -> str:
    parts = [f'<svg width="{W}" height="{H}" viewBox="0 0 {W} {H}" role="img"><title>{escape(title)}</title>',
             f'<rect x="{PAD}" y="{PAD}" width="{W - 2 * PAD}" height="{H - 2 * PAD}" fill="none" stroke="#999"/>',
             f'<text x="{W / 2}" y="{H - 6}" font-size="10" text-anchor="middle">{escape(xlabel)}</text>',
             f'<text x="10" y="{H / 2}" font-size="10" transform="rotate(-90 10 {H / 2})" text-anchor="middle">'
             f'{escape(ylabel)}</text>', f'<text x="{W / 2}" y="14" font-size="11" text-anchor="middle">'
             f'{escape(title)}</text>']
    if diagonal:
        parts.append(f'<polyline points="{_xy(0, 0)} {_xy(1, 1)}" stroke="#bbb" stroke-dasharray="3" fill="none"/>')
    for i, (name, pts) in enumerate(series):
        if pts:
            c = COLOURS[i % len(COLOURS)]
            parts.append(f'<polyline points="{" ".join(_xy(x, y) for x, y in pts)}" stroke="{c}" fill="none">'
                         f'<title>{escape(name)}</title></polyline>')
    return "".join(parts) + "</svg>"


def _f(x) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.3f}"


def _table(result: SuiteResult) -> str:
    out = []
    for name, d in result.datasets.items():
        out.append(f"<h3>{escape(name)} <small>({len(d.data)} rows, {escape(d.data.source)})</small></h3>")
        out.append("<table><tr><th>category</th><th>n</th><th>pos</th><th>AUPRC</th><th>95% CI</th><th>ROC-AUC</th>"
                   "<th>thr</th><th>P</th><th>R</th><th>F1</th><th>FPR</th><th>ECE</th></tr>")
        for r in d.report.rows:
            out.append(f"<tr><td>{r.category}</td><td>{r.n}</td><td>{r.positives}</td><td>{_f(r.auprc)}</td>"
                       f"<td>[{_f(r.auprc_ci[0])}, {_f(r.auprc_ci[1])}]</td><td>{_f(r.roc_auc)}</td>"
                       f"<td>{_f(r.threshold)}</td><td>{_f(r.precision)}</td><td>{_f(r.recall)}</td>"
                       f"<td>{_f(r.f1)}</td><td>{_f(r.fpr)}</td><td>{_f(r.ece)}</td></tr>")
        out.append("</table>")
        for field, vals in d.slices.items():
            out.append(f"<h4>slices by {escape(field)}</h4><table><tr><th>{escape(field)}</th><th>n</th>"
                       "<th>AUPRC</th><th>P</th><th>R</th><th>FPR</th></tr>")
            for v, rep in vals.items():
                r = rep.row(ANY)
                out.append(f"<tr><td>{escape(v)}</td><td>{r.n}</td><td>{_f(r.auprc)}</td><td>{_f(r.precision)}</td>"
                           f"<td>{_f(r.recall)}</td><td>{_f(r.fpr)}</td></tr>")
            out.append("</table>")
    return "".join(out)


def _plots(results: list[SuiteResult]) -> str:
    out = []
    for name in results[0].datasets:
        pr, rel = [], []
        for res in results:
            y, s, _, _ = _metric_inputs(res.datasets[name], res.thresholds, ANY)
            pr.append((res.model, pr_curve(y, s)))
            rel.append((res.model, [(x, p) for x, p, _ in M.reliability_curve(y, s)] if y.size else []))
        out.append(f"<div class=plots><h4>{escape(name)}: any category</h4>"
                   + _plot("precision-recall", "recall", "precision", pr)
                   + _plot("reliability", "mean score", "positive rate", rel, diagonal=True) + "</div>")
    return "".join(out)


def _comparison(c: Comparison) -> str:
    out = ["<h2>Comparison</h2>", f"<p>A = {escape(c.a)}, B = {escape(c.b)}. "
           "<b>*</b> marks a difference whose paired-bootstrap 95% CI excludes 0.</p>",
           "<table><tr><th>dataset</th><th>category</th><th>metric</th><th>A</th><th>B</th><th>B−A</th>"
           "<th>95% CI</th><th>sig</th><th>gate</th></tr>"]
    for r in c.rows:
        gate = "" if not r.gate else ("FAIL" if r.regressed else "ok") + f" (tol {r.tolerance:g})"
        cls = ' class="fail"' if r.regressed else (' class="sig"' if r.significant else "")
        out.append(f"<tr{cls}><td>{escape(r.dataset)}</td><td>{r.category}</td><td>{r.metric}</td><td>{_f(r.a)}</td>"
                   f"<td>{_f(r.b)}</td><td>{_f(r.delta)}</td><td>[{_f(r.ci[0])}, {_f(r.ci[1])}]</td>"
                   f"<td>{'*' if r.significant else ''}</td><td>{gate}</td></tr>")
    return "".join(out) + "</table>"


def render_html(result: SuiteResult, *, other: SuiteResult | None = None, comparison: Comparison | None = None) -> str:
    results = [result] + ([other] if other is not None else [])
    body = [f"<h1>Suite {escape(result.suite)}</h1>"]
    if comparison is not None:
        body.append(_comparison(comparison))
    for res in results:
        body.append(f"<h2>{escape(res.model)}</h2>{_table(res)}")
    body.append("<h2>Curves</h2><p>" + " vs ".join(
        f'<span style="color:{COLOURS[i]}">{escape(r.model)}</span>' for i, r in enumerate(results)) + "</p>")
    body.append(_plots(results))
    style = ("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:.5em 0}"
             "td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}tr.fail{background:#fdd}"
             "tr.sig{background:#ffd}.plots{display:inline-block;margin-right:1em}")
    return (f"<!doctype html><html><head><meta charset=utf-8><title>Flagstone evaluation: "
            f"{escape(result.suite)}</title><style>{style}</style></head><body>{''.join(body)}</body></html>\n")
