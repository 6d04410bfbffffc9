"""Sentence encoder served with onnxruntime and the ``tokenizers`` library (no PyTorch).

The ONNX graph (see ``flagstone.training.export``) returns mean-pooled, L2-normalised embeddings.
Truncation is at ``max_tokens``.

Every text is encoded on its own, never padded into a batch with others. The int8 graph quantises its
activations dynamically with one scale per tensor, so in a batch a text's embedding depended on the
other texts and their padding (cosine 0.987 against the same text alone): a request's scores changed
with whoever else's requests shared its micro-batch, and a retrained artifact with the state of the
embedding cache. One text at a time makes an embedding a function of its text alone. For short texts
it also costs nothing: batching did not pay on this CPU (one thread: 189 texts/s in batches of 64, 203
one at a time), and running texts side by side on ``threads`` threads, one onnxruntime thread each,
uses the cores better than splitting each matrix product (2 cores: 423 texts/s against 368).

Several texts still go to onnxruntime in one call: at load, the graph is wrapped in an ONNX ``Loop``
(:func:`loop_graph`) whose body is the encoder, already optimised by onnxruntime, run once per text on
that text alone. The embeddings are bit for bit those of one call per text (the tests compare them),
but a thread's whole share of a batch runs without coming back to Python. With one call per text each
thread had to take the GIL back between texts, behind the event loop and the batch's other Python
work: under 32 concurrent clients each text took 2.6 ms of wall time for 1.6 ms of CPU. A call with a
single text runs on a second session of that graph with every thread, which gives the same bits.

The integer products are exact on every CPU. On x86 without VNNI, onnxruntime's uint8 x int8 kernel clamps
pairs of products to 16 bits. Where a probe at load finds that, the int8 weights are stored as uint8 (same
numbers, a kernel that does not saturate; :func:`exact_integer_weights`), so a model fitted on one CPU is
served the embeddings it was fitted on, on any other.
"""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from flagstone.errors import ModelError

# Names how texts are fed to the graph; part of the training embedding cache's key. The Loop wrapper
# computes exactly what one call per text does, so it did not change it; exact integer products
# (:func:`exact_integer_weights`) changed the embeddings on CPUs without VNNI, so they did.
ENCODING_SCHEME = "one-text-per-call/exact-int8"


