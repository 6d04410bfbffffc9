"""Alerts grouped into incidents, with evidence, notes, actions and an audit log of who did what.

An incident follows ``open -> investigating -> mitigated -> closed`` (it may be reopened). An alert
joins the live incident about the same subject (an account, a key, a campaign, a global category)
that was updated within ``group_gap`` seconds, or opens a new one. Actions on an incident (revoke a
key, block an account, tighten an account's thresholds) are registered once in :data:`ACTIONS`, each
with its undo (``reinstate_key``, ``unblock_account``, ``reset_thresholds``), all recorded in the
audit log with the actor. Each alert brings its evidence: the request-log records that triggered it
(metadata only, never the text, so the log's retention still governs content), attached to the
incident with the alert's time.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import jinja2
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine

from flagstone.abuse import db
from flagstone.abuse.base import Alert
from flagstone.abuse.keys import KeyStore
from flagstone.errors import ConflictError, InvalidRequestError, NotFoundError
from flagstone.plugins import Registry

STATUSES: tuple[str, ...] = ("open", "investigating", "mitigated", "closed")
TRANSITIONS: dict[str, set[str]] = {
    "open": {"investigating", "mitigated", "closed"},
    "investigating": {"open", "mitigated", "closed"},
    "mitigated": {"investigating", "closed"},
    "closed": {"open"},
}
SEVERITY_ORDER = {"low": 0, "medium": 1, "high": 2, "critical": 3}

ActionFn = Callable[[KeyStore, str, dict, str, int], dict]
ACTIONS: Registry[ActionFn] = Registry("action", error=InvalidRequestError)


def register_action(name: str) -> Callable[[ActionFn], ActionFn]:
    return ACTIONS.register(name)


@register_action("revoke_key")
def _revoke(keys: KeyStore, target: str, params: dict, actor: str, incident: int) -> dict:
    info = keys.revoke(target, actor=actor, incident_id=incident)
    return {"key": info.id, "account": info.account}


@register_action("block_account")
def _block(keys: KeyStore, target: str, params: dict, actor: str, incident: int) -> dict:
    keys.set_blocked(target, True, reason=str(params.get("reason", f"incident #{incident}")), actor=actor,
                     incident_id=incident)
    return {"account": target}


@register_action("tighten_thresholds")
def _tighten(keys: KeyStore, target: str, params: dict, actor: str, incident: int) -> dict:
    thresholds = params.get("thresholds")
    if not isinstance(thresholds, dict) or not thresholds:
        raise InvalidRequestError("tighten_thresholds needs params {'thresholds': {category: value}}")
    return {"account": target, "thresholds": keys.tighten(target, thresholds, actor=actor, incident_id=incident)}


@register_action("reinstate_key")
def _reinstate(keys: KeyStore, target: str, params: dict, actor: str, incident: int) -> dict:
    info = keys.reinstate(target, actor=actor, incident_id=incident)
    return {"key": info.id, "account": info.account}


@register_action("unblock_account")
def _unblock(keys: KeyStore, target: str, params: dict, actor: str, incident: int) -> dict:
    keys.set_blocked(target, False, reason=str(params.get("reason", "")), actor=actor, incident_id=incident)
    return {"account": target}


@register_action("reset_thresholds")
def _reset(keys: KeyStore, target: str, params: dict, actor: str, incident: int) -> dict:
    cats = params.get("categories")
    if cats is None and isinstance(params.get("thresholds"), dict):
        cats = list(params["thresholds"])
    return {"account": target, "thresholds": keys.reset_thresholds(target, cats, actor=actor, incident_id=incident)}


EVIDENCE_RECORDS = 50  # records attached per alert
EVIDENCE_LOOKBACK = 86_400.0  # rule windows are shorter; bounds the scan of the log by its ts index


@dataclass(frozen=True)
class Incident:
    id: int
    title: str
    subject: str
    status: str
    severity: str
    created_at: float
    updated_at: float
    alerts: int = 0


@dataclass(frozen=True)
class IncidentDetail:
    incident: Incident
    alerts: list[dict]
    notes: list[dict]
    evidence: list[dict]
    audit: list[dict]

    @property
    def accounts(self) -> list[str]:
        return sorted({a for al in self.alerts for a in al["accounts"]})

    @property
    def request_ids(self) -> list[str]:
        return list(dict.fromkeys(r for al in self.alerts for r in al["request_ids"]))


def _evidence_records(conn: Connection, a: Alert) -> list[dict]:
    """The logged records an alert names (no text: evidence outlives the log's content retention)."""
    from flagstone.abuse.requestlog import refusal_of

    ids = list(a.request_ids[-EVIDENCE_RECORDS:])
    if not ids:
        return []
    t = db.requests
    rows = conn.execute(select(t.c.request_id, t.c.ts, t.c.account, t.c.key_id, t.c.input_hash, t.c.input_len,
                               t.c.flags, t.c.scores, t.c.model_version)
                        .where(t.c.ts >= a.ts - EVIDENCE_LOOKBACK, t.c.ts <= a.ts, t.c.request_id.in_(ids))
                        .order_by(t.c.ts, t.c.request_id)).all()
    out = []
    for r in rows:
        status, refusal = refusal_of(r.model_version)
        out.append({"request_id": r.request_id, "ts": r.ts, "account": r.account, "key_id": r.key_id,
                    "input_hash": r.input_hash, "input_len": r.input_len, "flags": list(r.flags),
                    "scores": r.scores, "status": status, "refusal": refusal})
    return out


_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
                          autoescape=jinja2.select_autoescape(["html"], default_for_string=False),
                          keep_trailing_newline=True)


