"""What the web UI does, as plain functions on the store: accounts, the next item, labels, gold, stats.

Routes stay thin and call these; they raise :mod:`flagstone.errors`, never HTTP errors.

* The next item of a queue is its highest-priority pending request that this person has neither
  labelled nor skipped. With probability ``gold_rate`` a gold item this person has not labelled comes
  instead; the page looks the same, so gold cannot be told apart.
* Submitting writes one label per category (chosen ones 1, the rest 0; "none of these" = all 0)
  with the person's annotator and the current policy version, marks the queue request done, and
  records the comment and the "policy unclear" flag. Skipping records a skip for this person only.
* Roles hold on every action, not only on the pages: viewers neither label nor skip, and a label or a
  skip names an item of that queue (or a gold item, which any queue may show), so nobody labels
  items outside the queue they work on.
* Changing a password ends every UI session of that person (:func:`flagstone.store.sessions.end_sessions`).
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select

from flagstone.errors import ConflictError, InvalidRequestError, NotFoundError, PermissionDeniedError
from flagstone.labeling.records import annotator_id
from flagstone.labeling.tables import ROLES, ui_feedback, ui_gold, ui_users
from flagstone.labeling.ui.auth import hash_password, timing_equaliser, verify_password
from flagstone.policy.taxonomy import CATEGORIES
from flagstone.policy.versions import PolicyVersion, current_version
from flagstone.store.engine import Store, utcnow
from flagstone.store.sessions import end_sessions
from flagstone.store.tables import annotators, items, label_queue, labels


@dataclass(frozen=True)
class UIUser:
    id: int
    username: str
    role: str
    annotator_id: int

    @property
    def can_label(self) -> bool:
        return self.role in ("admin", "annotator")


@dataclass(frozen=True)
class WorkItem:
    item_key: str
    text: str
    queue: str
    reason: str
    category: str | None = None  # a relabel request names the category whose wording changed


@dataclass(frozen=True)
class AnnotatorStats:
    username: str
    role: str
    items_labelled: int
    gold_decisions: int
    gold_accuracy: float | None
    shared_decisions: int  # (item, category) pairs that other people labelled too
    agreement: float | None  # with the majority of the others, on those pairs


def create_user(store: Store, username: str, password: str, role: str) -> UIUser:
    if role not in ROLES:
        raise InvalidRequestError(f"unknown role {role!r}; available: {', '.join(ROLES)}")
    if not username or not username.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise InvalidRequestError("a username is letters, digits, '-', '_' or '.'")
    try:
        hashed = hash_password(password)
    except ValueError as exc:
        raise InvalidRequestError(str(exc)) from exc
    with store.begin() as conn:
        if conn.execute(select(ui_users.c.id).where(ui_users.c.username == username)).first():
            raise ConflictError(f"user {username!r} already exists")
        aid = annotator_id(conn, "person", username)
        uid = conn.execute(ui_users.insert().values(username=username, password_hash=hashed, role=role,
                                                    annotator_id=aid, created_at=utcnow())
                           .returning(ui_users.c.id)).scalar_one()
    return UIUser(uid, username, role, aid)


def _user(row) -> UIUser:
    return UIUser(row.id, row.username, row.role, row.annotator_id)


def authenticate(store: Store, username: str, password: str) -> UIUser | None:
    with store.connect() as conn:
        row = conn.execute(select(ui_users).where(ui_users.c.username == username)).first()
    if row is None:
        verify_password(password, timing_equaliser())  # one scrypt, as for a known name: timing tells nothing
        return None
    return _user(row) if verify_password(password, row.password_hash) else None


def change_password(store: Store, user: UIUser, current: str, new: str) -> None:
    """Set a new password after checking the current one; every session of the person ends."""
    with store.connect() as conn:
        stored = conn.execute(select(ui_users.c.password_hash).where(ui_users.c.id == user.id)).scalar_one()
    if not verify_password(current, stored):
        raise PermissionDeniedError("the current password is wrong")
    try:
        hashed = hash_password(new)
    except ValueError as exc:
        raise InvalidRequestError(str(exc)) from exc
    with store.begin() as conn:
        conn.execute(ui_users.update().where(ui_users.c.id == user.id).values(password_hash=hashed))
    end_sessions(store.engine, "ui", str(user.id))


def get_user(store: Store, uid: int) -> UIUser | None:
    with store.connect() as conn:
        row = conn.execute(select(ui_users).where(ui_users.c.id == uid)).first()
    return _user(row) if row is not None else None


def add_gold(store: Store, item_key: str, gold: dict[str, bool]) -> None:
    unknown = sorted(set(gold) - set(CATEGORIES))
    if unknown:
        raise InvalidRequestError(f"unknown categories {unknown}")
    with store.begin() as conn:
        if conn.execute(select(items.c.key).where(items.c.key == item_key)).first() is None:
            raise NotFoundError(f"no item {item_key[:12]}")
        conn.execute(ui_gold.delete().where(ui_gold.c.item_key == item_key))
        conn.execute(ui_gold.insert().values(item_key=item_key, labels=json.dumps({c: int(v) for c, v in gold.items()}),
                                             created_at=utcnow()))


def queue_summary(store: Store) -> list[dict]:
    q = (select(label_queue.c.queue, label_queue.c.reason, func.count().label("pending"))
         .where(label_queue.c.status == "pending").group_by(label_queue.c.queue, label_queue.c.reason)
         .order_by(label_queue.c.queue))
    with store.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


def _done_by(conn, user: UIUser) -> set[str]:
    labelled = conn.execute(select(labels.c.item_key).where(labels.c.annotator_id == user.annotator_id)).scalars()
    skipped = conn.execute(select(ui_feedback.c.item_key).where(ui_feedback.c.user_id == user.id,
                                                                ui_feedback.c.kind == "skip")).scalars()
    return set(labelled) | set(skipped)


def next_item(store: Store, user: UIUser, queue: str, *, gold_rate: float = 0.0,
              rng: random.Random | None = None) -> WorkItem | None:
    rng = rng or random.Random()
    with store.connect() as conn:
        done = _done_by(conn, user)
        if gold_rate > 0 and rng.random() < gold_rate:
            gold = [k for k in conn.execute(select(ui_gold.c.item_key).order_by(ui_gold.c.item_key)).scalars()
                    if k not in done]
            if gold:
                key = rng.choice(gold)
                text = conn.execute(select(items.c.text).where(items.c.key == key)).scalar_one()
                return WorkItem(key, text, queue, "gold")  # shown like any other item
        q = (select(label_queue.c.item_key, label_queue.c.reason, items.c.text, label_queue.c.category)
             .join(items, items.c.key == label_queue.c.item_key)
             .where(label_queue.c.queue == queue, label_queue.c.status == "pending")
             .order_by(label_queue.c.priority.desc(), label_queue.c.id))
        for key, reason, text, category in conn.execute(q):
            if key not in done:
                return WorkItem(key, text, queue, reason, category)
    return None


def _check_may_work_on(conn, user: UIUser, item_key: str, queue: str, action: str) -> None:
    """Viewers may not label or skip; the item must be in ``queue`` (or gold, shown in any queue)."""
    if not user.can_label:
        raise PermissionDeniedError(f"role {user.role!r} cannot {action}")
    if conn.execute(select(items.c.key).where(items.c.key == item_key)).first() is None:
        raise NotFoundError(f"no item {item_key[:12]}")
    in_queue = conn.execute(select(label_queue.c.id).where(label_queue.c.queue == queue,
                                                           label_queue.c.item_key == item_key).limit(1)).first()
    if in_queue is None and conn.execute(select(ui_gold.c.item_key).where(ui_gold.c.item_key == item_key)).first() is None:
        raise PermissionDeniedError(f"item {item_key[:12]} is not in queue {queue!r}; {action} items of your queue")


def submit_labels(store: Store, user: UIUser, item_key: str, queue: str, chosen: Iterable[str], *,
                  comment: str = "", unclear: bool = False) -> PolicyVersion:
    """Store the person's labels for every category under the current policy version."""
    chosen = set(chosen)
    unknown = sorted(chosen - set(CATEGORIES))
    if unknown:
        raise InvalidRequestError(f"unknown categories {unknown}")
    if len(comment) > 5000:
        raise InvalidRequestError("a comment has at most 5000 characters")
    now = utcnow()
    with store.begin() as conn:
        _check_may_work_on(conn, user, item_key, queue, "label")
        version = current_version(conn)
        conn.execute(labels.insert(), [
            dict(item_key=item_key, category=c, value=int(c in chosen), annotator_id=user.annotator_id,
                 policy_version_id=version.id, score=None, is_pseudo=False, source_ref=None, created_at=now)
            for c in CATEGORIES])
        conn.execute(label_queue.update().where(label_queue.c.queue == queue, label_queue.c.item_key == item_key,
                                                label_queue.c.status == "pending").values(status="done"))
        feedback = [("comment", comment.strip())] if comment.strip() else []
        feedback += [("unclear", comment.strip() or None)] if unclear else []
        for kind, body in feedback:
            conn.execute(ui_feedback.insert().values(user_id=user.id, item_key=item_key, queue=queue, kind=kind,
                                                     body=body, policy_version_id=version.id, created_at=now))
    return version


