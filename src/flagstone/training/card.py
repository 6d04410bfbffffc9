"""The model card (``MODEL_CARD.md``) written into every trained artifact, from its manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flagstone.policy.taxonomy import CATEGORIES


def _head_kind(h: dict[str, Any], spec: dict[str, Any] | None = None) -> str:
    bagged = int((spec or {}).get("bag") or 1)
    if h.get("hidden_units") and bagged > 1:
        return (f"{bagged} hidden layers of {h['hidden_units'] // bagged} ReLU units shared by the categories, "
                "from consecutive seeds, logits averaged")
    if h.get("hidden_units"):
        return f"one hidden layer of {h['hidden_units']} ReLU units shared by the categories"
    return f"logistic regression, C={h['C']}"


def _f(x: Any) -> str:
    return "n/a" if x is None or x != x else f"{x:.3f}"


def _augment_lines(aug: dict[str, Any] | None) -> list[str]:
    if not aug:
        return []
    return ["", f"Adversarial augmentation: {aug['rows_added']} perturbed copies of training-split rows added "
                "(labels carried over; never calibration or dev rows), by attack: "
                + ", ".join(f"{k.split(':', 1)[-1]} {v}" for k, v in aug["by_origin"].items())
                + f". Provenance of each row: `{aug['provenance']}`."]


def _data_lines(t: dict[str, Any]) -> list[str]:
    """Snapshots trained on, held-out splits, and label counts per category and source."""
    lines: list[str] = []
    for s in t.get("snapshots", []):
        tiers = sorted({tier for per in s["labels"].values() for tier in per})
        lines += ["", f"Store snapshot `{s['id']}` of dataset {s['dataset']} ({s['rows']} labelled items), labels "
                      f"resolved under policy version `{s['policy_hash'][:12]}` with the precedence adjudicated > "
                      f"human > LLM > pseudo-label > mapped public label; deciding tiers: {', '.join(tiers)}."]
    for name, h in sorted(t.get("holdout", {}).items()):
        lines += ["", f"Held out of training and of the OOF evaluation: {h['rows_held_out']} rows of {name} "
                      f"(fraction {h['fraction']}, salt {h['salt']!r}), kept for the promotion gate."]
    counts = t.get("label_counts")
    if counts:
        lines += ["", "| category | source | positive | negative |", "|---|---|---|---|"]
        lines += [f"| {c} | {src} | {n['positive']} | {n['negative']} |"
                  for c in CATEGORIES if c in counts for src, n in sorted(counts[c].items())]
    return lines


def _language_table(languages: dict[str, dict[str, int]]) -> list[str]:
    lines = ["", "| language | right | harmful caught (recall) | benign flagged (FPR) |", "|---|---|---|---|"]
    for lang, d in languages.items():
        rec = d["caught"] / d["positives"] if d["positives"] else None
        fpr = 1 - d["clean"] / d["negatives"] if d["negatives"] else None
        lines.append(f"| {lang} | {d['right']}/{d['n']} | {_f(rec)} ({d['caught']}/{d['positives']}) | "
                     f"{_f(fpr)} ({d['negatives'] - d['clean']}/{d['negatives']}) |")
    return lines


def model_card(m: dict[str, Any]) -> str:
    t, pol, metrics = m["training"], m["policy"], m.get("metrics", {})
    specs = {h["features"]: h for h in (t.get("recipe") or {}).get("heads", [])}
    lines = [
        f"# Model card: {m['name']}",
        "",
        "## Intended use",
        "Scores text for the 13 OpenAI moderation categories with calibrated probabilities, served on CPU",
        "without PyTorch. Use it as a first-pass filter with human review of flagged items; it is not a",
        "substitute for a human decision on appeals, legal questions or crisis situations.",
        "",
        "## Model",
        f"- Encoder: {m['encoder']['base']} exported to ONNX (int8: {m['encoder']['quantized']}), mean pooling, "
        f"max {m['encoder']['max_tokens']} tokens.",
        *([f"- Multilingual encoder: {m['multilingual']['source']} (512-d, texts cut at "
           f"{m['multilingual']['max_chars']} characters; licence: `{m['multilingual']['licence']}`). Text that is "
           "not English (P(English) by py3langid) is scored by the multilingual head alone, with its own "
           "calibration: score = w * ensemble + (1 - w) * multilingual, w = P(English)."]
          if m.get("multilingual") else []),
        *([f"- Fine-tuned encoder: {m['finetuned']['base']} fine-tuned end to end with a linear head over the "
           f"categories ({m['training'].get('finetune', {}).get('rows', '?')} training rows, max "
           f"{m['finetuned']['max_tokens']} tokens, int8 ONNX); {m['finetuned']['share']} x its logit is added to "
           "the English raw score before calibration."]
          if m.get("finetuned") else []),
        *([f"- Reading long text: texts of {m['windows']['sentence_min_words']}+ words are also scored sentence by "
           f"sentence (longer than the encoder window: in context windows too); a window counts "
           f"{m['windows']['weight']} times its score against the whole text's."]
          if m.get("windows", {}).get("sentence_min_words") else []),
        f"- Char n-grams {m['featurizers']['char']['ngram_range']} hashed into "
        f"{m['featurizers']['char']['n_features']} buckets, sublinear TF-IDF.",
        "- Heads: " + ", ".join(f"{h['features']} ({_head_kind(h, specs.get(h['features']))}, weight {h['weight']}"
                                + (f", fitted on embeddings jittered by noise of norm {h['noise']}" if h.get("noise") else "")
                                + ")" for h in m["heads"]) + "; logits averaged, then calibrated per category.",
        f"- Policy: {pol['name']} version {pol['version']} (sha256 {pol['hash'][:16]}…).",
        "",
        "## Training data",
        "| source | rows |",
        "|---|---|",
        *[f"| {s} | {n} |" for s, n in sorted(t["sources"].items())],
        f"\n{t['unique_texts']} unique texts after normalisation and de-duplication. Unmapped labels are",
        "unknown and masked out of that category's loss. Mappings: `datasets/mappings/`.",
        *_augment_lines(t.get("augment")),
        *_data_lines(t),
        "",
        "## Per-category training, calibration and thresholds",
        "| category | train +/- | calibration +/- | calibration | threshold | target |",
        "|---|---|---|---|---|---|",
    ]
    for c in CATEGORIES:
        r = m["categories"][c]
        target = (f"precision {r['target_precision']}" if "target_precision" in r else f"recall {r.get('target_recall')}")
        borrowed = f" (head of {r['borrowed_from']})" if r.get("borrowed_from") else ""
        lines.append(f"| {c} | {r['train_positives']}/{r['train_negatives']}{borrowed} | "
                     f"{r['calibration_positives']}/{r['calibration_negatives']} | {r['calibration']} | "
                     f"{r['threshold']} | {target} |")
    slack = (t.get("recipe") or {}).get("calibration", {}).get("recall_slack")
    if slack:  # (a card without it reads as before, so recipes without slack still rebuild their artifacts)
        lines += ["", f"Thresholds for a precision target: the highest calibrated score whose calibration-split recall is "
                      f"within {slack} of that of the lowest score reaching the target (recipe `recall_slack`)."]
    lines += ["", "## Evaluation"]
    dev = metrics.get("dev_oof")
    if dev:
        a = dev["any"]
        lines += [f"OpenAI moderation dev set, {dev['folds']}-fold out-of-fold (trained on the other folds too):",
                  f"- any-category AUPRC {_f(a['auprc'])} (95% CI {_f(a['ci95'][0])}–{_f(a['ci95'][1])}, "
                  f"{a['positives']}/{a['n']} positive)", "",
                  "| category | AUPRC | 95% CI | positives/n | ECE |", "|---|---|---|---|---|"]
        for c, r in dev["per_category"].items():
            lines.append(f"| {c} | {_f(r['auprc'])} | {_f(r['ci95'][0])}–{_f(r['ci95'][1])} | "
                         f"{r['positives']}/{r['n']} | {_f(r['ece'])} |")
    if "oktest" in metrics:
        ok = metrics["oktest"]
        lines += ["", f"OKTest (benign prompts with alarming words): false-positive rate {_f(ok['fpr'])} "
                      f"on {ok['n']} prompts; flagged by category: {ok['flagged_by_category']}"]
    fn = metrics.get("functional") or {}
    if "classes" in fn:
        lines += ["", f"Functional suite ({fn['items']} hand-written items, `suites/functional/`), scored as served:", "",
                  "| class | right | accuracy | harmful caught | benign left alone |", "|---|---|---|---|---|"]
        lines += [f"| {r['class']} | {r['right']}/{r['n']} | {_f(r['accuracy'])} | {r['caught']}/{r['positives']} | "
                  f"{r['clean']}/{r['negatives']} |" for r in fn["classes"]]
        lines += ["", "Per language (same suite):", *_language_table(fn.get("languages", {}))]
    native = fn.get("native_languages")
    if native:
        lines += ["", f"Per language on the native multilingual test set (`{Path(native['suite']).name}`, "
                      f"{native['items']} items: harmful and benign texts written in each language, not translated; "
                      "how it was made: `suites/functional/README.md`). The figures to read for a language:",
                  *_language_table(native["languages"])]
    if not dev and "oktest" not in metrics:
        lines.append("Not evaluated in this run (train with `--evaluate`).")
    lines += [
        "",
        "## Known gaps",
        "- Thin categories (self-harm/intent, self-harm/instructions, harassment/threatening, violence/graphic,",
        "  hate/threatening, sexual/minors) have few positives; a category with too few borrows its parent's head.",
        "- Positives for illicit come mostly from *requests* (question sets), so harmful content phrased",
        "  otherwise, and benign requests that sound dangerous, are the likeliest errors.",
        *(["- Languages other than English are scored by one head on the multilingual encoder, trained on",
           "  (mostly English) labels through the shared vector space; no native-speaker labelled data trained it."]
          if m.get("multilingual") else ["- English only; images are not scored by this model."]),
        "",
    ]
    return "\n".join(lines)
