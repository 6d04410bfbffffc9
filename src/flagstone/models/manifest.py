"""The artifact manifest's typed schema: training writes it, the loader validates it.

Every artifact's ``manifest.json`` is an :class:`ArtifactManifest` (kind, name, pinned files, thresholds,
policy, training record, metrics); each model kind extends it with what it needs and registers the
subclass with its loader (``register_model_kind(kind, schema=...)``), so a new kind is a new schema
entry, not new string keys read here and there. The loader validates before building anything: a
missing or misspelt key, a head that names an encoder the artifact lacks or a file that is not pinned
is a :class:`~flagstone.errors.ModelError` naming the field.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from flagstone.errors import ModelError
from flagstone.policy.taxonomy import CATEGORIES


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PolicyRef(_Strict):
    name: str
    version: str
    hash: str


class ArtifactManifest(BaseModel):
    """What every artifact carries. Kinds add their own fields (and may forbid unknown ones)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    kind: str
    name: str = "flagstone"
    files: dict[str, str] = Field(default_factory=dict)  # relative path -> sha256
    thresholds: dict[str, float] = Field(default_factory=dict)
    input_types: dict[str, list[str]] = Field(default_factory=dict)
    policy: PolicyRef | None = None
    policy_hash: str | None = None
    training: dict[str, Any] = Field(default_factory=dict)
    metrics: dict[str, Any] = Field(default_factory=dict)
    categories: dict[str, dict[str, Any]] = Field(default_factory=dict)  # per-category training report
    # Where it was built (libraries, CPU; training/provenance.py): not part of the version hash.
    build: dict[str, Any] | None = None


class EncoderEntry(_Strict):
    """The MiniLM sentence encoder (``models/onnx_encoder.py``)."""

    onnx: str
    tokenizer: str
    max_tokens: int = Field(default=256, ge=8, le=512)
    base: str = "all-MiniLM-L6-v2"
    quantized: bool = True


class MultilingualEntry(_Strict):
    """The multilingual encoder (``models/multilingual.py``) and the calibration of its route."""

    onnx: str
    max_chars: int = Field(default=2000, ge=16)
    calibration: str  # JSON like calibration.json, for the multilingual heads alone
    licence: str | None = None
    source: str = ""


class FinetunedEntry(_Strict):
    """The sentence encoder fine-tuned with a head over the categories (``training/finetune.py``): an ONNX
    graph from token ids to one logit per category, added ``share`` times to the English raw score."""

    onnx: str
    tokenizer: str
    max_tokens: int = Field(default=96, ge=8, le=512)
    share: float = Field(gt=0, le=4)
    base: str = "all-MiniLM-L6-v2"
    quantized: bool = True


class CharEntry(_Strict):
    n_features: int = Field(ge=16)
    ngram_range: tuple[int, int]
    idf: str


class HeadEntry(_Strict):
    features: Literal["embedding", "char", "multilingual"]
    weight: float = Field(gt=0)
    C: float = Field(gt=0)
    coef: str
    intercept: str
    noise: float = 0.0
    # A hidden ReLU layer under the outputs (training/mlp.py): its weights (units, d) and biases (units,).
    hidden: str | None = None
    hidden_bias: str | None = None
    hidden_units: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _hidden_whole(self) -> HeadEntry:
        given = [self.hidden is not None, self.hidden_bias is not None, self.hidden_units is not None]
        if any(given) and not all(given):
            raise ValueError("a hidden layer needs hidden, hidden_bias and hidden_units together")
        if self.hidden and self.features == "char":
            raise ValueError("a char head has no hidden layer")
        return self


class WindowEntry(_Strict):
    """How the scorer reads multi-sentence and long texts (``models/scoring.py``)."""

    sentence_min_words: int | None = Field(default=None, ge=2)
    weight: float = Field(default=1.0, gt=0, le=1)


class EnsembleManifest(ArtifactManifest):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["ensemble"]
    name: str = "flagstone-default"
    encoder: EncoderEntry
    multilingual: MultilingualEntry | None = None
    finetuned: FinetunedEntry | None = None
    featurizers: dict[Literal["char"], CharEntry]
    heads: list[HeadEntry] = Field(min_length=1)
    calibration: str
    windows: WindowEntry = WindowEntry()

    @model_validator(mode="after")
    def _consistent(self) -> EnsembleManifest:
        missing = sorted(set(CATEGORIES) - set(self.thresholds))
        if missing:
            raise ValueError(f"thresholds lack categories {missing}")
        if any(h.features == "multilingual" for h in self.heads) and self.multilingual is None:
            raise ValueError("a multilingual head needs the 'multilingual' encoder entry")
        if any(h.features == "char" for h in self.heads) and "char" not in self.featurizers:
            raise ValueError("a char head needs featurizers.char")
        if self.files:  # every file the model reads is pinned by hash
            named = [self.encoder.onnx, self.encoder.tokenizer, self.calibration,
                     *[f.idf for f in self.featurizers.values()],
                     *[p for h in self.heads for p in (h.coef, h.intercept, h.hidden, h.hidden_bias) if p]]
            if self.multilingual is not None:
                named += [self.multilingual.onnx, self.multilingual.calibration]
            if self.finetuned is not None:
                named += [self.finetuned.onnx, self.finetuned.tokenizer]
            unpinned = sorted(set(named) - set(self.files))
            if unpinned:
                raise ValueError(f"files read by the model but not pinned in 'files': {unpinned}")
        return self


def validate_manifest(schema: type[ArtifactManifest], manifest: dict[str, Any], where: str) -> ArtifactManifest:
    """``schema`` instance of ``manifest``, or a ModelError that names each bad field."""
    try:
        return schema.model_validate(manifest)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in exc.errors())
        raise ModelError(f"{where}: malformed manifest: {problems}") from exc
