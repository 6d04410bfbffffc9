"""Label a stored dataset with the LLM labeler and compare it with people: the CLI's domain side."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from flagstone.errors import NotFoundError
from flagstone.labeling.agreement import AgreementReport, compare
from flagstone.labeling.llm import LLMLabeler
from flagstone.labeling.records import latest_labels, llm_rationales, save_outcomes
from flagstone.labeling.tables import llm_label_runs
from flagstone.policy.taxonomy import CATEGORIES
from flagstone.policy.versions import PolicyVersion
from flagstone.store.engine import Store
from flagstone.store.tables import annotators, dataset_items, datasets, items

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LLMRunSummary:
    items: int
    skipped_done: int
    labelled: int
    failed: int
    cached: int
    prompt_tokens: int
    completion_tokens: int
    failures: list[tuple[str, str]]  # (item key, error)


def dataset_texts(store: Store, dataset: str) -> list[tuple[str, str]]:
    with store.connect() as conn:
        ds = conn.execute(select(datasets.c.id).where(datasets.c.name == dataset)).scalar()
        if ds is None:
            known = ", ".join(conn.execute(select(datasets.c.name).order_by(datasets.c.name)).scalars()) or "none"
            raise NotFoundError(f"unknown dataset {dataset!r}; available: {known}")
        return [tuple(r) for r in conn.execute(
            select(items.c.key, items.c.text).join(dataset_items, dataset_items.c.item_key == items.c.key)
            .where(dataset_items.c.dataset_id == ds).order_by(items.c.key))]


def label_dataset(store: Store, dataset: str, labeler: LLMLabeler, version: PolicyVersion, *,
                  limit: int | None = None, batch: int = 64) -> LLMRunSummary:
    """Label items not yet labelled by this model under this policy version; save as it goes."""
    rows = dataset_texts(store, dataset)
    with store.connect() as conn:
        done = set(conn.execute(
            select(llm_label_runs.c.item_key).join(annotators, annotators.c.id == llm_label_runs.c.annotator_id)
            .where(annotators.c.name == labeler.annotator, llm_label_runs.c.ok.is_(True),
                   llm_label_runs.c.policy_version_id == version.id)).scalars())
    todo = [(k, t) for k, t in rows if k not in done][:limit]
    totals = dict(labelled=0, failed=0, cached=0, pt=0, ct=0)
    failures: list[tuple[str, str]] = []
    for start in range(0, len(todo), batch):
        chunk = todo[start:start + batch]
        outcomes = labeler.label([t for _, t in chunk])
        save_outcomes(store, outcomes, version.id)  # each chunk committed: an interrupted run keeps its work
        for o in outcomes:
            totals["labelled" if o.ok else "failed"] += 1
            totals["cached"] += o.cached
            totals["pt"] += o.prompt_tokens
            totals["ct"] += o.completion_tokens
            if not o.ok:
                failures.append((o.text_key, o.error or ""))
        log.info("labelled %d/%d", start + len(chunk), len(todo))
    return LLMRunSummary(len(rows), sum(k in done for k, _ in rows),
                         totals["labelled"], totals["failed"], totals["cached"], totals["pt"], totals["ct"], failures)


def llm_vs_human(store: Store, dataset: str, model: str, version: PolicyVersion | None = None
                 ) -> tuple[AgreementReport, dict[str, str]]:
    """Agreement of ``llm:<model>`` with people on the dataset; also returns ``{item_key: text}``."""
    texts = dict(dataset_texts(store, dataset))
    keys = set(texts)
    annotator = f"llm:{model}"
    llm = latest_labels(store, kind="model", name=annotator,
                        policy_version_id=version.id if version else None, item_keys=keys)
    human = latest_labels(store, kind="person", item_keys=keys)
    seen = {c for v in llm.values() for c in v}
    cats = [c for c in CATEGORIES if c in seen or (version is not None and c in version.category_hashes)]
    return compare(llm, human, categories=cats, rationales=llm_rationales(store, annotator)), texts
