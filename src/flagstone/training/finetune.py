"""Fine-tune the base sentence encoder end to end, with a linear head over the 13 categories.

The recipe's ``finetune:`` step (``training/recipe.py: FinetuneSpec``). The result is one ONNX graph,
``input_ids, attention_mask -> 13 logits`` (mean pooling, L2 normalisation and the head inside), quantised
to int8 like the frozen encoder and served by the same ``OnnxEncoder`` (one text at a time). Its logits
join the English raw score, ``share`` x logit, before calibration (``models/ensemble.py: raw_scores``).

Why a second encoder rather than a replacement for the frozen one: the frozen encoder's heads generalise
better to text unlike the training data (toxic-chat's LLM prompts), the fine-tuned one to text like it
(OLID's tweets); their sum kept the first and gained on the second (benchmarks/results/finetune_probe.md).

How it trains (the probe's recipe, benchmarks/finetune_probe.py): batches of ``batch`` rows drawn with
replacement by row weight x (1 + ``rare_boost`` x the row's largest positive-category rarity), so rows
positive in a rare category come up often; binary cross-entropy over the categories each row's source
labels (unknown labels masked out), a positive weight of sqrt(negatives / positives) capped at
``max_pos_weight``; AdamW (encoder ``lr``, head ``head_lr``), 6% warm-up then linear decay, gradients
clipped at norm 1.

Reproducible: seeded, deterministic algorithms, ``threads`` PyTorch threads and the same fixed-input
export as the frozen encoder, so the same rows give the same bytes on the same kind of CPU. Finished
graphs are cached under ``<cache_dir>/finetuned/<key>/`` with ``key`` a hash of everything that trains
them (the rows' texts, labels and weights, the spec, the seed), so a rerun of a recipe does not train
again. Needs the ``train`` extra (PyTorch, transformers); serving never imports this module.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from flagstone.errors import ModelError
from flagstone.training.export import base_model_dir, export_onnx, pooled_module

log = logging.getLogger(__name__)

ONNX_NAME = "finetuned.onnx"


def training_key(texts: Sequence[str], labels: np.ndarray, weights: np.ndarray, spec_json: str, seed: int,
                 base: str) -> str:
    """A hash of everything the fine-tune depends on (the cache key of its graph)."""
    h = hashlib.sha256()
    h.update(f"{base}\n{seed}\n{spec_json}\n".encode())
    for t in texts:
        h.update(hashlib.sha256(t.encode("utf-8")).digest())
    h.update(np.ascontiguousarray(labels, dtype=np.int8).tobytes())
    h.update(np.ascontiguousarray(weights, dtype=np.float64).tobytes())
    return h.hexdigest()


def draw_order(labels: np.ndarray, weights: np.ndarray, *, steps: int, batch: int, rare_boost: float,
               seed: int) -> np.ndarray:
    """Row indices of every batch, in order: ``steps * batch`` draws with replacement."""
    pos = np.clip(labels, 0, 1).astype(np.float64)
    freq = pos.sum(0) + 1
    draw = np.asarray(weights, dtype=np.float64) * (1 + rare_boost * (pos / freq).max(1))
    return np.random.default_rng(seed).choice(len(labels), size=steps * batch, p=draw / draw.sum(), replace=True)


def finetune(texts: Sequence[str], labels: np.ndarray, weights: np.ndarray, spec, *, base: str,  # type: ignore[no-untyped-def]
             seed: int, out_dir: Path) -> Path:
    """Fine-tune ``base`` on the rows given (``labels`` in {-1, 0, 1}, -1 unknown) and write the int8
    graph ``out_dir / finetuned.onnx`` with the base's ``tokenizer.json`` beside it; return the graph's path."""
    try:
        import torch
        from transformers import AutoModel, AutoTokenizer
    except ImportError as exc:
        raise ModelError(f"the recipe's finetune: step needs {exc.name or 'PyTorch'}, from the 'train' extra: "
                         "pip install 'flagstone[train]' (torch==2.13.0 CPU wheel first)") from exc
    if len(texts) == 0:
        raise ModelError("finetune: no training rows")
    src = base_model_dir(base)
    with reproducible_torch(spec.threads, seed):
        tok = AutoTokenizer.from_pretrained(str(src))
        encoder = AutoModel.from_pretrained(str(src))
        head = torch.nn.Linear(encoder.config.hidden_size, labels.shape[1])
        train_network(encoder, head, tok, texts, labels, weights, spec, seed=seed)
        out_dir.mkdir(parents=True, exist_ok=True)
        target = export_onnx(encoder, out_dir / ONNX_NAME, head=head)
        shutil.copyfile(src / "tokenizer.json", out_dir / "tokenizer.json")
    return target


@contextmanager
def reproducible_torch(threads: int, seed: int) -> Iterator[None]:
    """PyTorch seeded, on ``threads`` threads, with deterministic algorithms; both settings restored after.
    The same rows then train the same bytes on the same kind of CPU (the fine-tune, the hidden-layer head)."""
    import torch

    threads_before, deterministic_before = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(deterministic_before)
        torch.set_num_threads(threads_before)


def train_network(encoder, head, tok, texts: Sequence[str], labels: np.ndarray, weights: np.ndarray, spec,  # type: ignore[no-untyped-def]
                  *, seed: int, device: str = "cpu"):
    """The training loop of :func:`finetune`: ``spec.steps`` batches drawn by :func:`draw_order`, masked BCE with
    a capped positive weight, AdamW with warm-up and linear decay, gradients clipped at norm 1. Trains ``encoder``
    and ``head`` in place on ``device`` and returns the pooled network (encoder, pooling, head) in eval mode.
    ``spec`` is a :class:`~flagstone.training.recipe.FinetuneSpec` or anything with its attributes
    (benchmarks/finetune_kfold.py runs this loop on a GPU)."""
    import torch

    net = pooled_module(encoder, head).to(device)
    known = torch.tensor((labels >= 0).astype(np.float32), device=device)
    y = torch.tensor(np.clip(labels, 0, 1).astype(np.float32), device=device)
    freq = np.clip(labels, 0, 1).sum(0) + 1
    pos_weight = torch.tensor(np.clip((len(labels) - freq) / freq, 1, spec.max_pos_weight) ** 0.5,
                              dtype=torch.float32, device=device)
    order = draw_order(labels, weights, steps=spec.steps, batch=spec.batch, rare_boost=spec.rare_boost, seed=seed)
    opt = torch.optim.AdamW([{"params": encoder.parameters(), "lr": spec.lr},
                             {"params": head.parameters(), "lr": spec.head_lr}], weight_decay=0.01)
    warm = max(1.0, 0.06 * spec.steps)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (spec.steps - s) / spec.steps))
    net.train()
    t0 = time.perf_counter()
    for step in range(spec.steps):
        rows = order[step * spec.batch:(step + 1) * spec.batch]
        enc = tok([texts[i] for i in rows], padding=True, truncation=True, max_length=spec.max_tokens,
                  return_tensors="pt").to(device)
        logits = net(enc["input_ids"], enc["attention_mask"])
        loss = torch.nn.functional.binary_cross_entropy_with_logits(
            logits, y[rows], weight=known[rows], pos_weight=pos_weight, reduction="sum") / len(rows)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % 50 == 0 or step == spec.steps - 1:
            log.info("fine-tune step %d/%d, loss %.3f (%.0f s)", step + 1, spec.steps, loss.item(),
                     time.perf_counter() - t0)
    return net.eval()


def cached_finetune(cache_dir: Path, texts: Sequence[str], labels: np.ndarray, weights: np.ndarray, spec,  # type: ignore[no-untyped-def]
                    *, base: str, seed: int) -> Path:
    """The fine-tuned graph for these rows: from ``cache_dir/finetuned/<key>/`` or trained and stored there.

    Written into a temporary folder and renamed into place, so a run killed mid-way leaves no half graph.
    """
    # in_domain acts through the weights, which the key holds; share only after training.
    spec_json = json.dumps(spec.model_dump(exclude={"sha256", "share", "in_domain"}), sort_keys=True)
    key = training_key(texts, labels, weights, spec_json, seed, base)
    folder = Path(cache_dir) / "finetuned" / key[:24]
    if (folder / ONNX_NAME).is_file() and (folder / "tokenizer.json").is_file():
        log.info("fine-tuned encoder found in the cache (%s)", folder)
        return folder / ONNX_NAME
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{key[:24]}-", dir=folder.parent))
    try:
        log.info("fine-tuning %s on %d rows: %d steps of %d (%d tokens)", base, len(texts), spec.steps, spec.batch,
                 spec.max_tokens)
        finetune(texts, labels, weights, spec, base=base, seed=seed, out_dir=tmp)
        (tmp / "training.json").write_text(json.dumps({"key": key, "rows": len(texts), "spec": json.loads(spec_json),
                                                       "seed": seed, "base": base}, sort_keys=True, indent=1) + "\n")
        if folder.exists():
            shutil.rmtree(folder)
        tmp.rename(folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return folder / ONNX_NAME
