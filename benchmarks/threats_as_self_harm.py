"""How often a model flags threats and violence against others as self-harm, on the functional suites' items.

    python benchmarks/threats_as_self_harm.py [MODEL_DIR ...]   (default: the shipped model)

The items are those of ``suites/functional/items.jsonl`` and ``multilingual.jsonl`` that must flag violence,
harassment/threatening, hate/threatening or illicit/violent and no self-harm category. Since the sixth session
their ``must_not_flag`` lists self-harm, so the functional gate counts these items wrong; this benchmark counts
the confusion alone, per language. The issue 17 notes
(``benchmarks/results/model_v2.md``, fifth session) report it. Flags are as served: a flagged sub-category
flags its parent.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

SUITES = [REPO / "suites" / "functional" / "items.jsonl", REPO / "suites" / "functional" / "multilingual.jsonl"]
THREATS = {"violence", "harassment/threatening", "hate/threatening", "illicit/violent"}
SELF_HARM = {"self-harm", "self-harm/intent", "self-harm/instructions"}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="*", default=[str(REPO / "src" / "flagstone" / "models" / "default")])
    ap.add_argument("--show", type=int, default=5, help="print this many flagged items per model")
    args = ap.parse_args()

    from flagstone.models.kinds import load_model
    from flagstone.models.scoring import score_texts
    from flagstone.policy.taxonomy import CATEGORIES, CATEGORY_INDEX, flag_matrix

    items = [json.loads(line) for path in SUITES for line in path.read_text(encoding="utf-8").splitlines()
             if line.strip()]
    chosen = [it for it in items
              if set(it.get("must_flag_any") or []) & THREATS and not set(it.get("must_flag_any") or []) & SELF_HARM]
    for path in args.models:
        model = load_model(path)
        thresholds = np.array([model.info.thresholds[c] for c in CATEGORIES])
        flags = flag_matrix(score_texts(model, [it["text"] for it in chosen], 16), thresholds)
        hit = flags[:, [CATEGORY_INDEX[c] for c in sorted(SELF_HARM)]].any(axis=1)
        per_lang, flagged = Counter(it.get("lang", "en") for it in chosen), Counter()
        for it, h in zip(chosen, hit, strict=True):
            flagged[it.get("lang", "en")] += int(h)
        print(f"{model.info.name}@{model.info.version[:12]}: {int(hit.sum())} of {len(chosen)} threat items flagged "
              "as self-harm; by language " + ", ".join(f"{k} {flagged[k]}/{n}" for k, n in per_lang.items()))
        for it in [it for it, h in zip(chosen, hit, strict=True) if h][:args.show]:
            print(f"  [{it.get('lang', 'en')}] {it['text'][:100]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
