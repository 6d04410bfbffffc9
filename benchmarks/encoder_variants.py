"""Cheaper sentence encoders than the shipped one: what they save per text and what they cost in quality.

    python benchmarks/encoder_variants.py                 # speed and embedding fidelity (~3 minutes)
    python benchmarks/encoder_variants.py --train         # also retrain the default recipe on each (~10 min each)

Variants of all-MiniLM-L6-v2 (needs the ``train`` extra: PyTorch, transformers, onnx):

* ``shipped``     - the artifact's encoder: dynamic int8 (activation scales per tensor, computed per call), so
                    it must run one text per call to keep an embedding independent of its neighbours;
* ``dynamic-l4``  - the same export with only the first 4 of 6 transformer layers;
* ``static``      - static int8: weights per channel, activation scales fixed by calibration (percentile
                    99.99 over 300 training texts, never dev rows). Fixed scales make a text's embedding
                    independent of the batch, so texts can share a call (``batched16``);
* ``fp32``        - the unquantised export, the reference for the fidelity figure.

Printed per variant, on one onnxruntime thread and 20-word texts: ms per text one at a time and in
length-sorted batches of 16; the largest change of an embedding between the two (0 = batch-invariant up to
float rounding); and the mean and minimum cosine to fp32 on 400 Jigsaw comments and 200 20-word texts.
With ``--train`` the default recipe is retrained with each variant's encoder (``encoder.path``) and its
5-fold out-of-fold any-category AUPRC on the OpenAI dev set and OKTest false-positive rate are printed:
the figures that decide whether a faster encoder may ship.
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "benchmarks"))


def export_variant(out: Path, layers: int | None = None) -> Path:
    """The recipe's export (mean pooling and L2 norm in the graph), optionally with fewer layers."""
    from transformers import AutoModel

    from flagstone.training.export import base_model_dir, export_fp32

    model = AutoModel.from_pretrained(str(base_model_dir("all-MiniLM-L6-v2"))).eval()
    if layers is not None:
        model.encoder.layer = model.encoder.layer[:layers]
        model.config.num_hidden_layers = layers
    return export_fp32(model, out)


def quantize_static_int8(fp32: Path, out: Path, calib_ids: list[list[int]], work: Path) -> Path:
    import onnx
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    pre = work / "pre.onnx"
    quant_pre_process(str(fp32), str(pre), skip_symbolic_shape=True, skip_optimization=False)
    graph = onnx.load(str(pre)).graph
    weights = {i.name for i in graph.initializer}
    # Activation x activation products (attention scores) stay in float; only weight matrices are int8.
    exclude = [n.name for n in graph.node if n.op_type == "MatMul" and not any(i in weights for i in n.input)]

    class Reader(CalibrationDataReader):  # padded to 64 tokens: the percentile calibrator stacks tensors
        def __init__(self) -> None:
            self._it = iter(calib_ids)

        def get_next(self) -> dict | None:
            ids = next(self._it, None)
            if ids is None:
                return None
            ids = ids[:64]
            x = np.zeros((1, 64), dtype=np.int64)
            m = np.zeros_like(x)
            x[0, :len(ids)], m[0, :len(ids)] = ids, 1
            return {"input_ids": x, "attention_mask": m}

    quantize_static(str(pre), str(out), Reader(), quant_format=QuantFormat.QOperator, op_types_to_quantize=["MatMul"],
                    nodes_to_exclude=exclude, per_channel=True, activation_type=QuantType.QUInt8,
                    weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.Percentile,
                    extra_options={"ActivationSymmetric": False, "WeightSymmetric": True, "CalibPercentile": 99.99})
    return out


def session(path: Path):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = opts.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def run_one(sess, ids: list[int]) -> np.ndarray:
    x = np.asarray([ids], dtype=np.int64)
    return sess.run(None, {"input_ids": x, "attention_mask": np.ones_like(x)})[0][0]


def run_batched(sess, all_ids: list[list[int]], size: int = 16) -> np.ndarray:
    order = sorted(range(len(all_ids)), key=lambda i: len(all_ids[i]))
    out = np.zeros((len(all_ids), 384), dtype=np.float32)
    for k in range(0, len(order), size):
        chunk = order[k:k + size]
        width = max(len(all_ids[i]) for i in chunk)
        x = np.zeros((len(chunk), width), dtype=np.int64)
        m = np.zeros_like(x)
        for r, i in enumerate(chunk):
            x[r, :len(all_ids[i])], m[r, :len(all_ids[i])] = all_ids[i], 1
        out[chunk] = sess.run(None, {"input_ids": x, "attention_mask": m})[0]
    return out


