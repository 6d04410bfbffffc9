"""The red-team loop on a live server (issue 18.6): run, label the failures, retrain, attack success drops.

    python benchmarks/redteam_loop.py      # ~6-7 min on a busy 2-core host; writes results/redteam_loop.md

Every step goes through the CLI and the HTTP app that ``flagstone serve`` builds, in a fresh data dir:

1. seeds: the shipped seed set, and a larger one from ``datasets/openai-moderation-dev`` (class A): the
   rows a recipe ``holdout:`` keeps out of training (``--holdout``, default 0.6 of the file), split by
   hash into half *L* (its failures are labelled) and half *U* (never labelled: does the fix generalise?);
2. ``flagstone train`` a char n-gram model (``recipes/lexical.yaml`` with that holdout; no PyTorch) -> M0;
3. ``flagstone serve --model-dir M0`` on a loopback port; ``flagstone redteam run --target URL`` with the
   default suite (perturbation seed 13) on each seed set; failures of shipped and L go to queue ``redteam``;
4. a stand-in annotator labels the queue through the labeling UI's HTML forms (``/ui/login``,
   ``/ui/queue/redteam``) on that server, ticking the seed's known positive categories (or "none of
   these"): the seed's labels are taken as the person's answer;
5. ``flagstone data snapshot redteam-failures``; the recipe gains ``{snapshot: ID, dataset:
   redteam-failures}`` (weight ``--weight``) -> ``flagstone train`` -> M1 (the labelled texts are checked
   in M1's training fingerprint, and the queue is checked empty);
6. serve M1 and attack again with a fresh draw of perturbations (suite seed 14); M0 is also attacked
   with draw 14 (control: the same attacked texts on both models), so the drop is read trial by trial.

Figures: attack success rate (ASR: successes / trials, a trial is an attacked positive the model flagged
before the attack, or a probed benign item) with Wilson 95% intervals, and the paired M0 - M1 difference
on draw 14 with a 95% interval from a bootstrap over seed items (trials of one item are not independent).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
import yaml

REPO = Path(__file__).resolve().parents[1]
DEV_MAPPING = REPO / "datasets" / "mappings" / "openai-moderation-dev.yaml"
DEV_SOURCE = "openai-moderation-dev"
FAILURES = "redteam-failures"
ANNOTATOR, PASSWORD = "redteam-annotator", "a long enough password"


def host() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown CPU")
    return (f"{cpu}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start, "
            f"Python {platform.python_version()}")


# --- statistics ------------------------------------------------------------------------------------

def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return (math.nan, math.nan)
    p = k / n
    d = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / d
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return (max(0.0, mid - half), min(1.0, mid + half))


def fmt_rate(k: int, n: int) -> str:
    if n == 0:
        return "-"
    lo, hi = wilson(k, n)
    return f"{100 * k / n:.1f}% [{100 * lo:.1f}, {100 * hi:.1f}]"


def trial_key(t: dict) -> tuple:
    return (t["attack"], t["seed_index"]) if t["kind"] == "overflag" else (t["attack"], t["seed_index"], t["category"])


def paired(before: list[dict], after: list[dict], kind: str, *, boot: int = 2000, seed: int = 0) -> dict:
    """ASR of the same trials (same attacked texts) on two models; the difference's 95% CI by a bootstrap
    that resamples seed items (all trials of an item together)."""
    a = {trial_key(t): t["success"] for t in before if t["kind"] == kind}
    b = {trial_key(t): t["success"] for t in after if t["kind"] == kind}
    keys = sorted(set(a) & set(b))
    if not keys:
        return {"n": 0}
    items = np.array([k[1] for k in keys])
    x = np.array([a[k] for k in keys], dtype=float)
    y = np.array([b[k] for k in keys], dtype=float)
    uniq, inv = np.unique(items, return_inverse=True)
    sx, sy, cnt = (np.bincount(inv, weights=w, minlength=len(uniq)) for w in (x, y, np.ones_like(x)))
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(boot):
        pick = np.bincount(rng.integers(0, len(uniq), len(uniq)), minlength=len(uniq))
        n = (pick * cnt).sum()
        diffs.append(((pick * sx).sum() - (pick * sy).sum()) / n)
    lo, hi = np.percentile(diffs, [2.5, 97.5])
    return {"n": len(keys), "items": len(uniq), "before": float(x.mean()), "after": float(y.mean()),
            "drop": float(x.mean() - y.mean()), "lo": float(lo), "hi": float(hi),
            "fixed": int(((x == 1) & (y == 0)).sum()), "broken": int(((x == 0) & (y == 1)).sum())}


# --- seeds and recipes -----------------------------------------------------------------------------

def dev_seeds(fraction: float, salt: str) -> tuple[list[dict], list[dict]]:
    """The dev rows the recipe's holdout keeps out of training, as labelled seeds, split into L and U."""
    from flagstone.policy.taxonomy import CATEGORIES
    from flagstone.text.normalize import text_key
    from flagstone.training.sources import UNKNOWN, load_mapping, load_source
    from flagstone.training.splits import holdout_mask

    ex = load_source(load_mapping(DEV_MAPPING), REPO / "datasets")
    held = holdout_mask(ex.texts, fraction, salt)
    rows = [{"text": t, "labels": {c: int(v) for c, v in zip(CATEGORIES, lab, strict=True) if v != UNKNOWN}}
            for t, lab, h in zip(ex.texts, ex.labels, held, strict=True) if h]
    half = [int(hashlib.sha256(b"redteam-loop" + text_key(r["text"]).encode()).hexdigest()[:8], 16) % 2
            for r in rows]
    return [r for r, h in zip(rows, half, strict=True) if h == 0], [r for r, h in zip(rows, half, strict=True) if h]