def skip_item(store: Store, user: UIUser, item_key: str, queue: str, comment: str = "") -> None:
    with store.begin() as conn:
        _check_may_work_on(conn, user, item_key, queue, "skip")
        conn.execute(ui_feedback.insert().values(user_id=user.id, item_key=item_key, queue=queue, kind="skip",
                                                 body=comment.strip() or None, created_at=utcnow()))


def annotator_stats(store: Store) -> list[AnnotatorStats]:
    """Per person: accuracy on gold and agreement with the majority of the other people."""
    with store.connect() as conn:
        users = conn.execute(select(ui_users).order_by(ui_users.c.username)).all()
        gold = {k: json.loads(v) for k, v in conn.execute(select(ui_gold.c.item_key, ui_gold.c.labels))}
        rows = conn.execute(select(labels.c.item_key, labels.c.category, labels.c.value, labels.c.annotator_id)
                            .join(annotators, annotators.c.id == labels.c.annotator_id)
                            .where(annotators.c.kind == "person").order_by(labels.c.created_at, labels.c.id))
        latest: dict[tuple[str, str], dict[int, int]] = defaultdict(dict)
        for key, cat, value, aid in rows:
            latest[(key, cat)][aid] = value
    out = []
    for u in users:
        mine = {kc: by[u.annotator_id] for kc, by in latest.items() if u.annotator_id in by}
        g = [(v, gold[k][c]) for (k, c), v in mine.items() if k in gold and c in gold[k]]
        shared = []
        for kc, v in mine.items():
            others = [x for a, x in latest[kc].items() if a != u.annotator_id]
            if others:
                shared.append(v == int(sum(others) * 2 >= len(others)))
        out.append(AnnotatorStats(u.username, u.role, len({k for k, _ in mine}), len(g),
                                  sum(a == b for a, b in g) / len(g) if g else None,
                                  len(shared), sum(shared) / len(shared) if shared else None))
    return out


