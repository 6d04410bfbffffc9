"""What the web UI does, as plain functions on the store: accounts, the next item, labels, gold, stats.

Routes stay thin and call these; they raise :mod:`flagstone.errors`, never HTTP errors.

* The next item of a queue is its highest-priority pending request that this person has neither
  labelled nor skipped. With probability ``gold_rate`` a gold item this person has not labelled comes
  instead; the page looks the same, so gold cannot be told apart.
* Submitting writes one label per category (chosen ones 1, the rest 0; "none of these" = all 0)
  with the person's annotator and the current policy version, marks the queue request done, and
  records the comment and the "policy unclear" flag. All 0 needs an explicit "none of these": an
  empty submit is refused, so a slip of the Enter key saves nothing. Skipping records a skip for
  this person only.
* A person may undo their latest labels of an item (the rows go, the queue request is pending again
  unless another person labelled it; machine labels do not count) or edit them (the submission is
  replaced under the current policy version).
* Machine labels of the item (LLM, pseudo-label) are shown as suggestions, never ticked for the person
  (:mod:`flagstone.labeling.ui.suggestions`); what the person submits is stored as their own.
* Free text has limits (username 64, password 1024, comment 5000 characters), refused with a clear error.
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

from flagstone.data import queue as queue_requests
from flagstone.errors import ConflictError, InvalidRequestError, NotFoundError, PermissionDeniedError
from flagstone.labeling.records import annotator_id
from flagstone.labeling.tables import ROLES, ui_feedback, ui_gold, ui_users
from flagstone.labeling.ui.auth import hash_password, timing_equaliser, verify_password
from flagstone.policy.taxonomy import CATEGORIES
from flagstone.policy.versions import PolicyVersion, current_version
from flagstone.store.engine import Store, utcnow
from flagstone.store.sessions import end_sessions
from flagstone.store.tables import annotators, items, labels


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


MAX_USERNAME, MAX_PASSWORD, MAX_COMMENT = 64, 1024, 5000


@dataclass(frozen=True)
class QueueProgress:
    queue: str
    reason: str
    total: int  # items the queue has asked about
    pending: int  # not labelled by anyone yet
    mine: int  # labelled by this person
    left_for_me: int  # pending, and neither labelled nor skipped by this person


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
    check_username(username)
    try:
        hashed = hash_password(check_password_length(password))
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


def check_username(username: str) -> str:
    if len(username) > MAX_USERNAME:
        raise InvalidRequestError(f"a username has at most {MAX_USERNAME} characters (this one has "
                                  f"{len(username)})", param="username")
    if not username or not username.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise InvalidRequestError("a username is letters, digits, '-', '_' or '.'", param="username")
    return username


def check_password_length(password: str) -> str:
    if len(password) > MAX_PASSWORD:
        raise InvalidRequestError(f"a password has at most {MAX_PASSWORD} characters", param="password")
    return password


def check_comment(comment: str) -> str:
    if len(comment) > MAX_COMMENT:
        raise InvalidRequestError(f"a comment has at most {MAX_COMMENT} characters (this one has {len(comment)}); "
                                  "shorten it and submit again", param="comment")
    return comment


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
        hashed = hash_password(check_password_length(new))
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
    with store.connect() as conn:
        return [dict(queue=c.queue, reason=c.reason, pending=c.pending)
                for c in queue_requests.pending_summary(conn)]


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
        for req in queue_requests.pending_requests(conn, queue):
            if req.item_key not in done:
                text = conn.execute(select(items.c.text).where(items.c.key == req.item_key)).scalar_one()
                return WorkItem(req.item_key, text, queue, req.reason, req.category)
    return None


def _check_may_work_on(conn, user: UIUser, item_key: str, queue: str, action: str) -> None:
    """Viewers may not label or skip; the item must be in ``queue`` (or gold, shown in any queue)."""
    if not user.can_label:
        raise PermissionDeniedError(f"role {user.role!r} cannot {action}")
    if conn.execute(select(items.c.key).where(items.c.key == item_key)).first() is None:
        raise NotFoundError(f"no item {item_key[:12]}")
    is_gold = conn.execute(select(ui_gold.c.item_key).where(ui_gold.c.item_key == item_key)).first() is not None
    if not queue_requests.holds(conn, queue, item_key) and not is_gold:
        raise PermissionDeniedError(f"item {item_key[:12]} is not in queue {queue!r}; {action} items of your queue")


def _check_choice(chosen: set[str], none_of_these: bool) -> None:
    unknown = sorted(chosen - set(CATEGORIES))
    if unknown:
        raise InvalidRequestError(f"unknown categories {unknown}", param="category")
    if chosen and none_of_these:
        raise InvalidRequestError(f"'none of these' and categories ({', '.join(sorted(chosen))}) were both chosen; "
                                  "pick one or the other", param="category")
    if not chosen and not none_of_these:
        raise InvalidRequestError("nothing was chosen: tick the categories that apply, or 'none of these' "
                                  "when none does", param="category")


def submit_labels(store: Store, user: UIUser, item_key: str, queue: str, chosen: Iterable[str], *,
                  none_of_these: bool = False, comment: str = "", unclear: bool = False) -> PolicyVersion:
    """Store the person's labels for every category under the current policy version.

    ``chosen`` are the categories that apply; an empty choice needs ``none_of_these`` (all 0).
    """
    if not user.can_label:  # before the form's content: a viewer learns nothing from its errors
        raise PermissionDeniedError(f"role {user.role!r} cannot label")
    chosen = set(chosen)
    _check_choice(chosen, none_of_these)
    check_comment(comment)
    now = utcnow()
    with store.begin() as conn:
        _check_may_work_on(conn, user, item_key, queue, "label")
        version = current_version(conn)
        conn.execute(labels.insert(), [
            dict(item_key=item_key, category=c, value=int(c in chosen), annotator_id=user.annotator_id,
                 policy_version_id=version.id, score=None, is_pseudo=False, source_ref=None, created_at=now)
            for c in CATEGORIES])
        queue_requests.mark_done(conn, queue, item_key)
        feedback = [("comment", comment.strip())] if comment.strip() else []
        feedback += [("unclear", comment.strip() or None)] if unclear else []
        for kind, body in feedback:
            conn.execute(ui_feedback.insert().values(user_id=user.id, item_key=item_key, queue=queue, kind=kind,
                                                     body=body, policy_version_id=version.id, created_at=now))
    return version


def skip_item(store: Store, user: UIUser, item_key: str, queue: str, comment: str = "") -> None:
    check_comment(comment)
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


def queue_progress(store: Store, user: UIUser) -> list[QueueProgress]:
    """Per queue: how many items it asked about, how many are still pending, how many this person
    labelled, and how many are left for them (pending, neither labelled nor skipped by them)."""
    with store.connect() as conn:
        done = _done_by(conn, user)
        mine = set(conn.execute(select(labels.c.item_key).where(labels.c.annotator_id == user.annotator_id)
                                .distinct()).scalars())
        rows = queue_requests.requests(conn)
    by_queue: dict[str, dict] = {}
    for req in rows:
        q = by_queue.setdefault(req.queue, {"reason": req.reason, "all": set(), "pending": set()})
        q["all"].add(req.item_key)
        if req.status == queue_requests.PENDING:
            q["pending"].add(req.item_key)
    return [QueueProgress(name, q["reason"], len(q["all"]), len(q["pending"]), len(q["all"] & mine),
                          len(q["pending"] - done)) for name, q in by_queue.items()]


def progress_of(store: Store, user: UIUser, queue: str) -> QueueProgress | None:
    return next((p for p in queue_progress(store, user) if p.queue == queue), None)


def get_work_item(store: Store, item_key: str, queue: str) -> WorkItem:
    """The item as a queue shows it (for the label page shown again, or to edit one's labels)."""
    with store.connect() as conn:
        text = conn.execute(select(items.c.text).where(items.c.key == item_key)).scalar_one_or_none()
        if text is None:
            raise NotFoundError(f"no item {item_key[:12]}")
        row = queue_requests.request_of(conn, queue, item_key)
    return WorkItem(item_key, text, queue, row.reason if row else "gold", row.category if row else None)


@dataclass(frozen=True)
class Submission:
    item_key: str
    created_at: object
    positives: tuple[str, ...]
    comment: str


def latest_submission(store: Store, user: UIUser, item_key: str) -> Submission:
    """This person's latest labels of the item (one submission: the rows written together)."""
    with store.connect() as conn:
        at = conn.execute(select(func.max(labels.c.created_at)).where(labels.c.annotator_id == user.annotator_id,
                                                                      labels.c.item_key == item_key)).scalar()
        if at is None:
            raise NotFoundError(f"you have no labels of item {item_key[:12]}")
        rows = conn.execute(select(labels.c.category, labels.c.value).where(
            labels.c.annotator_id == user.annotator_id, labels.c.item_key == item_key, labels.c.created_at == at)).all()
        comment = conn.execute(select(ui_feedback.c.body).where(
            ui_feedback.c.user_id == user.id, ui_feedback.c.item_key == item_key, ui_feedback.c.kind == "comment",
            ui_feedback.c.created_at == at)).scalar()
    return Submission(item_key, at, tuple(sorted(c for c, v in rows if v)), comment or "")


def _drop_submission(conn, user: UIUser, sub: Submission) -> None:
    conn.execute(labels.delete().where(labels.c.annotator_id == user.annotator_id,
                                       labels.c.item_key == sub.item_key, labels.c.created_at == sub.created_at))
    conn.execute(ui_feedback.delete().where(ui_feedback.c.user_id == user.id, ui_feedback.c.item_key == sub.item_key,
                                            ui_feedback.c.kind.in_(("comment", "unclear")),
                                            ui_feedback.c.created_at == sub.created_at))


def undo_labels(store: Store, user: UIUser, item_key: str, queue: str | None = None) -> Submission:
    """Remove this person's latest labels of the item; its queue request (in ``queue``, else in any
    queue) is pending again unless someone else has labelled the item since. Returns what was removed."""
    if not user.can_label:
        raise PermissionDeniedError(f"role {user.role!r} cannot label")
    sub = latest_submission(store, user, item_key)
    with store.begin() as conn:
        _drop_submission(conn, user, sub)
        # Only another person's labels keep the request done: machine labels (LLM, pseudo) are
        # suggestions, and the item still needs a person.
        others = conn.execute(select(labels.c.id).join(annotators, annotators.c.id == labels.c.annotator_id)
                              .where(labels.c.item_key == item_key, labels.c.annotator_id != user.annotator_id,
                                     annotators.c.kind == "person").limit(1)).first()
        if others is None:
            queue_requests.reopen(conn, item_key, queue)
    return sub


def edit_labels(store: Store, user: UIUser, item_key: str, chosen: Iterable[str], *, none_of_these: bool = False,
                comment: str = "") -> PolicyVersion:
    """Replace this person's latest labels of the item (same rules as a submission, current policy version)."""
    if not user.can_label:
        raise PermissionDeniedError(f"role {user.role!r} cannot label")
    chosen = set(chosen)
    _check_choice(chosen, none_of_these)
    check_comment(comment)
    sub = latest_submission(store, user, item_key)
    now = utcnow()
    with store.begin() as conn:
        _drop_submission(conn, user, sub)
        version = current_version(conn)
        conn.execute(labels.insert(), [
            dict(item_key=item_key, category=c, value=int(c in chosen), annotator_id=user.annotator_id,
                 policy_version_id=version.id, score=None, is_pseudo=False, source_ref=None, created_at=now)
            for c in CATEGORIES])
        if comment.strip():
            conn.execute(ui_feedback.insert().values(user_id=user.id, item_key=item_key, queue=None, kind="comment",
                                                     body=comment.strip(), policy_version_id=version.id,
                                                     created_at=now))
    return version
