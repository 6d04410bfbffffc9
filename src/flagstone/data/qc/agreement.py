"""Inter-annotator agreement as pure functions: Cohen's kappa and Krippendorff's alpha (nominal).

* Cohen (1960): ``kappa = (p_o - p_e) / (1 - p_e)`` for two raters on the same items.
* Krippendorff (2011, "Computing Krippendorff's Alpha-Reliability"): ``alpha = 1 - D_o / D_e`` from
  the coincidence matrix over units with at least two values; any number of raters, missing values
  allowed. For nominal data ``D_o = sum_{c != k} o_ck / n`` and
  ``D_e = sum_{c != k} n_c n_k / (n (n - 1))``.

Both return ``nan`` when undefined (no pairable data, or no variation at all).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Sequence


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    if len(a) != len(b):
        raise ValueError(f"rater sequences differ in length: {len(a)} vs {len(b)}")
    n = len(a)
    if n == 0:
        return math.nan
    p_o = sum(x == y for x, y in zip(a, b, strict=True)) / n
    ca, cb = Counter(a), Counter(b)
    p_e = sum(ca[k] * cb.get(k, 0) for k in ca) / (n * n)
    if p_e == 1.0:
        return math.nan
    return (p_o - p_e) / (1 - p_e)


def krippendorff_alpha_nominal(units: Sequence[Sequence[Hashable | None]]) -> float:
    """``units[u]`` holds the values the raters gave unit ``u`` (``None`` = not rated)."""
    coincid: Counter = Counter()
    for unit in units:
        vals = [v for v in unit if v is not None]
        m = len(vals)
        if m < 2:
            continue
        counts = Counter(vals)
        for c, nc in counts.items():
            for k, nk in counts.items():
                pairs = nc * (nk - 1) if c == k else nc * nk
                coincid[(c, k)] += pairs / (m - 1)
    n = sum(coincid.values())
    if n <= 1:
        return math.nan
    marg: Counter = Counter()
    for (c, _k), v in coincid.items():
        marg[c] += v
    d_o = sum(v for (c, k), v in coincid.items() if c != k) / n
    d_e = sum(marg[c] * marg[k] for c in marg for k in marg if c != k) / (n * (n - 1))
    if d_e == 0:
        return math.nan
    return 1.0 - d_o / d_e
