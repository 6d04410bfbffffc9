"""Incidents: grouping alerts, the status flow, notes, evidence, actions, audit log and export."""

from __future__ import annotations

import pytest

from flagstone.abuse.base import Alert
from flagstone.abuse.incidents import IncidentStore
from flagstone.abuse.keys import KeyStore
from flagstone.errors import AuthenticationError, ConflictError, InvalidRequestError, NotFoundError


def alert(ts: float, subject: str = "account:acme", rule: str = "minors", severity: str = "high",
          message: str = "1 flag") -> Alert:
    return Alert(rule=rule, kind="flag_count", ts=ts, subject=subject, severity=severity, message=message,
                 accounts=(subject.split(":")[1],), request_ids=(f"r{ts:g}",), category="sexual/minors")


class Clock:
    t = 1_700_000_000.0

    def __call__(self) -> float:
        return self.t


def test_alerts_group_by_subject_and_gap(engine):
    store = IncidentStore(engine, group_gap=600)
    ids = store.raise_alerts([alert(0), alert(100, severity="critical"), alert(100, "account:other"),
                              alert(5000)])
    assert ids[0] == ids[1] != ids[2] and ids[3] not in ids[:3]
    first = store.get(ids[0])
    assert first.severity == "critical" and first.status == "open" and first.updated_at == 100
    assert {i.id: i.alerts for i in store.list()}[ids[0]] == 2


def test_status_flow_and_illegal_moves(engine):
    store = IncidentStore(engine)
    (iid,) = store.raise_alerts([alert(0)])
    for status in ("investigating", "mitigated", "closed"):
        assert store.set_status(iid, status, actor="alice").status == status
    with pytest.raises(ConflictError, match="can move to open"):
        store.set_status(iid, "mitigated", actor="alice")
    with pytest.raises(InvalidRequestError, match="available"):
        store.set_status(iid, "archived", actor="alice")
    with pytest.raises(NotFoundError):
        store.set_status(999, "closed", actor="alice")
    assert [i.id for i in store.list("closed")] == [iid] and store.list("open") == []
    # A closed incident takes no new alerts: the next alert opens a fresh one.
    (new,) = store.raise_alerts([alert(10)])
    assert new != iid


def test_actions_take_effect_and_are_audited_against_the_incident(engine):
    clock = Clock()
    keys = KeyStore(engine, clock=clock)
    plain, info = keys.create("acme")
    store = IncidentStore(engine, keys, clock=clock)
    (iid,) = store.raise_alerts([alert(0)])
    store.add_note(iid, "Looks like a real abuser.", author="alice")
    store.attach_evidence(iid, "cluster", {"id": "c1", "size": 12, "examples": ["<b>bad</b>"]})
    store.act(iid, "revoke_key", info.id, actor="alice")
    store.act(iid, "tighten_thresholds", "acme", actor="bob", params={"thresholds": {"sexual": 0.2}})
    store.act(iid, "block_account", "acme", actor="bob")
    with pytest.raises(AuthenticationError):
        keys.verify(plain)
    assert keys.is_blocked("acme") and keys.account_thresholds("acme") == {"sexual": 0.2}
    with pytest.raises(InvalidRequestError, match="available: block_account, reinstate_key, reset_thresholds"):
        store.act(iid, "delete_everything", "acme", actor="mallory")
    with pytest.raises(InvalidRequestError, match="thresholds"):
        store.act(iid, "tighten_thresholds", "acme", actor="bob", params={})
    with pytest.raises(InvalidRequestError):
        store.add_note(iid, "   ", author="alice")
    d = store.show(iid)
    assert [(a["actor"], a["action"]) for a in d.audit] == [
        ("alice", "add_note"), ("system", "attach_evidence"), ("alice", "revoke_key"),
        ("bob", "tighten_thresholds"), ("bob", "block_account")]
    assert d.accounts == ["acme"] and d.request_ids == ["r0"] and len(d.notes) == 1


def test_export_markdown_and_html_escape_content(engine):
    store = IncidentStore(engine)
    (iid,) = store.raise_alerts([alert(0, message="rate <script>alert(1)</script>")])
    store.add_note(iid, "check the <b>cluster</b>", author="alice")
    md = store.export(iid, "markdown")
    assert md.startswith(f"# Incident #{iid}: minors: account:acme") and "| minors | flag_count |" in md
    assert "alice" in md and "<script>" not in md
    html = store.export(iid, "html")
    assert html.startswith("<!doctype html>") and "&lt;script&gt;" in html and "<script>" not in html
    with pytest.raises(InvalidRequestError, match="markdown, html"):
        store.export(iid, "pdf")
    with pytest.raises(NotFoundError):
        store.export(12345)