def seed_counts(seeds: Path | None) -> dict[str, int]:
    """Rows, labelled positive (item, category) pairs, and benign items (every known label 0) of a seed set."""
    from flagstone.evaluation.labelled import load_labelled
    from flagstone.redteam.suite import default_seeds

    data = load_labelled(seeds) if seeds else default_seeds()
    known = ~np.isnan(data.labels)
    benign = known.any(axis=1) & np.all(np.where(known, data.labels == 0, True), axis=1)
    return {"rows": len(data.texts), "positive_pairs": int((data.labels == 1).sum()), "benign": int(benign.sum())}


def write_jsonl(rows: list[dict], path: Path) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def absolute_recipe(path: Path) -> dict:
    """A recipe's YAML with its relative paths made absolute, so a copy can live anywhere."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    base = path.resolve().parent

    def fix(p: str) -> str:
        return p if Path(p).is_absolute() else str((base / p).resolve())

    for key in ("policy", "data_dir", "cache_dir", "store_dir"):
        if data.get(key):
            data[key] = fix(data[key])
    data["sources"] = [fix(s) if isinstance(s, str) else s for s in data["sources"]]
    if data.get("encoder", {}).get("path"):
        data["encoder"]["path"] = fix(data["encoder"]["path"])
    data.pop("evaluation", None)  # the loop does not run --evaluate (its OKTest path is relative too)
    return data


def retrain_recipe(base: dict, snapshot: str, store_dir: Path, weight: float) -> dict:
    """``base`` plus the labelled failures: a store snapshot source, weighted like in-domain data."""
    data = json.loads(json.dumps(base))
    source = f"snapshot:{FAILURES}"
    data["sources"] = [*data["sources"], {"snapshot": snapshot, "dataset": FAILURES, "name": source}]
    data["store_dir"] = str(store_dir)
    data["in_domain"] = {**data.get("in_domain", {}), source: weight}
    data["name"] = f"{data.get('name', 'model')}-redteam"
    return data


def suite_with_seed(suite: str | Path, seed: int, path: Path) -> Path:
    """A copy of a suite (shipped name or file) drawing its perturbations with ``seed``."""
    from flagstone.redteam.suite import load_suite

    data = load_suite(str(suite)).model_dump(mode="json", exclude_none=True)
    data.update(seed=seed, name=f"{data['name']}-seed{seed}")
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


# --- the CLI, the server, the labeling UI ----------------------------------------------------------

class Runner:
    """Runs the CLI and ``flagstone serve`` as separate processes (the benchmark); a test can pass one
    that calls ``flagstone.cli.main.main`` and serves ``create_app`` in process instead."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = {k: v for k, v in os.environ.items() if k != "FLAGSTONE_DATABASE_URL"} | env

    def cli(self, *argv: object) -> str:
        proc = subprocess.run([sys.executable, "-m", "flagstone.cli.main", *map(str, argv)], env=self.env,
                              cwd=REPO, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"flagstone {' '.join(map(str, argv))} exited {proc.returncode}:\n"
                             f"{proc.stderr[-3000:]}")
        return proc.stdout

    @contextmanager
    def serving(self, model_dir: Path, *, timeout: float = 300.0) -> Iterator[str]:
        """``flagstone serve --model-dir MODEL`` on a free loopback port; yields its base URL."""
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-m", "flagstone.cli.main", "serve", "--port", str(port),
                                 "--model-dir", str(model_dir), "--log-level", "warning"], env=self.env, cwd=REPO)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while not ready(url):
                if proc.poll() is not None:
                    raise SystemExit(f"flagstone serve exited with {proc.returncode}")
                if time.monotonic() > deadline:
                    raise SystemExit(f"flagstone serve was not ready after {timeout:.0f} s")
                time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def _csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def label_through_ui(url: str, answers: dict[str, dict[str, int]], *, queue: str = "redteam",
                     username: str = ANNOTATOR, password: str = PASSWORD, limit: int = 100_000) -> dict:
    """Sign in to the labeling UI and work the queue through its HTML forms until it is empty.

    ``answers``: item key -> the seed's known labels; the annotator ticks the categories labelled 1, or
    "none of these" when none is (an item without an answer is skipped).
    """
    out = {"labelled": 0, "positive": 0, "skipped": 0}
    with httpx.Client(base_url=url, timeout=60) as client:
        r = client.post("/ui/login", data={"username": username, "password": password,
                                           "csrf": _csrf(client.get("/ui/login").text)})
        if r.status_code != 303:
            raise SystemExit(f"UI login failed ({r.status_code}): {r.text[:300]}")
        for _ in range(limit):
            page = client.get(f"/ui/queue/{queue}").text
            if 'id="label-form"' not in page:
                break  # nothing left for this annotator
            form = page[page.index('id="label-form"'):]
            key = re.search(r'name="item_key" value="([0-9a-f]+)"', form).group(1)
            data: dict = {"csrf": _csrf(page), "item_key": key, "action": "submit"}
            truth = answers.get(key)
            if truth is None:
                data["action"] = "skip"
                out["skipped"] += 1
            else:
                chosen = sorted(c for c, v in truth.items() if v == 1)
                data.update({"category": chosen} if chosen else {"none": "1"})
                out["labelled"] += 1
                out["positive"] += bool(chosen)
            r = client.post(f"/ui/queue/{queue}", data=data)
            if r.status_code != 303:
                raise SystemExit(f"label form for {key[:12]} answered {r.status_code}: {r.text[:300]}")
    return out


