"""``pipeline run``: recipe -> snapshot -> train + calibrate -> register -> evaluate -> gate -> promote -> report.

The snapshot step hashes the training inputs every time; each later step writes its result into ``state.json`` in the run folder together with the key of its
inputs; a rerun skips every step whose key is unchanged and whose outputs still exist, so a run that
failed resumes at the failed step, and a rerun with nothing changed does no work. The run folder is
``<data_dir>/pipelines/<recipe name>-<hash of recipe and suite>``.

Training writes into ``model.partial`` and renames it to ``models/<version>`` only once complete, so
a killed run never leaves half an artifact where a registered (perhaps production) one lives, and a
retrain never rewrites a registered artifact in place. A failed gate is recorded in the registry's
history as a refused promotion, and the result says ``gate_passed: false`` (``flagstone pipeline run``
then exits 1).
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flagstone.errors import ConflictError, FlagstoneError
from flagstone.evaluation.compare import comparison_table
from flagstone.evaluation.html import render_html
from flagstone.evaluation.suites import LoadedSuite, run_suite
from flagstone.models.kinds import load_model, sha256_file
from flagstone.registry.gate import GateRefusal, gate_check
from flagstone.registry.store import ModelRegistry
from flagstone.training.recipe import LoadedRecipe
from flagstone.training.sources import load_mapping

log = logging.getLogger(__name__)
STEPS = ("snapshot", "train", "register", "evaluate", "gate", "promote", "report")
Progress = Callable[[str, str, str], None]  # (step, "start"|"done"|"skipped"|"failed", detail)


def _json_safe(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _json_safe(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_json_safe(v) for v in x]
    if isinstance(x, float) and x != x:
        return None
    return x


def snapshot_hash(lr: LoadedRecipe) -> dict:
    """Pin the training inputs: recipe, policy, each mapping file and the data file it reads."""
    parts = {"recipe": sha256_file(lr.path), "policy": sha256_file(lr.resolve(lr.recipe.policy))}
    for mf in lr.source_files():
        data = lr.resolve(lr.recipe.data_dir) / load_mapping(mf).file
        parts[mf.name] = sha256_file(mf) + (":" + sha256_file(data) if data.is_file() else ":missing")
    blob = json.dumps(parts, sort_keys=True).encode()
    return {"hash": hashlib.sha256(blob).hexdigest(), "inputs": len(parts)}


@dataclass
class PipelineRun:
    lr: LoadedRecipe
    suite: LoadedSuite
    registry: ModelRegistry
    root: Path
    actor: str = "pipeline"
    promote: bool = True
    progress: Progress = lambda step, status, detail: None
    state: dict = field(default_factory=dict)

    @property
    def folder(self) -> Path:
        key = hashlib.sha256((sha256_file(self.lr.path) + sha256_file(self.suite.path)).encode()).hexdigest()
        return self.root / f"{self.lr.recipe.name}-{key[:12]}"

    def _save(self) -> None:
        tmp = self.folder / "state.json.tmp"
        tmp.write_text(json.dumps(_json_safe(self.state), indent=2, sort_keys=True))
        tmp.replace(self.folder / "state.json")  # atomic: a crash never leaves half a state file

    def _step(self, name: str, key: str | None, fn: Callable[[], dict], outputs: Callable[[dict], bool] = lambda r: True
              ) -> dict:
        prev = self.state.get(name)
        if key is not None and prev and prev.get("status") == "done" and prev.get("key") == key and outputs(prev["result"]):
            self.progress(name, "skipped", "unchanged")
            return prev["result"]
        self.progress(name, "start", "")
        try:
            result = fn()
        except FlagstoneError as exc:
            self.state[name] = {"status": "failed", "key": key, "error": exc.message}
            self._save()
            self.progress(name, "failed", exc.message.splitlines()[0])
            raise
        self.state[name] = {"status": "done", "key": key, "result": result}
        self._save()
        self.progress(name, "done", result.get("summary", ""))
        return result

    def run(self) -> dict:
        self.folder.mkdir(parents=True, exist_ok=True)
        sf = self.folder / "state.json"
        self.state = json.loads(sf.read_text()) if sf.is_file() else {}
        # Always recomputed (hashing files is cheap): it is what decides whether training reruns.
        snap = self._step("snapshot", None, lambda: (lambda h: {**h, "summary": h["hash"][:12]})(snapshot_hash(self.lr)))
        trained = self._step("train", snap["hash"], self._train,
                             lambda r: (self._model_dir(r) / "manifest.json").is_file())
        version, model_dir = trained["version"], self._model_dir(trained)
        self._step("register", version, lambda: self._register(model_dir))
        ev = self._step("evaluate", version + sha256_file(self.suite.path), lambda: self._evaluate(model_dir),
                        lambda r: Path(r["json"]).is_file())
        prod = self.registry.production()
        gate_key = f"{version}:{prod.version if prod else '-'}:{sha256_file(self.suite.path)}"
        if prod is not None and prod.version == version and self.state.get("gate", {}).get("status") == "done":
            gate_key = self.state["gate"]["key"]  # promoted by an earlier run of this pipeline: nothing changed
        gate = self._step("gate", gate_key, lambda: self._gate(version))
        promo = self._step("promote", gate_key + str(self.promote), lambda: self._promote(version, gate))
        return self._step("report", json.dumps(_json_safe([snap, trained, ev, gate, promo]), sort_keys=True, default=str),
                          lambda: self._report(snap, trained, ev, gate, promo))

    def _model_dir(self, trained: dict) -> Path:
        return Path(trained.get("path") or self.folder / "model")  # state written before models/<version>

    def _train(self) -> dict:
        from flagstone.training.train import train

        partial = self.folder / "model.partial"
        if partial.exists():  # left by a killed run
            shutil.rmtree(partial)
        version, metrics = train(self.lr, partial, evaluate_model=True)
        final = self.folder / "models" / version[:12]
        if final.is_dir():  # the same version again: the artifact there is identical
            shutil.rmtree(partial)
        else:
            final.parent.mkdir(exist_ok=True)
            partial.rename(final)
        return {"version": version, "path": str(final), "metrics": _json_safe(metrics), "summary": version[:12]}

    def _register(self, model_dir: Path) -> dict:
        mv = self.registry.register(model_dir, actor=self.actor)
        return {"version": mv.version, "stage": mv.stage, "summary": f"{mv.short} ({mv.stage})"}

    def _evaluate(self, model_dir: Path) -> dict:
        res = run_suite(load_model(model_dir), self.suite)
        out = self.folder / "evaluation.json"
        out.write_text(json.dumps(_json_safe(res.to_dict()), indent=2))
        (self.folder / "evaluation.html").write_text(render_html(res))
        anys = {n: d.report.row("any").auprc for n, d in res.datasets.items()}
        return {"json": str(out), "any_auprc": anys,
                "summary": ", ".join(f"{n} any-AUPRC {v:.3f}" for n, v in anys.items())}

    def _gate(self, version: str) -> dict:
        try:
            comparison, cand, prod = gate_check(self.registry, self.registry.get(version), self.suite)
        except GateRefusal as exc:  # a failed functional class, or suite data the candidate trained on
            return {"compared_with": None, "passed": False, "summary": exc.message}
        if comparison is None or prod is None or cand is None:
            return {"compared_with": None, "passed": True, "summary": "nothing to compare: no other model is in production"}
        (self.folder / "comparison.json").write_text(json.dumps(_json_safe(comparison.to_dict()), indent=2))
        (self.folder / "comparison.html").write_text(render_html(prod, other=cand, comparison=comparison))
        passed = not comparison.regressions
        return {"compared_with": comparison.a, "passed": passed, "table": comparison_table(comparison),
                "summary": "gates passed" if passed else
                f"{len(comparison.regressions)} gate(s) regressed: " +
                ", ".join(f"{r.dataset}/{r.category}/{r.metric}" for r in comparison.regressions)}

    def _promote(self, version: str, gate: dict) -> dict:
        mv = self.registry.get(version)
        if not gate["passed"]:
            if self.promote:
                self.registry.record_refusal(version, "production", actor=self.actor,
                                             reason=f"pipeline: {gate['summary']} (suite {self.suite.suite.name})")
            return {"promoted": False, "summary": "not promoted: gates failed"}
        if not self.promote:
            return {"promoted": False, "summary": "not promoted (--no-promote)"}
        if mv.stage == "production":
            return {"promoted": True, "summary": "already in production"}
        try:
            self.registry.move(version, "production", actor=self.actor,
                               reason=f"pipeline: {gate['summary']} (suite {self.suite.suite.name})")
        except ConflictError as exc:  # pragma: no cover - a concurrent move; report it, do not crash
            return {"promoted": False, "summary": f"not promoted: {exc.message}"}
        return {"promoted": True, "summary": f"{mv.short} promoted to production"}

    def _report(self, snap, trained, ev, gate, promo) -> dict:
        dev = (trained.get("metrics") or {}).get("dev_oof", {}).get("any", {})
        lines = [f"# Pipeline report: {self.lr.recipe.name}", "",
                 f"- recipe: {self.lr.path}", f"- data snapshot: {snap['hash']}",
                 f"- model version: {trained['version']}",
                 f"- training dev OOF any-AUPRC: {dev.get('auprc')}",
                 f"- suite {self.suite.suite.name}: {ev['summary']}",
                 f"- gate: {gate['summary']}", f"- promotion: {promo['summary']}", "",
                 f"- artifact: {self._model_dir(trained)} (with MODEL_CARD.md)",
                 "Files: evaluation.json/.html, comparison.json/.html.", ""]
        if gate.get("table"):
            lines += ["```", gate["table"], "```", ""]
        out = self.folder / "REPORT.md"
        out.write_text("\n".join(lines))
        return {"path": str(out), "promoted": promo["promoted"], "gate_passed": gate["passed"],
                "version": trained["version"], "summary": str(out)}
