"""Training data sources: mapping files (one per dataset), store snapshots and policy examples.

A mapping file (``datasets/mappings/*.yaml``) is the one schema of :mod:`flagstone.data.mapping`, the
same that ``flagstone data import`` reads: ``file`` (relative to the recipe's data root),
``licence_class`` (A or B may train the shipped model; C and D are refused), ``columns.text``, and
labels from column rules, a ``label_dict`` column and ``when``/``set`` rules. Categories a row's
mapping never sets stay **unknown** (-1) and are masked out of that category's training loss.
Files are read by the store importer's readers (``flagstone.data.readers``), so a file that imports
also trains.

A recipe may also name **store snapshots** (``{snapshot: ID, dataset: NAME}``):
:func:`load_snapshot_source` reads their resolved labels (precedence adjudicated > human > LLM >
pseudo-label > mapped public label, ``flagstone.data.labels``) and reports the label counts per
category and deciding tier, which the model card and the registry entry keep.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from flagstone.data.mapping import UNKNOWN, Mapping, Sample, get_path, load_mapping
from flagstone.data.readers import read_rows
from flagstone.errors import ConfigError, DataError
from flagstone.policy.taxonomy import CATEGORIES, CATEGORY_INDEX

__all__ = ["UNKNOWN", "Examples", "Mapping", "label_row", "load_mapping", "load_source", "mapping_rows"]

log = logging.getLogger(__name__)


@dataclass
class Examples:
    """Texts with a (n, 13) int8 label matrix: 1 positive, 0 negative, -1 unknown (masked)."""

    texts: list[str]
    labels: np.ndarray
    sources: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.texts)

    @staticmethod
    def concat(parts: list[Examples]) -> Examples:
        if not parts:
            return Examples([], np.zeros((0, len(CATEGORIES)), dtype=np.int8), [])
        return Examples([t for p in parts for t in p.texts], np.concatenate([p.labels for p in parts]),
                        [s for p in parts for s in p.sources])


def mapping_rows(path: Path, m: Mapping) -> list[dict[str, Any]]:
    """Every row of a mapping's file; a row that cannot be parsed is a DataError with its number."""
    return read_rows(path, m.file_format(path), delimiter=m.delimiter)


def label_row(row: dict[str, Any], m: Mapping, *, file: str = "<data>", index: int = 0) -> np.ndarray:
    """The 13 labels one row maps to (1 / 0 / -1 unknown); a value the mapping cannot read is a DataError."""
    try:
        return m.label_vector(row)
    except ValueError as exc:
        raise DataError(str(exc), file=file, row=index) from None


def row_text(row: dict[str, Any], m: Mapping, *, file: str, index: int) -> Any:
    """The raw value of the text column; a row without that column is a DataError."""
    col = m.columns.text
    value = get_path(row, col)
    if value is None and col not in row:
        raise DataError(f"no text column {col!r}", file=file, row=index)
    return value


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def subsample(rows: list[tuple[dict, str]], s: Sample) -> list[tuple[dict, str]]:
    groups: dict[str, list[tuple[dict, str]]] = {}
    for r in rows:
        groups.setdefault(str(r[0].get(s.per)) if s.per else "", []).append(r)
    kept: set[int] = set()
    for key in sorted(groups):
        kept.update(id(r) for r in sorted(groups[key], key=lambda r: text_hash(r[1]))[: s.max_rows])
    return [r for r in rows if id(r) in kept]  # file order, so the result reads like the source


def load_source(mapping: Mapping, data_root: str | Path, *, allowed_classes: tuple[str, ...] = ("A", "B")) -> Examples:
    """Read a source's file and map its rows; rows without text or any known label are skipped."""
    if mapping.licence_class not in allowed_classes:
        raise ConfigError(f"{mapping.name}: licence class {mapping.licence_class} may not train this model "
                          f"(allowed: {list(allowed_classes)}; set licence_class in its mapping file)")
    if mapping.file is None:
        raise ConfigError(f"{mapping.name}: a training source's mapping names its data file (file: ...)")
    path = Path(data_root) / mapping.file
    rows = []
    for i, row in enumerate(mapping_rows(path, mapping), 1):
        text = str(row_text(row, mapping, file=str(path), index=i) or "").strip()
        if text:
            rows.append((row, text))
    if mapping.sample:
        rows = subsample(rows, mapping.sample)
    texts, labels = [], []
    for i, (row, text) in enumerate(rows, 1):
        lab = label_row(row, mapping, file=str(path), index=i)
        if (lab != UNKNOWN).any():
            texts.append(text)
            labels.append(lab)
    log.info("%s: %d examples", mapping.name, len(texts))
    arr = np.array(labels, dtype=np.int8).reshape(-1, len(CATEGORIES))
    return Examples(texts, arr, [mapping.name] * len(texts))


