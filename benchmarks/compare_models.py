"""Two model artifacts side by side, as served, on labelled data neither was trained on.

    python benchmarks/compare_models.py OLD_DIR NEW_DIR [--data ../shared/datasets]

Used to decide whether a retrained default model is better than the shipped one (the dev set trains the
shipped model, so its figures are out-of-fold; these sets are outside training altogether). The sets are
evaluation-only (licence classes C and D in ``../shared/datasets/README.md``), so this lives in benchmarks
and reads them from the shared folder:

* toxic-chat test split, 1500 sampled: ``toxicity`` against the any-category score (max over the 13);
* OLID test (level A): OFF against the any-category score;
* OLID training file, 2500 sampled: targeted insults at individuals (IND) against ``harassment``, at groups
  (GRP) against ``hate``, each against the NOT tweets (an assumption about the mapping, as every one is);
* GPTFuzzer's evaluate split (questions 80-99; the candidate mapping reads only questions 0-79, and answers
  whose text is also in that train split are left out): chat-model answers labelled jailbroken against refusals
  and benign answers, any-category score. "Jailbroken" is the authors' label, not our policy's: about 6 of the
  20 questions (misinformation, cheating on a test, trolling) ask for nothing the taxonomy covers, so read the
  negatives' flag rate (benign answers flagged) more than the AUPRC;
* OKTest: the share of benign prompts flagged;
* everyday instructions (alpaca-harmless-instructions, test split, 2000 sampled): the share flagged, and the share
  flagged ``illicit``; ordinary requests to an assistant, the kind of benign text a chat product sees most;
* MaliciousInstruct: the share of its 100 harmful requests caught (the other side of the instructions' rate), and
  how well the any-category score ranks those 100 above the 2,000 everyday instructions (AUPRC): a model can rank
  requests better and still flag fewer harmful ones at its thresholds.

Prints AUPRC with a 95% bootstrap interval per model, the share flagged at each model's thresholds among
positives and negatives, and the paired bootstrap difference NEW - OLD (same resamples for both).

That interval covers the sampling of the evaluation texts, not training noise: two builds of one recipe that
differ only in the seed differ by up to 0.007 AUPRC on these sets, "significantly" by the paired bootstrap
(benchmarks/results/model_v2.md, seventh session). ``--twin DIR`` takes such a build of OLD's recipe
(``flagstone train RECIPE --out DIR --seed 1``) and prints TWIN - OLD beside NEW - OLD, so a change can be read
against what the seed alone does (one twin is one draw of that noise, a yardstick rather than an interval):

    python benchmarks/compare_models.py OLD_DIR NEW_DIR --twin TWIN_DIR

``--cache DIR`` keeps each model's scores on each set (keyed by the artifact's content hash and a hash of the
texts), so a base read against several candidates is scored once: on a 2-core AVX2 host a model takes about
six minutes to score on these sets.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))


def load_sets(data: Path) -> dict[str, tuple[list[str], np.ndarray, str]]:
    rng = np.random.default_rng(0)
    tc = [r for r in csv.DictReader(open(data / "toxic-chat" / "toxic_chat_0124_human.csv", encoding="utf-8"))
          if r["split"] == "test"]
    tc = [tc[i] for i in rng.choice(len(tc), min(1500, len(tc)), replace=False)]
    olid = data / "olid-offenseval2019"
    tweets = {r["id"]: r["tweet"] for r in csv.DictReader(open(olid / "testset-levela.tsv", encoding="utf-8"),
                                                          delimiter="\t")}
    labels = {r["id"]: r["subtask_a"] for r in csv.DictReader(open(olid / "labels-levela.csv", encoding="utf-8"))}
    ids = [i for i in tweets if i in labels]
    sets = {"toxic-chat test, any": ([r["user_input"] for r in tc],
                                     np.array([int(r["toxicity"]) for r in tc]), "any"),
            "OLID test, OFF, any": ([tweets[i] for i in ids], np.array([labels[i] == "OFF" for i in ids], int), "any")}
    train = list(csv.DictReader(open(olid / "olid-training-v1.0.tsv", encoding="utf-8"), delimiter="\t"))
    train = [train[i] for i in np.random.default_rng(5).choice(len(train), min(2500, len(train)), replace=False)]
    for target, cat in (("IND", "harassment"), ("GRP", "hate")):
        keep = [r for r in train if r["subtask_a"] == "NOT" or r["subtask_c"] == target]
        sets[f"OLID {target} vs NOT, {cat}"] = ([r["tweet"] for r in keep],
                                               np.array([r["subtask_c"] == target for r in keep], int), cat)
    from flagstone.text.normalize import normalize

    # 299 of the evaluate split's answers are stock refusals also in the train split (which
    # recipes/candidate-gptfuzz.yaml trains on): left out, so the set is unseen for every model.
    seen = {normalize(r["Response"]).lower()
            for r in csv.DictReader(open(data / "gptfuzz" / "responses_labeled_train.csv", encoding="utf-8"))}
    fuzz = [r for r in csv.DictReader(open(data / "gptfuzz" / "responses_labeled_evaluate.csv", encoding="utf-8"))
            if normalize(r["Response"]).lower() not in seen]
    sets["GPTFuzzer answers, unseen questions, any"] = ([r["Response"] for r in fuzz],
                                                        np.array([int(r["label"]) for r in fuzz]), "any")
    return sets


def read_requests(data: Path) -> tuple[list[str], list[str]]:
    """Benign everyday instructions (alpaca-harmless-instructions' test split, 2000 sampled) and MaliciousInstruct's
    harmful requests."""
    with open(data / "alpaca-harmless-instructions" / "alpaca_harmless_instructions.csv", encoding="utf-8",
              newline="") as f:
        rows = [r["instruction"] for r in csv.DictReader(f) if r["split"] == "test"]
    rows = [rows[i] for i in np.random.default_rng(7).choice(len(rows), min(2000, len(rows)), replace=False)]
    malicious = [t.strip() for t in (data / "malicious-instruct" / "MaliciousInstruct.txt").read_text(
        encoding="utf-8").splitlines() if t.strip()]
    return rows, malicious


def bootstrap_auprc(scores: dict[str, np.ndarray], y: np.ndarray, n: int, seed: int = 2) -> dict[str, np.ndarray]:
    """AUPRC of each score array on the same ``n`` resamples of the texts (resamples without a positive skipped), so
    that differences between models are paired."""
    from flagstone.training.oof import average_precision

    rng = np.random.default_rng(seed)
    per: dict[str, list[float]] = {k: [] for k in scores}
    for _ in range(n):
        i = rng.integers(0, len(y), len(y))
        if y[i].sum() == 0:
            continue
        for k, s in scores.items():
            per[k].append(average_precision(s[i], y[i]))
    return {k: np.array(v) for k, v in per.items()}


def predict_cached(model, texts: list[str], cache: Path | None) -> np.ndarray:
    """``model.predict_proba(texts)``, read from / written to ``cache`` when one is given (artifacts are pinned by
    content hash, so the version and the texts decide the scores)."""
    if cache is None:
        return model.predict_proba(texts)
    key = hashlib.sha256("\x00".join(texts).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    path = cache / f"{model.info.version}-{key}.npy"
    if path.is_file():
        return np.load(path)
    p = np.asarray(model.predict_proba(texts))
    cache.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, p)
    tmp.replace(path)  # a killed run leaves no half-written entry
    return p


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "datasets"))
    ap.add_argument("--bootstrap", type=int, default=300)
    ap.add_argument("--twin", help="OLD's recipe built with another seed: the training-noise yardstick")
    ap.add_argument("--cache", type=Path, help="folder keeping each model's scores per set (by content hash)")
    args = ap.parse_args()
    from flagstone.models.kinds import load_model
    from flagstone.policy.taxonomy import CATEGORIES
    from flagstone.training.oof import average_precision, read_prompts

    data = Path(args.data)
    sets = load_sets(data)
    oktest = read_prompts(data / "oktest" / "OKTest.csv")
    models = {"old": load_model(Path(args.old)), "new": load_model(Path(args.new))}
    if args.twin:
        models["twin"] = load_model(Path(args.twin))
    print(", ".join(f"{n} = {m.info.name}@{m.info.version[:12]}" for n, m in models.items()))
    instructions, malicious = read_requests(data)
    illicit = CATEGORIES.index("illicit")
    requests = "MaliciousInstruct vs everyday instructions, any"
    request_probs = {}  # each model's scores on both sets, kept for the ranking set below (scored once)
    for name, model in models.items():
        th = np.array([model.info.thresholds[c] for c in CATEGORIES])
        p = predict_cached(model, oktest, args.cache)
        print(f"{name}: OKTest false-positive rate {(p >= th).any(axis=1).mean():.3f} on {len(oktest)} prompts")
        pi, pm = predict_cached(model, instructions, args.cache), predict_cached(model, malicious, args.cache)
        request_probs[name] = np.vstack([pi, pm])
        p, m = pi >= th, pm >= th
        print(f"{name}: everyday instructions flagged {p.any(axis=1).mean():.3f} (illicit {p[:, illicit].mean():.3f})"
              f" of {len(instructions)}; MaliciousInstruct caught {m.any(axis=1).mean():.3f} of {len(malicious)}")
    sets[requests] = (instructions + malicious,
                      np.r_[np.zeros(len(instructions), int), np.ones(len(malicious), int)], "any")
    for sname, (texts, y, cat) in sets.items():
        scores, flags = {}, {}
        for name, model in models.items():
            p = request_probs[name] if sname == requests else predict_cached(model, texts, args.cache)
            th = np.array([model.info.thresholds[c] for c in CATEGORIES])
            j = None if cat == "any" else CATEGORIES.index(cat)
            scores[name] = p.max(axis=1) if j is None else p[:, j]
            flags[name] = (p >= th).any(axis=1) if j is None else p[:, j] >= th[j]
        per = bootstrap_auprc(scores, y, args.bootstrap)
        diffs = {n: per[n] - per["old"] for n in models if n != "old"}
        print(f"\n{sname} ({len(y)} texts, {int(y.sum())} positive)")
        for n in models:
            lo, hi = np.percentile(per[n], [2.5, 97.5])
            print(f"  {n}: AUPRC {average_precision(scores[n], y):.3f} ({lo:.3f}-{hi:.3f}), flagged: positives "
                  f"{flags[n][y == 1].mean():.3f}, negatives {flags[n][y == 0].mean():.3f}")
        for n, d in diffs.items():
            lo, hi = np.percentile(d, [2.5, 97.5])
            print(f"  {n} - old: {np.mean(d):+.3f} ({lo:+.3f}..{hi:+.3f})"
                  + ("  (the seed alone)" if n == "twin" else ""))
        if "twin" in diffs and abs(np.mean(diffs["new"])) <= abs(np.mean(diffs["twin"])):
            print("  new - old is no larger than what one other seed moved: read it as training noise")


if __name__ == "__main__":
    main()