def failure_answers(run_dirs: list[Path]) -> dict[str, dict[str, int]]:
    answers: dict[str, dict[str, int]] = {}
    for d in run_dirs:
        for line in (d / "failures.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            answers.setdefault(row["key"], row["labels"])
    return answers


def pending(data_dir: Path, queue: str = "redteam") -> int:
    from sqlalchemy import func, select

    from flagstone.settings import Settings
    from flagstone.store import open_store
    from flagstone.store.tables import label_queue

    store = open_store(Settings(data_dir=data_dir))
    try:
        with store.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(label_queue).where(
                label_queue.c.queue == queue, label_queue.c.status == "pending")).scalar_one())
    finally:
        store.dispose()


def latest_snapshot(data_dir: Path, dataset: str) -> str:
    from flagstone.data.snapshots import list_snapshots
    from flagstone.settings import Settings
    from flagstone.store import open_store

    store = open_store(Settings(data_dir=data_dir))
    try:
        return list_snapshots(store, dataset)[-1]["id"]
    finally:
        store.dispose()


def labelled_in_training(model_dir: Path, texts: list[str]) -> int:
    from flagstone.data.overlap import check_overlap, load_fingerprint

    fp = load_fingerprint(model_dir)
    return 0 if fp is None or not texts else int(check_overlap(fp, texts).exact.sum())