def policy_examples(policy: Any) -> Examples:
    """A policy's positive / negative examples: each asserts only its own category."""
    texts, labels = [], []
    for cat, cp in policy.categories.items():
        for text, v in [(t, 1) for t in cp.positive_examples] + [(t, 0) for t in cp.negative_examples]:
            lab = np.full(len(CATEGORIES), UNKNOWN, dtype=np.int8)
            lab[CATEGORY_INDEX[cat]] = v
            texts.append(text)
            labels.append(lab)
    arr = np.array(labels, dtype=np.int8).reshape(-1, len(CATEGORIES))
    return Examples(texts, arr, ["policy"] * len(texts))


@dataclass(frozen=True)
class SnapshotExamples:
    examples: Examples
    provenance: dict[str, Any]  # id, dataset, policy hash, rows, label counts per category and tier


def snapshot_root(store_dir: str | Path | None) -> Path:
    if store_dir is not None:
        return Path(store_dir)
    from flagstone.settings import load_settings

    return Path(load_settings().data_dir)


def load_snapshot_source(spec: Any, store_dir: str | Path | None) -> SnapshotExamples:
    """Read a recipe's snapshot source; a snapshot without labels (or of another dataset) is an error."""
    from flagstone.data.snapshots import find_snapshot, label_source_counts, read_snapshot

    folder = find_snapshot(snapshot_root(store_dir), spec.snapshot)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    sid = manifest["id"]
    if manifest["dataset"] != spec.dataset:
        raise ConfigError(f"snapshot {sid[:12]} is of dataset {manifest['dataset']!r}, not {spec.dataset!r}")
    if spec.policy and not manifest["policy_hash"].startswith(spec.policy.lower()):
        raise ConfigError(f"snapshot {sid[:12]} has labels resolved under policy {manifest['policy_hash'][:12]}, "
                          f"the recipe asks for {spec.policy}: take one with "
                          f"`flagstone data snapshot {spec.dataset} --policy {spec.policy}`")
    table = read_snapshot(folder / "items.parquet")
    if spec.splits is not None:
        import pyarrow.compute as pc

        table = table.filter(pc.is_in(table.column("split"), value_set=pa_strings(spec.splits)))
    labels = np.array([[UNKNOWN if v is None else v for v in table.column(c).to_pylist()] for c in CATEGORIES],
                      dtype=np.int8).T.reshape(-1, len(CATEGORIES))
    keep = (labels != UNKNOWN).any(axis=1)
    if not keep.any():
        raise DataError(f"snapshot {sid[:12]} of {spec.dataset} has no labels under policy "
                        f"{manifest['policy_hash'][:12]} ({table.num_rows} items): label or import some first, "
                        "then take a new snapshot", file=str(folder))
    name = spec.name or f"snapshot:{spec.dataset}"
    texts = [t for t, k in zip(table.column("text").to_pylist(), keep, strict=True) if k]
    ex = Examples(texts, labels[keep], [name] * len(texts))
    idx = np.flatnonzero(keep).tolist()
    counts = label_source_counts(table.take(idx))
    log.info("%s: %d labelled items of snapshot %s", name, len(texts), sid[:12])
    return SnapshotExamples(ex, {"id": sid, "dataset": spec.dataset, "source": name,
                                 "policy_hash": manifest["policy_hash"], "rows": len(texts),
                                 "labels": counts})


def pa_strings(values: list[str]) -> Any:
    import pyarrow as pa

    return pa.array(values, pa.string())


