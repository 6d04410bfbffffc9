"""The shipped ONNX encoder: an embedding depends on its text alone, never on the texts beside it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from flagstone.errors import ModelError
from flagstone.models.onnx_encoder import OnnxEncoder, exact_integer_weights, u8s8_products_are_exact
from flagstone.settings import DEFAULT_MODEL_DIR

ONNX, TOKENIZER = DEFAULT_MODEL_DIR / "encoder.onnx", DEFAULT_MODEL_DIR / "tokenizer.json"


def test_embedding_does_not_depend_on_the_other_texts_or_threads():
    text = "I will find you and hurt you"
    others = ["hello", "a much longer message about the weather, the garden and the city " * 6, "ok then"]
    alone = OnnxEncoder(ONNX, TOKENIZER, threads=1).encode([text])
    for threads in (1, 2, 3):
        enc = OnnxEncoder(ONNX, TOKENIZER, threads=threads)
        mixed = enc.encode([others[0], text, *others[1:]])
        np.testing.assert_array_equal(mixed[1], alone[0])  # bit for bit, whatever shares the call
        assert mixed.shape == (4, enc.dim) and mixed.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(mixed, axis=1), 1.0, atol=1e-4)
        # A lone text runs on the solo session, its products spread over every thread: same bits.
        np.testing.assert_array_equal(enc.encode([text]), alone)
        assert (enc._solo is None) == (threads == 1)
    assert OnnxEncoder(ONNX, TOKENIZER).encode([]).shape == (0, alone.shape[1])


def test_truncation_and_bad_files(tmp_path: Path):
    enc = OnnxEncoder(ONNX, TOKENIZER, max_tokens=16, threads=1)
    long = "word " * 500
    np.testing.assert_array_equal(enc.encode([long])[0], enc.encode([long + " tail that is cut"])[0])
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ModelError, match="cannot load tokenizer"):
        OnnxEncoder(ONNX, bad)
    with pytest.raises(ModelError, match="cannot load ONNX encoder"):
        OnnxEncoder(bad, TOKENIZER)


def test_many_texts_over_threads_come_back_in_input_order():
    texts = [("word " * n).strip() + f" {n}" for n in (3, 40, 1, 17, 8, 60, 2, 25, 5, 12, 33, 9)]
    one = OnnxEncoder(ONNX, TOKENIZER, threads=1).encode(texts)
    for threads in (2, 3, 5, 16):
        np.testing.assert_array_equal(OnnxEncoder(ONNX, TOKENIZER, threads=threads).encode(texts), one)


def test_loop_wrapper_computes_exactly_one_call_per_text():
    """The Loop-wrapped session gives, bit for bit, what one plain onnxruntime call per text gives."""
    import onnx
    import onnxruntime as ort
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(TOKENIZER))
    tok.no_padding()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    graph = onnx.load(str(ONNX))
    if not u8s8_products_are_exact():  # the encoder computes the exact products here; so does the reference
        assert exact_integer_weights(graph) > 0
    plain = ort.InferenceSession(graph.SerializeToString(), sess_options=opts, providers=["CPUExecutionProvider"])
    texts = ["hi", "I will find you and hurt you", "the comedian killed it on stage " * 9, "ok", "x" * 300]
    reference = []
    for text in texts:
        ids = np.asarray([tok.encode(text).ids[:256]], dtype=np.int64)
        reference.append(plain.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0][0])
    enc = OnnxEncoder(ONNX, TOKENIZER, threads=1)
    np.testing.assert_array_equal(enc.encode(texts), np.stack(reference))
    np.testing.assert_array_equal(OnnxEncoder(ONNX, TOKENIZER, threads=2).encode(texts[::-1]),
                                  np.stack(reference[::-1]))


def test_loop_wrapper_refuses_a_graph_with_other_inputs():
    from onnx import TensorProto, helper

    from flagstone.models.onnx_encoder import loop_graph

    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
    with pytest.raises(ModelError, match="must take input_ids and attention_mask"):
        loop_graph(helper.make_model(graph))


def _matmul_integer_model(weights: np.ndarray, zero_point: np.ndarray | None, *, extra_reader: bool = False):
    from onnx import TensorProto, helper, numpy_helper

    inputs = ["a", "w", "za"] + (["zw"] if zero_point is not None else [])
    nodes = [helper.make_node("MatMulInteger", inputs, ["y"])]
    outputs = [helper.make_tensor_value_info("y", TensorProto.INT32, [None, weights.shape[1]])]
    if extra_reader:  # the weights are read by another node too: the rewrite must leave them alone
        nodes.append(helper.make_node("Identity", ["w"], ["w_copy"]))
        outputs.append(helper.make_tensor_value_info("w_copy", TensorProto.INT8, list(weights.shape)))
    inits = [numpy_helper.from_array(weights, "w")] + ([numpy_helper.from_array(zero_point, "zw")]
                                                      if zero_point is not None else [])
    graph = helper.make_graph(nodes, "mmi", [helper.make_tensor_value_info("a", TensorProto.UINT8, [None, weights.shape[0]]),
                                             helper.make_tensor_value_info("za", TensorProto.UINT8, [])],
                              outputs, initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model


def _run(model, a: np.ndarray, za: int) -> np.ndarray:
    import onnxruntime as ort

    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, {"a": a, "za": np.array(za, np.uint8)})[0]


@pytest.mark.parametrize("zero_point", [np.array(3, np.int8), None])
def test_exact_integer_weights_gives_the_exact_products(zero_point):
    """ONNX defines MatMulInteger as exact int32 sums; onnxruntime's uint8 x int8 path saturates on x86
    without VNNI (pairs of products clamped to 16 bits). The uint8 rewrite gives the exact sums on any CPU."""
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (16, 384)).astype(np.uint8)
    a[0] = 255  # the largest activations times the largest weights: saturates where the CPU path does
    w = rng.integers(-127, 128, (384, 32)).astype(np.int8)
    w[:, 0] = 127
    exact = (a.astype(np.int64) - 5) @ (w.astype(np.int64) - (0 if zero_point is None else int(zero_point)))
    model = _matmul_integer_model(w, zero_point)
    before = _run(model, a, 5)
    assert np.array_equal(before, exact) == u8s8_products_are_exact()  # the probe tells the truth
    assert exact_integer_weights(model) == (1 if zero_point is None else 2)
    assert model.graph.initializer[0].data_type == 2  # uint8 now
    np.testing.assert_array_equal(_run(model, a, 5), exact)


def test_exact_integer_weights_leaves_shared_weights_alone():
    w = np.ones((8, 4), np.int8)
    model = _matmul_integer_model(w, np.array(0, np.int8), extra_reader=True)
    before = model.SerializeToString()
    assert exact_integer_weights(model) == 0
    assert model.SerializeToString() == before