@dataclass(frozen=True)
class LabelledItem:
    item_key: str
    text: str
    positives: tuple[str, ...]
    annotator: str
    policy_version: str  # version string (hash prefix)
    created_at: object


def recent_labels(store: Store, user: UIUser, limit: int = 50) -> list[LabelledItem]:
    """The person's latest labelled items, newest first, as stored (annotator and policy version)."""
    from flagstone.store.tables import policy_versions

    q = (select(labels.c.item_key, labels.c.category, labels.c.value, labels.c.created_at, items.c.text,
                annotators.c.name, policy_versions.c.version, policy_versions.c.hash)
         .join(items, items.c.key == labels.c.item_key)
         .join(annotators, annotators.c.id == labels.c.annotator_id)
         .join(policy_versions, policy_versions.c.id == labels.c.policy_version_id)
         .where(labels.c.annotator_id == user.annotator_id)
         .order_by(labels.c.created_at.desc(), labels.c.id.desc()))
    grouped: dict[tuple, list[str]] = {}
    with store.connect() as conn:
        for r in conn.execute(q):
            key = (r.item_key, r.created_at, r.text, r.name, f"{r.version} ({r.hash[:12]})")
            grouped.setdefault(key, [])
            if r.value:
                grouped[key].append(r.category)
            if len(grouped) > limit:
                break
    return [LabelledItem(k, text, tuple(sorted(p)), name, ver, at)
            for (k, at, text, name, ver), p in list(grouped.items())[:limit]]
