"""Fill a labeling queue from a pool dataset: score, rank with a strategy, queue the top ``budget``.

The pool is every item of the dataset that no person has labelled yet and that no pending request
of the target queue holds. Scores come from any :class:`~flagstone.models.base.Moderator`; the
prevalence each strategy sees is the positive rate of the store's (non-pseudo) labels per category
(falling back to the model's flag rate on the pool where there are no labels). Embeddings, for
the diversity strategy, come from the model's encoder when it has one, else from hashed character
n-grams reduced by SVD (cheap, no model needed).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, select

from flagstone.active.base import PoolView
from flagstone.active.self_training import pseudo_labels
from flagstone.active.strategies import get_strategy
from flagstone.data.queue import Request, enqueue, queued_keys
from flagstone.errors import InvalidRequestError, NotFoundError
from flagstone.models.base import Moderator
from flagstone.policy.taxonomy import CATEGORIES
from flagstone.store.engine import Store, utcnow
from flagstone.store.tables import annotators, dataset_items, datasets, items, labels

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SelectionResult:
    queue: str
    strategy: str
    pool_size: int
    queued: int


def pool_items(store: Store, dataset: str, *, exclude_queue: str | None = None) -> list[tuple[str, str]]:
    """``(item_key, text)`` of the dataset's items without a person's label (and not already queued)."""
    with store.connect() as conn:
        ds = conn.execute(select(datasets.c.id).where(datasets.c.name == dataset)).scalar()
        if ds is None:
            known = ", ".join(conn.execute(select(datasets.c.name).order_by(datasets.c.name)).scalars()) or "none"
            raise NotFoundError(f"unknown dataset {dataset!r}; available: {known}")
        rows = conn.execute(select(items.c.key, items.c.text).join(dataset_items, dataset_items.c.item_key == items.c.key)
                            .where(dataset_items.c.dataset_id == ds).order_by(items.c.key)).all()
        human = set(conn.execute(select(labels.c.item_key).join(annotators, annotators.c.id == labels.c.annotator_id)
                                 .where(annotators.c.kind == "person")).scalars())
        queued = queued_keys(conn, exclude_queue) if exclude_queue else set()
    return [(k, t) for k, t in rows if k not in human and k not in queued]


def embed(texts: Sequence[str], moderator: Moderator | None = None, dim: int = 64) -> np.ndarray:
    encoder = getattr(moderator, "encoder", None)
    if encoder is not None and hasattr(encoder, "encode"):
        return np.asarray(encoder.encode(list(texts)), dtype=np.float64)
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import HashingVectorizer

    X = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 4), n_features=2**16,
                          alternate_sign=False).transform(list(texts))
    k = max(1, min(dim, X.shape[0] - 1, X.shape[1] - 1))
    return TruncatedSVD(k, random_state=0).fit_transform(X) if X.shape[0] > 2 else X.toarray()


def label_prevalence(store: Store) -> dict[str, float]:
    """Positive rate per category over every non-pseudo label in the store."""
    with store.connect() as conn:
        q = select(labels.c.category, labels.c.value).where(labels.c.is_pseudo.is_(False))
        rows = [(c, v) for c, v in conn.execute(q)]
    out: dict[str, list[int]] = {}
    for c, v in rows:
        out.setdefault(c, []).append(v)
    return {c: float(np.mean(v)) for c, v in out.items() if v}


def select_to_queue(store: Store, dataset: str, budget: int, strategy: str, moderator: Moderator, *,
                    queue: str | None = None, seed: int = 0) -> SelectionResult:
    if budget < 1:
        raise InvalidRequestError("budget must be at least 1")
    strat = get_strategy(strategy)
    queue = queue or f"al-{dataset}-{strategy}"
    pool = pool_items(store, dataset, exclude_queue=queue)
    if not pool:
        return SelectionResult(queue, strategy, 0, 0)
    texts = [t for _, t in pool]
    scores = moderator.predict_proba(texts)
    thresholds = np.array([moderator.info.thresholds.get(c, 0.5) for c in CATEGORIES])
    known = label_prevalence(store)
    flag_rate = (scores >= thresholds).mean(axis=0)
    prevalence = np.array([known.get(c, flag_rate[j]) for j, c in enumerate(CATEGORIES)])
    emb = embed(texts, moderator) if strategy == "diversity" else None
    with store.connect() as conn:  # items people (not models) labelled: prevalence x this = positives found
        n_labeled = conn.execute(select(func.count(func.distinct(labels.c.item_key)))
                                 .where(labels.c.is_pseudo.is_(False))).scalar_one()
    view = PoolView(scores=scores, thresholds=thresholds, prevalence=prevalence, categories=CATEGORIES,
                    embeddings=emb, n_labeled=int(n_labeled))
    picked = strat.rank(view, budget, np.random.default_rng(seed))
    with store.begin() as conn:
        queued = enqueue(conn, queue, "active_learning",
                         [Request(pool[i][0], float(len(picked) - r)) for r, i in enumerate(picked)])
    log.info("queued %d of %d pool items in %s with %s", queued, len(pool), queue, strategy)
    return SelectionResult(queue, strategy, len(pool), queued)


def add_pseudo_labels(store: Store, dataset: str, moderator: Moderator, policy_version_id: int, *,
                      high: float = 0.95, low: float = 0.02) -> int:
    """Store confident pseudo-labels (``is_pseudo`` true, annotator ``model:<id>``); returns items labelled."""
    from flagstone.labeling.records import annotator_id

    pool = pool_items(store, dataset)
    if not pool:
        return 0
    with store.connect() as conn:
        done = set(conn.execute(select(labels.c.item_key).join(annotators, annotators.c.id == labels.c.annotator_id)
                                .where(labels.c.is_pseudo.is_(True),
                                       annotators.c.name == f"model:{moderator.info.id}")).scalars())
    pool = [(k, t) for k, t in pool if k not in done]  # running again adds nothing twice
    if not pool:
        return 0
    keys = [k for k, _ in pool]
    found = pseudo_labels(keys, moderator.predict_proba([t for _, t in pool]), CATEGORIES,
                          model_id=moderator.info.id, high=high, low=low)
    now = utcnow()
    with store.begin() as conn:
        aid = annotator_id(conn, "model", f"model:{moderator.info.id}")
        rows = [dict(item_key=p.item_key, category=c, value=int(v), annotator_id=aid,
                     policy_version_id=policy_version_id, score=None, is_pseudo=True, source_ref=None,
                     created_at=now) for p in found for c, v in p.labels.items()]
        if rows:
            conn.execute(labels.insert(), rows)
    return len(found)