def _fmt_ts(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


class IncidentStore:
    def __init__(self, engine: Engine, keys: KeyStore | None = None, *, group_gap: float = 3600.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.engine, self.group_gap, self.clock = engine, group_gap, clock
        self.keys = keys or KeyStore(engine, clock=clock)

    # -- alerts -> incidents -------------------------------------------------------------------
    def raise_alerts(self, alerts: Iterable[Alert]) -> list[int]:
        """Attach each alert to its incident (opening one when needed); returns the incident ids."""
        ids = []
        with self.engine.begin() as conn:
            for a in alerts:
                ids.append(self._raise(conn, a))
        return ids

    def _raise(self, conn: Connection, a: Alert) -> int:
        t = db.incidents
        row = conn.execute(select(t).where(t.c.subject == a.subject, t.c.status != "closed",
                                           t.c.updated_at >= a.ts - self.group_gap)
                           .order_by(t.c.updated_at.desc()).limit(1)).first()
        if row is None:
            inc_id = conn.execute(insert(t).values(title=f"{a.rule}: {a.subject}", subject=a.subject,
                                                   status="open", severity=a.severity, created_at=a.ts,
                                                   updated_at=a.ts)).inserted_primary_key[0]
        else:
            inc_id = row.id
            sev = max(row.severity, a.severity, key=SEVERITY_ORDER.__getitem__)
            conn.execute(update(t).where(t.c.id == inc_id).values(updated_at=max(row.updated_at, a.ts),
                                                                   severity=sev))
        conn.execute(insert(db.alerts).values(incident_id=inc_id, rule=a.rule, kind=a.kind, ts=a.ts,
                                              subject=a.subject, severity=a.severity, message=a.message,
                                              category=a.category, accounts=list(a.accounts),
                                              request_ids=list(a.request_ids), details=a.details))
        records = _evidence_records(conn, a)
        if records:
            conn.execute(insert(db.evidence).values(incident_id=inc_id, ts=a.ts, kind="records", body={
                "rule": a.rule, "alert_ts": a.ts, "records": records}))
        return int(inc_id)

    # -- reading -------------------------------------------------------------------------------
    def list(self, status: str | None = None) -> list[Incident]:
        if status is not None and status not in STATUSES:
            raise InvalidRequestError(f"unknown status {status!r}; available: {', '.join(STATUSES)}")
        t = db.incidents
        q = select(t).order_by(t.c.updated_at.desc(), t.c.id.desc())
        if status:
            q = q.where(t.c.status == status)
        with self.engine.connect() as conn:
            counts: dict[int, int] = {}
            for (iid,) in conn.execute(select(db.alerts.c.incident_id)):
                counts[iid] = counts.get(iid, 0) + 1
            return [Incident(**r._asdict(), alerts=counts.get(r.id, 0)) for r in conn.execute(q)]

    def get(self, incident_id: int) -> Incident:
        with self.engine.connect() as conn:
            row = conn.execute(select(db.incidents).where(db.incidents.c.id == incident_id)).first()
        if row is None:
            raise NotFoundError(f"no incident #{incident_id}")
        return Incident(**row._asdict())

    def show(self, incident_id: int) -> IncidentDetail:
        inc = self.get(incident_id)

        def rows(table: Any, order: Any) -> list[dict]:
            with self.engine.connect() as conn:
                return [r._asdict() for r in conn.execute(select(table).where(table.c.incident_id == incident_id)
                                                          .order_by(order, table.c.id))]

        alerts = rows(db.alerts, db.alerts.c.ts)
        return IncidentDetail(inc, alerts, rows(db.notes, db.notes.c.ts), rows(db.evidence, db.evidence.c.ts),
                              rows(db.audit, db.audit.c.ts))

    # -- triage --------------------------------------------------------------------------------
    def _audit(self, conn: Connection, actor: str, action: str, target: str, incident_id: int,
               details: dict) -> None:
        now = self.clock()
        conn.execute(insert(db.audit).values(ts=now, actor=actor, action=action, target=target,
                                             incident_id=incident_id, details=details))
        conn.execute(update(db.incidents).where(db.incidents.c.id == incident_id).values(updated_at=now))

    def set_status(self, incident_id: int, status: str, *, actor: str) -> Incident:
        if status not in STATUSES:
            raise InvalidRequestError(f"unknown status {status!r}; available: {', '.join(STATUSES)}")
        inc = self.get(incident_id)
        if status not in TRANSITIONS[inc.status]:
            raise ConflictError(f"incident #{incident_id} is {inc.status}; it can move to "
                                f"{', '.join(sorted(TRANSITIONS[inc.status]))}, not {status}")
        with self.engine.begin() as conn:
            conn.execute(update(db.incidents).where(db.incidents.c.id == incident_id).values(status=status))
            self._audit(conn, actor, "set_status", f"incident:{incident_id}", incident_id,
                        {"from": inc.status, "to": status})
        return self.get(incident_id)

    def add_note(self, incident_id: int, text: str, *, author: str) -> None:
        if not text.strip():
            raise InvalidRequestError("a note needs some text")
        self.get(incident_id)
        with self.engine.begin() as conn:
            conn.execute(insert(db.notes).values(incident_id=incident_id, ts=self.clock(), author=author,
                                                 text=text))
            self._audit(conn, author, "add_note", f"incident:{incident_id}", incident_id, {})

    def attach_evidence(self, incident_id: int, kind: str, body: dict, *, actor: str = "system") -> None:
        self.get(incident_id)
        with self.engine.begin() as conn:
            conn.execute(insert(db.evidence).values(incident_id=incident_id, ts=self.clock(), kind=kind, body=body))
            self._audit(conn, actor, "attach_evidence", f"incident:{incident_id}", incident_id, {"kind": kind})

    def act(self, incident_id: int, action: str, target: str, *, actor: str, params: dict | None = None) -> dict:
        """Run a registered action (recorded in the audit log against the incident)."""
        self.get(incident_id)
        result = ACTIONS.get(action)(self.keys, target, params or {}, actor, incident_id)
        with self.engine.begin() as conn:
            conn.execute(update(db.incidents).where(db.incidents.c.id == incident_id)
                         .values(updated_at=self.clock()))
        return result

    # -- export --------------------------------------------------------------------------------
    def export(self, incident_id: int, fmt: str = "markdown") -> str:
        names = {"markdown": "incident.md.html", "md": "incident.md.html", "html": "incident.html"}
        if fmt not in names:
            raise InvalidRequestError(f"unknown export format {fmt!r}; available: markdown, html")
        d = self.show(incident_id)
        # Both templates end in .html, so both are autoescaped: request text and notes cannot inject
        # markup into a report, and Markdown renderers show the escaped entities as the original text.
        template = _ENV.get_template(names[fmt])
        return template.render(inc=asdict(d.incident), alerts=d.alerts, notes=d.notes, evidence=d.evidence,
                               audit=d.audit, accounts=d.accounts, request_ids=d.request_ids, ts=_fmt_ts)
