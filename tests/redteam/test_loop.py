"""The red-team loop at a tiny scale (issue 18.6): ``benchmarks/redteam_loop.py``'s own ``run_loop``.

Train a char n-gram model on the end-to-end slice -> serve it (the app ``flagstone serve`` builds, on a
loopback port) -> ``flagstone redteam run --target URL`` on a handful of seeds -> label the queued
failures through the labeling UI's forms -> snapshot -> retrain with the snapshot -> serve and attack
again. The CLI runs in process here (the benchmark runs it as processes); everything else is the same code.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from tests.scripts import load_script
from tests.serving.conftest import LiveServer

from flagstone.cli.main import main
from flagstone.policy.taxonomy import CATEGORIES
from flagstone.redteam.suite import default_seeds
from flagstone.serving.app import create_app
from flagstone.settings import load_settings

REPO = Path(__file__).resolve().parents[2]
E2E = REPO / "tests" / "fixtures" / "e2e"


def _load_benchmark():
    return load_script(REPO / "benchmarks" / "redteam_loop.py", "redteam_loop")


loop = _load_benchmark()


class InProcess(loop.Runner):
    """The CLI's ``main`` and ``create_app`` (as ``flagstone serve`` builds it) in this process."""

    def __init__(self, env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("FLAGSTONE_DATABASE_URL", raising=False)
        for k, v in env.items():
            monkeypatch.setenv(k, v)

    def cli(self, *argv: object) -> str:
        rc = main([str(a) for a in argv])
        assert rc == 0, f"flagstone {' '.join(map(str, argv))} exited {rc}"
        return ""

    @contextmanager
    def serving(self, model_dir: Path, *, timeout: float = 60.0) -> Iterator[str]:
        with LiveServer(create_app(load_settings(model_dir=model_dir))) as server:
            deadline = time.monotonic() + timeout
            while not loop.ready(server.url):  # the model loads in the background at start-up
                assert time.monotonic() < deadline, "the app did not become ready"
                time.sleep(0.05)
            yield server.url


def tiny_recipe(tmp: Path) -> Path:
    """The end-to-end test's char n-gram recipe over the 317-row slice's mapping file (no snapshot)."""
    data = yaml.safe_load((E2E / "recipe.yaml").read_text())
    data["sources"] = ["mapping.yaml"]
    for key in ("store_dir", "holdout"):
        data.pop(key)
    path = E2E / "recipe.yaml"  # relative paths are resolved from the fixture folder, where this copy lives
    data = {**data, **{k: str((path.parent / data[k]).resolve()) for k in ("policy", "data_dir", "cache_dir")}}
    data["sources"] = [str(E2E / "mapping.yaml")]
    data["encoder"]["path"] = str((path.parent / data["encoder"]["path"]).resolve())
    out = tmp / "tiny.yaml"
    out.write_text(yaml.safe_dump(data))
    return out


@pytest.mark.slow  # ~20 s: two trainings and two servers
def test_labelled_failures_reach_the_retrained_model_and_the_queue_empties(tmp_path, monkeypatch):
    shipped = default_seeds()
    rows = [{"text": t, "labels": {c: int(v) for c, v in zip(CATEGORIES, lab, strict=True) if not math.isnan(v)}}
            for t, lab in zip(shipped.texts, shipped.labels, strict=True)]
    few = rows[:6] + rows[-3:]  # six positives and three benign texts
    seeds = loop.write_jsonl(few, tmp_path / "few.jsonl")
    fig = loop.run_loop(tmp_path / "work", recipe=tiny_recipe(tmp_path), seed_sets={"few": seeds},
                        labelled=("few",), suite="smoke", runner=lambda env: InProcess(env, monkeypatch),
                        log=lambda m: None)

    q, snap = fig["queue"], fig["snapshot"]
    # Every queued failure was labelled through the UI's forms, and the queue is empty afterwards.
    assert q["queued"] > 0 and q["distinct_texts"] > 0
    assert q["labelled"] == q["distinct_texts"] and q["skipped"] == 0 and q["pending_after"] == 0
    # The labels reached the retrained model's training data (M1's manifest and fingerprint), not M0's.
    assert snap["in_m1_training"] == snap["labelled_texts"] == q["labelled"]
    assert snap["in_m0_training"] == 0
    (record,) = snap["training"]
    assert record["dataset"] == "redteam-failures" and record["rows"] == q["labelled"]
    assert record["labels"], "the snapshot's labels are counted per category and tier"
    assert all(set(tiers) == {"human"} for tiers in record["labels"].values())
    # M1 is what answered the second attack, with a fresh draw of perturbations.
    m0, m1 = fig["models"]["m0"], fig["models"]["m1"]
    assert m0 != m1
    before, after = fig["runs"][("few", "M0", 13)], fig["runs"][("few", "M1", 14)]
    assert m0[:12] in before["report"]["model"] and m1[:12] in after["report"]["model"]
    assert before["report"]["suite"] == "smoke-seed13" and after["report"]["suite"] == "smoke-seed14"
    # The figures the benchmark writes are built from these runs.
    assert fig["seeds"]["few"] == {"rows": 9, "positive_pairs": sum(sum(r["labels"].values()) for r in few),
                                   "benign": 3}
    text = loop.markdown(fig, _args(), 1.0, "test host")
    assert "| few | M0 | 13 |" in text and "| few | M1 | 14 |" in text
    assert "pending afterwards: 0" in text
    json.dumps(fig["queue"])  # plain data


def _args():
    import argparse

    return argparse.Namespace(draws=(13, 14), holdout=0.6, salt="redteam-loop", weight=3.0, suite="smoke",
                              recipe=str(REPO / "recipes" / "lexical.yaml"))
