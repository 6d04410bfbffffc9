"""The keys, incidents and rules commands, end to end through ``flagstone.cli.main``."""

from __future__ import annotations

import pytest

from flagstone.abuse.base import Alert
from flagstone.abuse.db import open_engine
from flagstone.abuse.incidents import IncidentStore
from flagstone.abuse.keys import KeyStore
from flagstone.abuse.requestlog import RequestLogWriter
from flagstone.cli.main import main

from .conftest import make_record


@pytest.fixture
def db(tmp_path):
    return f"sqlite:///{tmp_path / 'cli.db'}"


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_keys_create_list_revoke(capsys, db):
    code, out, err = run(capsys, "keys", "create", "acme", "--name", "prod", "--database-url", db)
    key = out.strip()
    assert code == 0 and key.startswith("fsk_") and "shown only once" in err
    assert KeyStore(open_engine(db)).verify(key).account == "acme"
    key_id = key.split("_")[1]
    code, out, _ = run(capsys, "keys", "list", "--database-url", db)
    assert code == 0 and key_id in out and "prod" in out and key not in out
    assert run(capsys, "keys", "revoke", key_id, "--actor", "alice", "--database-url", db)[0] == 0
    _, out, _ = run(capsys, "keys", "list", "--active", "--database-url", db)
    assert key_id not in out
    code, _, err = run(capsys, "keys", "revoke", "nope", "--database-url", db)
    assert code == 2 and "no API key with id 'nope'" in err


def test_incident_flow(capsys, db, tmp_path):
    engine = open_engine(db)
    _, info = KeyStore(engine).create("acme")
    (iid,) = IncidentStore(engine).raise_alerts([Alert("minors", "flag_count", 1.7e9, "account:acme",
                                                       "critical", "1 sexual/minors flag", ("acme",))])
    code, out, _ = run(capsys, "incidents", "list", "--status", "open", "--database-url", db)
    assert code == 0 and "minors: account:acme" in out and "critical" in out
    assert run(capsys, "incidents", "status", str(iid), "investigating", "--actor", "alice",
               "--database-url", db)[0] == 0
    assert run(capsys, "incidents", "note", str(iid), "confirmed", "--actor", "alice", "--database-url", db)[0] == 0
    assert run(capsys, "incidents", "act", str(iid), "revoke_key", info.id, "--actor", "bob",
               "--database-url", db)[0] == 0
    assert run(capsys, "incidents", "act", str(iid), "tighten_thresholds", "acme", "--threshold",
               "sexual=0.2", "--database-url", db)[0] == 0
    code, _, err = run(capsys, "incidents", "act", str(iid), "tighten_thresholds", "acme", "--threshold",
                       "sexual", "--database-url", db)
    assert code == 2 and "CATEGORY=VALUE" in err
    code, out, _ = run(capsys, "incidents", "show", str(iid), "--database-url", db)
    assert "investigating" in out and "confirmed" in out and "**bob** revoke_key" in out
    report = tmp_path / "r.html"
    assert run(capsys, "incidents", "export", str(iid), "--format", "html", "-o", str(report),
               "--database-url", db)[0] == 0
    assert "<h1>Incident #1" in report.read_text()
    assert run(capsys, "incidents", "status", str(iid), "closed", "--database-url", db)[0] == 0
    code, _, err = run(capsys, "incidents", "status", str(iid), "mitigated", "--database-url", db)
    assert code == 2 and "is closed" in err
    code, _, err = run(capsys, "incidents", "show", "99", "--database-url", db)
    assert code == 2 and "no incident #99" in err


def test_rules_check_validates_and_dry_runs(capsys, db, tmp_path):
    engine = open_engine(db)
    w = RequestLogWriter(engine, flush_interval=0.02)
    for i in range(3):
        w.submit(make_record(1.7e9 + i, "kid", text=f"bad {i}", flags=("sexual/minors",)))
    w.close()
    rules = tmp_path / "r.yaml"
    rules.write_text("rules:\n  - {name: minors, kind: flag_count, category: sexual/minors}\n")
    code, out, _ = run(capsys, "rules", "check", str(rules), "--log", "--database-url", db)
    assert code == 0 and "1 enabled rule(s)" in out and "over 3 logged request(s): 1 alert(s)" in out
    rules.write_text("rules:\n  - {name: minors, kind: flag_cnt}\n")
    code, _, err = run(capsys, "rules", "check", str(rules))
    assert code == 2 and "unknown rule kind 'flag_cnt'" in err


def test_rules_check_without_a_file_checks_the_rules_shipped_in_the_package(capsys):
    code, out, _ = run(capsys, "rules", "check")
    assert code == 0 and "default_rules.yaml: OK" in out and "flag_count x" in out


def test_incidents_clusters_lists_new_clusters_from_stored_text(capsys, db):
    engine = open_engine(db)
    w = RequestLogWriter(engine, storage="full", flush_interval=0.02)
    for i in range(6):
        w.submit(make_record(1000.0 + i, f"s{i}", text=f"send bitcoin to this wallet to unlock your account {i}",
                             flags=("illicit",)))
    w.close()
    code, out, err = run(capsys, "incidents", "clusters", "--until", "1100", "--window", "200", "--database-url", db)
    assert code == 0 and out.startswith("NEW cluster") and "6 texts from 6 account(s)" in out and "illicit 100%" in out
    assert "bitcoin" in out and err == ""


def test_logs_purge_deletes_rows_past_retention_on_demand(capsys, db):
    import time

    from flagstone.abuse.requestlog import read_log

    engine = open_engine(db)
    w = RequestLogWriter(engine, storage="full")
    now = time.time()
    for days in (40, 10, 0):
        w.submit(make_record(now - days * 86_400, text=f"{days} days old"))
    w.close()
    code, out, _ = run(capsys, "logs", "purge", "--database-url", db, "--actor", "ops")
    assert code == 0 and "deleted 1 of 3 request-log rows older than 30 days" in out
    code, out, _ = run(capsys, "logs", "purge", "--retention-days", "20", "--content-retention-days", "5",
                       "--database-url", db)
    assert code == 0 and "deleted 0 of 2" in out and "cleared stored content of 1 rows" in out
    assert [r.text for r in read_log(engine)] == [None, "0 days old"]
    with pytest.raises(SystemExit) as exc:
        main(["logs", "purge", "--retention-days", "0", "--database-url", db])
    assert exc.value.code == 2 and "must be > 0" in capsys.readouterr().err
