"""The shipped ONNX encoder: an embedding depends on its text alone, never on the texts beside it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from flagstone.errors import ModelError
from flagstone.models.onnx_encoder import OnnxEncoder
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
    import onnxruntime as ort
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(TOKENIZER))
    tok.no_padding()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    plain = ort.InferenceSession(str(ONNX), sess_options=opts, providers=["CPUExecutionProvider"])
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