def version_of(model_dir: Path) -> str:
    from flagstone.models.kinds import manifest_version
    from flagstone.registry.store import read_manifest

    return manifest_version(read_manifest(model_dir))


# --- the loop --------------------------------------------------------------------------------------

def attack(runner: Runner, url: str, seeds: Path | None, suite: str | Path, out: Path, *, queue: bool) -> dict:
    argv = ["redteam", "run", "--target", url, "--suite", suite, "--out", out]
    argv += ["--seeds", seeds] if seeds else []
    argv += [] if queue else ["--no-queue"]
    runner.cli(*argv)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    trials = [json.loads(line) for line in (out / "trials.jsonl").read_text(encoding="utf-8").splitlines()]
    return {"report": report, "trials": trials, "dir": out}


def train(runner: Runner, recipe: dict, path: Path, out: Path) -> float:
    path.write_text(yaml.safe_dump(recipe, sort_keys=False))
    t0 = time.monotonic()
    runner.cli("train", path, "--out", out)
    return time.monotonic() - t0


def run_loop(work: Path, *, recipe: Path, seed_sets: dict[str, Path | None], labelled: tuple[str, ...],
             holdout: dict | None = None, weight: float = 3.0, draws: tuple[int, int] = (13, 14),
             suite: str = "default", runner: Callable[[dict[str, str]], Runner] = Runner,
             log: Callable[[str], object] = print) -> dict:
    """Run the whole loop in ``work``; return the figures. ``seed_sets``: name -> seeds file (None: shipped);
    the failures of the sets in ``labelled`` are queued and labelled, the others only measured."""
    var = work / "var"
    var.mkdir(parents=True, exist_ok=True)
    run = runner({"FLAGSTONE_DATA_DIR": str(var), "FLAGSTONE_REGISTRY_POLL_SECONDS": "0",
                  "FLAGSTONE_LABELING_GOLD_RATE": "0", "FLAGSTONE_UI_PASSWORD": PASSWORD})
    run.cli("policy", "import", REPO / "src/flagstone/policy/default_policy.yaml")
    run.cli("policy", "apply", "2026.11.1")
    run.cli("label", "user", "add", ANNOTATOR, "--role", "annotator")
    suites = {d: suite_with_seed(suite, d, work / f"suite-{d}.yaml") for d in draws}
    base = absolute_recipe(recipe)
    if holdout:
        base["holdout"] = {**base.get("holdout", {}), **holdout}
    fig: dict = {"runs": {}, "timings": {}, "seeds": {n: seed_counts(p) for n, p in seed_sets.items()}}

    t_train0 = train(run, base, work / "recipe-m0.yaml", work / "m0")
    fig["timings"]["train M0"] = t_train0
    log(f"trained M0 in {t_train0:.0f} s")
    with run.serving(work / "m0") as url:
        t0 = time.monotonic()
        for name, seeds in seed_sets.items():
            for d in draws:
                first = d == draws[0]
                fig["runs"][(name, "M0", d)] = attack(run, url, seeds, suites[d], work / "runs" / f"m0-{name}-{d}",
                                                      queue=first and name in labelled)
        fig["timings"]["attack M0"] = time.monotonic() - t0
        queued = pending(var)
        answers = failure_answers([work / "runs" / f"m0-{n}-{draws[0]}" for n in labelled])
        log(f"M0 attacked; {queued} failures pending in queue 'redteam' ({len(answers)} distinct texts)")
        t0 = time.monotonic()
        done = label_through_ui(url, answers)
        fig["timings"]["labelling (UI forms)"] = time.monotonic() - t0
    left = pending(var)
    fig["queue"] = {"queued": queued, "distinct_texts": len(answers), **done, "pending_after": left}
    log(f"labelled {done['labelled']} items through the UI ({done['positive']} with a category); {left} pending")

    run.cli("data", "snapshot", FAILURES)
    snap = latest_snapshot(var, FAILURES)
    t_train1 = train(run, retrain_recipe(base, snap, var, weight), work / "recipe-m1.yaml", work / "m1")
    fig["timings"]["train M1"] = t_train1
    manifest = json.loads((work / "m1" / "manifest.json").read_text(encoding="utf-8"))
    texts = [json.loads(line)["text"] for n in labelled
             for line in (work / "runs" / f"m0-{n}-{draws[0]}" / "failures.jsonl").read_text().splitlines()]
    fig["snapshot"] = {"id": snap, "training": manifest.get("training", {}).get("snapshots", []),
                       "labelled_texts": len(set(texts)),
                       "in_m1_training": labelled_in_training(work / "m1", list(set(texts))),
                       "in_m0_training": labelled_in_training(work / "m0", list(set(texts)))}
    log(f"trained M1 in {t_train1:.0f} s on snapshot {snap[:12]}: {fig['snapshot']['in_m1_training']} of "
        f"{len(set(texts))} labelled texts in its training data")
    with run.serving(work / "m1") as url:
        t0 = time.monotonic()
        for name, seeds in seed_sets.items():
            fig["runs"][(name, "M1", draws[1])] = attack(run, url, seeds, suites[draws[1]],
                                                         work / "runs" / f"m1-{name}-{draws[1]}",
                                                         queue=name in labelled)
        fig["timings"]["attack M1"] = time.monotonic() - t0
    fig["next_round_queued"] = pending(var)
    fig["models"] = {m: version_of(work / m) for m in ("m0", "m1")}
    return fig