@functools.cache
def u8s8_products_are_exact() -> bool:
    """Does onnxruntime multiply uint8 activations by int8 weights without losing bits on this CPU?

    ONNX defines ``MatMulInteger`` as exact int32 sums. On x86 CPUs without VNNI (AVX2, and AVX-512
    without VNNI) onnxruntime computes uint8 x int8 with ``vpmaddubsw``, which adds pairs of products
    into a saturating 16-bit integer: 255 * 127 * 2 is clamped to 32767. The answer is measured, not
    guessed from CPU flags: one small product with the largest values.
    """
    import onnxruntime as ort
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("MatMulInteger", ["a", "b"], ["y"])], "u8s8_probe",
        [helper.make_tensor_value_info("a", TensorProto.UINT8, [4, 64]),
         helper.make_tensor_value_info("b", TensorProto.INT8, [64, 16])],
        [helper.make_tensor_value_info("y", TensorProto.INT32, [4, 16])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    y = sess.run(None, {"a": np.full((4, 64), 255, np.uint8), "b": np.full((64, 16), 127, np.int8)})[0]
    return bool((y == 64 * 255 * 127).all())


def exact_integer_weights(model: Any) -> int:
    """Rewrite every ``MatMulInteger`` with int8 weights to uint8 weights (w + 128, zero point + 128),
    in place; return how many tensors changed.

    The integer products are the same numbers, (a - za)(w + 128 - (zw + 128)) = (a - za)(w - zw), but
    onnxruntime multiplies uint8 by uint8 in 16-bit lanes that do not saturate, so on CPUs where its
    uint8 x int8 path loses bits (see :func:`u8s8_products_are_exact`) the encoder computes what the
    graph means, the embeddings every other CPU computes. On a 2 GHz AVX2 host it cost nothing while the
    host was quiet and 21-25% while it was busy (benchmarks/results/serving.md, fifth session).
    All or nothing: if any int8 weight or zero point is not a constant read only by ``MatMulInteger``
    (as ``quantize_dynamic`` writes them), nothing is changed and 0 is returned.
    """
    from onnx import numpy_helper

    g = model.graph
    inits = {t.name: t for t in g.initializer}
    int8 = {name for name, t in inits.items() if numpy_helper.to_array(t).dtype == np.int8}
    targets: set[str] = set()
    missing_zp = []
    for node in g.node:
        if node.op_type == "MatMulInteger" and len(node.input) > 1 and node.input[1] in int8:
            zp = node.input[3] if len(node.input) > 3 else ""
            if zp and zp not in int8:
                return 0  # an int8 weight with a zero point computed at run time
            targets.update({node.input[1], zp} - {""})
            if not zp:
                missing_zp.append(node)
    for node in g.node:  # every reader of a tensor to change must be a MatMulInteger, at B or its zero point
        for k, name in enumerate(node.input):
            if name in targets and not (node.op_type == "MatMulInteger" and k in (1, 3)):
                return 0
    for name in sorted(targets):
        shifted = (numpy_helper.to_array(inits[name]).astype(np.int16) + 128).astype(np.uint8)
        inits[name].CopyFrom(numpy_helper.from_array(shifted, name))
    if missing_zp:
        g.initializer.append(numpy_helper.from_array(np.array(128, np.uint8), "exact_int8_zero_point"))
        for node in missing_zp:
            inputs = list(node.input) + [""] * (4 - len(node.input))
            inputs[3] = "exact_int8_zero_point"
            del node.input[:]
            node.input.extend(inputs)
    return len(targets)


def loop_graph(body_model: Any) -> Any:
    """Wrap a single-text encoder (inputs ``input_ids``, ``attention_mask`` of shape (1, n); one
    output of shape (1, dim)) in a graph that encodes many texts, one at a time, in one call.

    ``body_model`` is rewritten in place and returned (its weights are large and are not copied).
    The new graph takes ``ids`` (texts x longest, int64, zero-padded) and ``lengths`` (texts,) and
    returns ``embedding`` (texts x dim). Each Loop iteration cuts its text out of ``ids`` to its own
    length and runs the unchanged encoder nodes on it (attention mask all ones). The body's weights
    stay initializers of the outer graph, shared by every iteration.
    """
    from onnx import TensorProto, helper

    g = body_model.graph
    names = sorted(i.name for i in g.input)
    if names != ["attention_mask", "input_ids"] or len(g.output) != 1:
        raise ModelError(f"the encoder graph must take input_ids and attention_mask and return one "
                         f"output; it takes {names} and returns {len(g.output)}")
    ones = helper.make_tensor("one", TensorProto.INT64, [1], [1])
    cut = [
        helper.make_node("Gather", ["ids", "loop_i"], ["loop_row"], axis=0),
        helper.make_node("Gather", ["lengths", "loop_i"], ["loop_len"], axis=0),
        helper.make_node("Unsqueeze", ["loop_len", "loop_axis0"], ["loop_end"]),
        helper.make_node("Slice", ["loop_row", "loop_start", "loop_end"], ["loop_text"]),
        helper.make_node("Unsqueeze", ["loop_text", "loop_axis0"], ["input_ids"]),
        helper.make_node("Shape", ["input_ids"], ["loop_shape"]),
        helper.make_node("ConstantOfShape", ["loop_shape"], ["attention_mask"], value=ones),
    ]
    dim = g.output[0].type.tensor_type.shape.dim[-1]  # the embedding size, as the body declares it
    emit = [helper.make_node("Squeeze", [g.output[0].name, "loop_axis0"], ["loop_embedding"]),
            helper.make_node("Identity", ["loop_cond"], ["loop_cond_out"])]
    body = helper.make_graph(
        cut + list(g.node) + emit, "encode_one_text",
        [helper.make_tensor_value_info("loop_i", TensorProto.INT64, []),
         helper.make_tensor_value_info("loop_cond", TensorProto.BOOL, [])],
        [helper.make_tensor_value_info("loop_cond_out", TensorProto.BOOL, []),
         helper.make_tensor_value_info("loop_embedding", TensorProto.FLOAT, [None])],
        initializer=[helper.make_tensor("loop_axis0", TensorProto.INT64, [1], [0]),
                     helper.make_tensor("loop_start", TensorProto.INT64, [1], [0])])
    # The outer graph is the model's own graph, rewritten in place, so its weights are not copied.
    del g.node[:], g.input[:], g.output[:], g.value_info[:]
    g.node.extend([helper.make_node("Shape", ["ids"], ["ids_shape"]),
                   helper.make_node("Gather", ["ids_shape", "axis0"], ["n_texts"], axis=0),
                   helper.make_node("Loop", ["n_texts", "always"], ["embedding"], body=body)])
    g.input.extend([helper.make_tensor_value_info("ids", TensorProto.INT64, [None, None]),
                    helper.make_tensor_value_info("lengths", TensorProto.INT64, [None])])
    g.output.extend([helper.make_tensor_value_info("embedding", TensorProto.FLOAT,
                                                   [None, dim.dim_value or dim.dim_param or None])])
    g.initializer.extend([helper.make_tensor("axis0", TensorProto.INT64, [], [0]),
                          helper.make_tensor("always", TensorProto.BOOL, [], [True])])
    g.name = "encode_texts"
    return body_model


def _session_options(level: Any, threads: int = 1) -> Any:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = level
    if threads > 1:
        # The solo session's worker threads sleep between calls instead of spinning: a lone text may
        # run beside a batch (two batches in flight), and a spinning worker would take a core from it.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return opts


def _loop_sessions(onnx_path: Path, solo_threads: int) -> tuple[Any, Any | None]:
    """The Loop-wrapped sessions: onnxruntime optimises the single-text graph first (as a plain session
    would), the optimised nodes become the Loop body, and the wrapper is loaded as is (optimising the
    wrapper again would let fusions differ from the single-text graph's).

    Two sessions of the same graph: one onnxruntime thread for a thread's share of a batch, and, when
    ``solo_threads`` > 1, one that spreads a lone text's matrix products over that many threads (the
    products are split by rows and columns, never along the summed dimension, so the embedding is bit
    for bit the same; the tests compare them).
    """
    import onnx
    import onnxruntime as ort

    source: Any = str(onnx_path)
    if not u8s8_products_are_exact():
        model = onnx.load(str(onnx_path))
        if exact_integer_weights(model):
            source = model.SerializeToString()
        del model
    with tempfile.TemporaryDirectory(prefix="flagstone-encoder-") as tmp:
        opts = _session_options(ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED)
        opts.optimized_model_filepath = str(Path(tmp) / "optimised.onnx")
        ort.InferenceSession(source, sess_options=opts, providers=["CPUExecutionProvider"])
        del source
        serialized = loop_graph(onnx.load(opts.optimized_model_filepath)).SerializeToString()
    off = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(serialized, sess_options=_session_options(off), providers=["CPUExecutionProvider"])
    solo = (ort.InferenceSession(serialized, sess_options=_session_options(off, solo_threads),
                                 providers=["CPUExecutionProvider"]) if solo_threads > 1 else None)
    del serialized
    _return_freed_memory()  # the graph's copies on the way (about 20 MB each) stay in the heap otherwise
    return session, solo


def _return_freed_memory() -> None:
    """Ask glibc to give freed heap memory back to the system (peak RSS at load +101 MB -> +57 MB)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, musl, Windows): nothing to do
        pass


class OnnxEncoder:
    """Map texts to unit-length embeddings with an exported sentence-transformers model.

    ``threads``: texts encoded at the same time (0 = one per CPU core), each with one onnxruntime
    thread; the session is shared (onnxruntime sessions are safe to run from several threads). A call
    with a single text runs it on a second session with ``threads`` onnxruntime threads.
    """

    def __init__(self, onnx_path: Path, tokenizer_path: Path, *, max_tokens: int = 256, threads: int = 0) -> None:
        from tokenizers import Tokenizer

        try:
            self._tok = Tokenizer.from_file(str(tokenizer_path))
        except Exception as exc:  # tokenizers raises a bare Exception on bad files
            raise ModelError(f"{tokenizer_path}: cannot load tokenizer: {exc}") from exc
        self._tok.enable_truncation(max_length=max_tokens)
        self._tok.no_padding()
        self.max_tokens = max_tokens
        self.threads = threads or os.cpu_count() or 1
        try:
            self._sess, self._solo = _loop_sessions(Path(onnx_path), self.threads)
        except ModelError:
            raise
        except Exception as exc:  # onnx / onnxruntime raise their own non-exported exception types
            raise ModelError(f"{onnx_path}: cannot load ONNX encoder: {exc}") from exc
        self._pool: ThreadPoolExecutor | None = None
        self.dim = int(self._sess.get_outputs()[0].shape[-1])

    def _run(self, ids: Sequence[list[int]], session: Any = None) -> np.ndarray:
        """Embeddings of token-id rows, each encoded alone, in one onnxruntime call."""
        lengths = np.fromiter((len(r) for r in ids), dtype=np.int64, count=len(ids))
        padded = np.zeros((len(ids), int(lengths.max())), dtype=np.int64)
        for i, row in enumerate(ids):
            padded[i, :len(row)] = row
        return (session or self._sess).run(None, {"ids": padded, "lengths": lengths})[0]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return float32 embeddings of shape (len(texts), dim), in input order."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        ids = [e.ids for e in self._tok.encode_batch(list(texts))]
        if len(ids) == 1 or self.threads == 1:
            # A lone text (a single request on a quiet server) uses every thread: on a 2 GHz AVX2 core
            # the encoder takes 23 ms a text on one thread, 13 ms on two.
            out[:] = self._run(ids, self._solo if len(ids) == 1 else None)
            return out
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="flagstone-encoder")
        # One call per thread: each thread encodes its share of the texts in one Loop run. Shares are
        # dealt longest first, round robin, so they take about the same time.
        order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))
        shares = [order[k::self.threads] for k in range(min(self.threads, len(ids)))]

        def run(share: list[int]) -> None:
            out[share] = self._run([ids[i] for i in share])

        for done in [self._pool.submit(run, share) for share in shares]:
            done.result()
        return out