def label_counts(ex: Examples) -> dict[str, dict[str, dict[str, int]]]:
    """``{category: {source: {"positive": n, "negative": n}}}`` of a training set (known labels only)."""
    out: dict[str, dict[str, dict[str, int]]] = {}
    sources = np.array(ex.sources)
    for j, cat in enumerate(CATEGORIES):
        col = ex.labels[:, j]
        for src in sorted(set(ex.sources)):
            m = sources == src
            pos, neg = int((col[m] == 1).sum()), int((col[m] == 0).sum())
            if pos or neg:
                out.setdefault(cat, {})[src] = {"positive": pos, "negative": neg}
    return out


def gather_sources(lr: Any, policy: Any) -> tuple[Examples, dict[str, Any]]:
    """Every source of a recipe (mapping files, snapshots, policy examples) less the held-out rows.

    Returns the examples and a record for the manifest: snapshots used (id, dataset, policy hash,
    label counts per category and tier) and rows held out per source.
    """
    r = lr.recipe
    parts = [load_source(load_mapping(f), lr.resolve(r.data_dir)) for f in lr.source_files()]
    snaps = []
    store_dir = lr.resolve(r.store_dir) if r.store_dir else None
    for spec in lr.snapshot_sources():
        se = load_snapshot_source(spec, store_dir)
        parts.append(se.examples)
        snaps.append(se.provenance)
    if r.policy_examples:
        parts.append(policy_examples(policy))
    raw, held = apply_holdout(Examples.concat(parts), r.holdout)
    record: dict[str, Any] = {"snapshots": snaps} if snaps else {}
    if r.holdout:
        record["holdout"] = {name: {"fraction": h.fraction, "salt": h.salt, "rows_held_out": held.get(name, 0)}
                             for name, h in sorted(r.holdout.items())}
    return raw, record


def apply_holdout(ex: Examples, holdout: dict[str, Any]) -> tuple[Examples, dict[str, int]]:
    """Drop each source's held-out rows, and every other row whose normalised text is one of them."""
    if not holdout:
        return ex, {}
    from flagstone.text.normalize import normalize
    from flagstone.training.splits import holdout_mask

    names = set(ex.sources)
    unknown = sorted(set(holdout) - names)
    if unknown:
        raise ConfigError(f"holdout names sources the recipe does not load: {unknown} (sources: {sorted(names)})")
    sources = np.array(ex.sources)
    drop = np.zeros(len(ex), dtype=bool)
    held: dict[str, int] = {}
    for name, spec in holdout.items():
        rows = np.flatnonzero(sources == name)
        m = holdout_mask([ex.texts[i] for i in rows], spec.fraction, spec.salt)
        drop[rows[m]] = True
        held[name] = int(m.sum())
    kept_out = {normalize(ex.texts[i]) for i in np.flatnonzero(drop)}
    drop |= np.array([normalize(t) in kept_out for t in ex.texts], dtype=bool)
    keep = ~drop
    log.info("holdout: %d rows kept out of training (%s)", int(drop.sum()), held)
    return Examples([t for t, k in zip(ex.texts, keep, strict=True) if k], ex.labels[keep],
                    [s for s, k in zip(ex.sources, keep, strict=True) if k]), held


def check_trainable(recipe: Any, data: Examples, record: dict[str, Any]) -> None:
    """Refuse before any fitting: no labels at all, or a parentless category with too few labels.

    Such a category would silently never flag (its head is a constant), which is how a model trained
    on an export with no labels came out degenerate. ``allow_untrained`` lists accepted exceptions.
    """
    from flagstone.policy.taxonomy import PARENT

    if not len(data):
        raise DataError("the recipe's sources hold no labelled rows: nothing to train on")
    short = []
    for j, cat in enumerate(CATEGORIES):
        if cat in PARENT or cat in recipe.allow_untrained:
            continue
        pos, neg = int((data.labels[:, j] == 1).sum()), int((data.labels[:, j] == 0).sum())
        if pos < recipe.min_positives or neg < recipe.min_positives:
            short.append(f"{cat} ({pos} positive, {neg} negative)")
    if short:
        raise DataError(f"too few labels to train {', '.join(short)}; at least {recipe.min_positives} of each "
                        "are needed (recipe min_positives): label more, add a source, or list the category in "
                        "the recipe's allow_untrained")
    record["label_counts"] = label_counts(data)