def timed(fn, n: int) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) / n * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", action="store_true", help="retrain the default recipe with each variant")
    ap.add_argument("--work", default=str(REPO / ".cache" / "encoder_variants"), help="exported encoders go here")
    args = ap.parse_args()
    from tokenizers import Tokenizer

    from flagstone.settings import DEFAULT_MODEL_DIR
    from serving import make_texts

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    tok = Tokenizer.from_file(str(DEFAULT_MODEL_DIR / "tokenizer.json"))
    tok.enable_truncation(max_length=256)
    tok.no_padding()
    with (REPO / "datasets/jigsaw-toxic-comments-subset/jigsaw_toxic_comment_subset.csv").open(encoding="utf-8") as fh:
        rows = [r["comment_text"] for r in csv.DictReader(fh)]
    random.Random(0).shuffle(rows)
    calib = [e.ids for e in tok.encode_batch([t[:600] for t in rows[:300]])]
    fidelity = [e.ids for e in tok.encode_batch([t[:300] for t in rows[300:700]] + make_texts(200, seed=1))]
    short = [e.ids for e in tok.encode_batch(make_texts(400, seed=2))]

    variants: dict[str, Path] = {"shipped": DEFAULT_MODEL_DIR / "encoder.onnx"}
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = work / "fp32" / "encoder.onnx"
        if not fp32.is_file():
            fp32.parent.mkdir(parents=True, exist_ok=True)
            export_variant(fp32)
        l4 = work / "dynamic-l4" / "encoder.onnx"
        if not l4.is_file():
            from onnxruntime.quantization import QuantType, quantize_dynamic

            l4.parent.mkdir(parents=True, exist_ok=True)
            quantize_dynamic(str(export_variant(Path(tmp) / "l4-fp32.onnx", layers=4)), str(l4),
                             weight_type=QuantType.QInt8)
        static = work / "static" / "encoder.onnx"
        if not static.is_file():
            static.parent.mkdir(parents=True, exist_ok=True)
            quantize_static_int8(fp32, static, calib, Path(tmp))
    variants |= {"dynamic-l4": l4, "static": static, "fp32": fp32}
    for path in (l4, static, fp32):
        shutil.copyfile(DEFAULT_MODEL_DIR / "tokenizer.json", path.parent / "tokenizer.json")

    ref = session(fp32)
    reference = np.stack([run_one(ref, ids) for ids in fidelity])
    print(f"\n{'variant':<12}{'alone ms':>10}{'batched16 ms':>14}{'max |batched-alone|':>21}{'cos fp32 mean':>15}{'min':>8}")
    for name, path in variants.items():
        sess = session(path)
        for ids in short[:30]:
            run_one(sess, ids)
        alone_ms = timed(lambda s=sess: [run_one(s, ids) for ids in short], len(short))
        batched_ms = timed(lambda s=sess: run_batched(s, short), len(short))
        alone = np.stack([run_one(sess, ids) for ids in short])
        drift = float(np.abs(run_batched(sess, short) - alone).max())
        emb = np.stack([run_one(sess, ids) for ids in fidelity])
        cos = (emb * reference).sum(1)
        print(f"{name:<12}{alone_ms:>10.2f}{batched_ms:>14.2f}{drift:>21.1e}{cos.mean():>15.4f}{cos.min():>8.4f}")
    print("(one onnxruntime thread, 20-word texts; cosine on 400 Jigsaw comments + 200 20-word texts)")

    if args.train:
        from flagstone.training.recipe import load_recipe
        from flagstone.training.train import train

        print(f"\n{'variant':<12}{'dev OOF any AUPRC':>19}{'95% CI':>18}{'OKTest FPR':>12}")
        for name in ("shipped", "dynamic-l4", "static"):
            folder = variants[name].parent if name != "shipped" else DEFAULT_MODEL_DIR
            lr = load_recipe(REPO / "recipes" / "default.yaml", name=f"variant-{name}",
                             encoder={"path": str(folder), "max_tokens": 256},
                             cache_dir=str(work / "cache"))
            with tempfile.TemporaryDirectory() as out:
                _, metrics = train(lr, Path(out), evaluate_model=True)
            any_ = metrics["dev_oof"]["any"]
            fpr = metrics.get("oktest", {}).get("fpr", float("nan"))
            ci = f"{any_['ci95'][0]:.3f}-{any_['ci95'][1]:.3f}"
            print(f"{name:<12}{any_['auprc']:>19.3f}{ci:>18}{fpr:>12.3f}", flush=True)
        print("(the shipped row retrains the default recipe on the shipped encoder: the baseline of this run)")


if __name__ == "__main__":
    main()