# --- report ----------------------------------------------------------------------------------------

def totals(run: dict, kind: str) -> tuple[int, int]:
    t = run["report"]["totals"][kind]
    return t["successes"], t["trials"]


def markdown(fig: dict, args: argparse.Namespace, elapsed: float, hostline: str) -> str:
    d0, d1 = args.draws
    seed_sizes = {n: c["rows"] for n, c in fig["seeds"].items()}
    first = next(iter(fig["runs"].values()))["report"]["totals"]
    recipe = Path(args.recipe).resolve()
    recipe_name = recipe.relative_to(REPO) if recipe.is_relative_to(REPO) else recipe.name
    lines = ["# Red-team loop: run, label the failures, retrain, attack again (issue 18.6)", "",
             f"`python benchmarks/redteam_loop.py` ({time.strftime('%Y-%m-%d')}): {elapsed / 60:.1f} min in all "
             f"on {hostline}.", "",
             f"M0: `{recipe_name}` (char n-grams, no encoder) with `holdout: {{openai-moderation-dev: "
             f"{{fraction: {args.holdout}, salt: {args.salt}}}}}`. M1: the same recipe plus the labelled failures "
             f"as a store snapshot source (`{{snapshot: ID, dataset: redteam-failures}}`, sample weight "
             f"{args.weight}, as the in-domain dev rows). Both served by `flagstone serve --model-dir` on a "
             f"loopback port and attacked with `flagstone redteam run --target URL` (suite `{args.suite}`: "
             f"{first['miss']['attacks']} attacks on flagged positives, {first['overflag']['attacks']} "
             "over-flagging probes on benign items).", "",
             "Seed sets: " + ", ".join(f"**{n}** {k} rows" for n, k in seed_sizes.items()) + ". *shipped* is "
             "`flagstone/redteam/data/seeds.json`; *dev-L* and *dev-U* are the dev rows M0 and M1 never "
             "train on, split in halves by hash: the failures of *shipped* and *dev-L* are labelled, *dev-U*'s "
             "never are (does the fix carry to texts nobody labelled?).", "",
             "Labelling: through the labeling UI's HTML forms on the running server (sign in, "
             "`/ui/queue/redteam`, one form post per item), as a person would; the answer is the seed's known "
             "labels (the categories labelled 1 ticked, else 'none of these'; categories the seed does not "
             "label are left unticked, i.e. 0).", "",
             "## Attack success rate (95% Wilson intervals)", "",
             "A miss trial is an attacked (positive item, category) pair the model flagged before the attack; "
             "a success is a miss. A probe trial is a benign item the model did not flag; a success is a flag. "
             f"Draw {d0} is the one whose failures were labelled; draw {d1} is fresh (other perturbations).", "",
             "| seeds | model | draw | miss trials | miss ASR | probe trials | probe ASR (false flags) |",
             "|---|---|---|---:|---|---:|---|"]
    for (name, model, draw), run in fig["runs"].items():
        mk, mn = totals(run, "miss")
        ok, on = totals(run, "overflag")
        lines.append(f"| {name} | {model} | {draw} | {mn} | {fmt_rate(mk, mn)} | {on} | {fmt_rate(ok, on)} |")
    lines += ["", "## The unattacked seeds: what each model flags", "",
              "Recall: labelled positive (item, category) pairs flagged; false flags: benign seed items (every "
              "known label 0) flagged for any category. The retrained model must not buy the drop by "
              "flagging everything.", "",
              "| seeds | positive pairs | benign items | M0 recall | M1 recall | M0 false flags | M1 false flags |",
              "|---|---:|---:|---|---|---|---|"]
    for name, c in fig["seeds"].items():
        rec = [fig["runs"][(name, m, d)]["report"]["flagged_positive_pairs"] for m, d in (("M0", d0), ("M1", d1))]
        ff = [c["benign"] - fig["runs"][(name, m, d)]["report"]["benign_items"] for m, d in (("M0", d0), ("M1", d1))]
        lines.append(f"| {name} | {c['positive_pairs']} | {c['benign']} | {fmt_rate(rec[0], c['positive_pairs'])} | "
                     f"{fmt_rate(rec[1], c['positive_pairs'])} | {fmt_rate(ff[0], c['benign'])} | "
                     f"{fmt_rate(ff[1], c['benign'])} |")
    lines += ["", f"## The drop, trial by trial (draw {d1}: the same attacked texts on M0 and M1)", "",
              "Only trials both models have (the positive was flagged by both before the attack; the benign "
              "item flagged by neither). 95% interval of the drop: bootstrap over seed items (2,000).", "",
              "| seeds | kind | paired trials | items | M0 ASR | M1 ASR | drop [95% CI] | fixed | newly broken |",
              "|---|---|---:|---:|---:|---:|---|---:|---:|"]
    for name in seed_sizes:
        for kind in ("miss", "overflag"):
            p = paired(fig["runs"][(name, "M0", d1)]["trials"], fig["runs"][(name, "M1", d1)]["trials"], kind)
            if not p["n"]:
                lines.append(f"| {name} | {kind} | 0 | | | | | | |")
                continue
            lines.append(f"| {name} | {kind} | {p['n']} | {p['items']} | {100 * p['before']:.1f}% | "
                         f"{100 * p['after']:.1f}% | {100 * p['drop']:+.1f} pts [{100 * p['lo']:+.1f}, "
                         f"{100 * p['hi']:+.1f}] | {p['fixed']} | {p['broken']} |")
    lines += ["", "Reading: on draw " + str(d1) + ", the same attacked texts were missed by M0 and M1 at "
              + "; ".join(f"{n} {100 * p['before']:.1f}% -> {100 * p['after']:.1f}%"
                          for n in seed_sizes
                          if (p := paired(fig["runs"][(n, "M0", d1)]["trials"],
                                          fig["runs"][(n, "M1", d1)]["trials"], "miss"))["n"]) + ".",
              "",
              "Caveats:",
              "",
              f"- draw {d1} perturbs the labelled seed items afresh, but they are the same items: on *shipped* and "
              "*dev-L* M1 has trained on other perturbations of them; *dev-U* (never labelled) is the measure of "
              "what carries over to new items;",
              "- M1 flags more of the unattacked positives, so the plain ASRs above have different denominators; "
              "the paired table compares the trials both models have, which sit on few items (hence the "
              "bootstrap over items);",
              "- the annotator's answer is the seed's label; a person could judge some attacked texts otherwise "
              "(a dilution that buries the harmful sentence, a framing that changes its sense);",
              "- one round, on a small char n-gram model; the shipped ensemble (encoder + char n-grams) is not "
              "measured here."]
    q, s = fig["queue"], fig["snapshot"]
    lines += ["", "## The loop's bookkeeping", "",
              f"- queued after the first attack (draw {d0}): {q['queued']} queue rows, {q['distinct_texts']} "
              "distinct attacked texts;",
              f"- labelled through the UI: {q['labelled']} items ({q['positive']} with a category, the rest "
              f"'none of these'), {q['skipped']} skipped; pending afterwards: {q['pending_after']};",
              f"- snapshot `{s['id'][:12]}` of `redteam-failures`; M1's manifest records "
              + ", ".join(f"{t.get('source')}: {t.get('rows')} rows" for t in s["training"])
              + f"; {s['in_m1_training']} of {s['labelled_texts']} labelled texts are in M1's training "
              f"fingerprint ({s['in_m0_training']} in M0's);",
              f"- the after-attack (draw {d1}) queued {fig['next_round_queued']} new failures of the labelled "
              "sets for the next round;",
              "- time: " + ", ".join(f"{k} {v:.0f} s" for k, v in fig["timings"].items()) + ".", ""]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--recipe", default=str(REPO / "recipes" / "lexical.yaml"))
    ap.add_argument("--holdout", type=float, default=0.6, help="share of the dev file held out as seeds")
    ap.add_argument("--salt", default="redteam-loop")
    ap.add_argument("--weight", type=float, default=3.0, help="sample weight of the labelled failures")
    ap.add_argument("--suite", default="default", help="red-team suite (shipped name or YAML file)")
    ap.add_argument("--draws", type=int, nargs=2, default=(13, 14), help="perturbation seeds: labelled, fresh")
    ap.add_argument("--work", help="working folder (default: a temporary one, removed)")
    ap.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "redteam_loop.md"))
    args = ap.parse_args()
    hostline = host()
    print(f"host: {hostline}", flush=True)
    t_start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="redteam-loop-") as tmp:
        work = Path(args.work) if args.work else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        dev_l, dev_u = dev_seeds(args.holdout, args.salt)
        seed_sets = {"shipped": None, "dev-L": write_jsonl(dev_l, work / "dev-L.jsonl"),
                     "dev-U": write_jsonl(dev_u, work / "dev-U.jsonl")}
        print(f"seed sets: shipped, dev-L {len(dev_l)} rows, dev-U {len(dev_u)} rows", flush=True)
        fig = run_loop(work, recipe=Path(args.recipe), seed_sets=seed_sets, labelled=("shipped", "dev-L"),
                       holdout={DEV_SOURCE: {"fraction": args.holdout, "salt": args.salt}}, weight=args.weight,
                       draws=tuple(args.draws), suite=args.suite, log=lambda m: print(m, flush=True))
    elapsed = time.monotonic() - t_start
    text = markdown(fig, args, elapsed, hostline)
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
