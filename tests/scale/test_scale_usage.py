"""Usage analytics on the local engine: rates per account/day/category, top accounts, batch abuse rules."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flagstone.abuse.rules import evaluate_log, load_rules
from flagstone.errors import ConfigError, DataError
from flagstone.scale.base import UsageJob, get_engine
from flagstone.scale.logfile import batch_to_records, records_to_table
from flagstone.scale.rules import alerts_to_rows, sort_rows

from .conftest import log_records, settings


def _usage(log, **kw):
    return get_engine("local", settings()).usage(UsageJob(log=log, **kw))


def _rate(report, account, day, category):
    rows = [r for r in report.rates.to_pylist()
            if (r["account_id"], r["day"], r["category"]) == (account, day, category)]
    assert len(rows) == 1
    return rows[0]["requests"], rows[0]["flagged"], rows[0]["rate"]


def test_round_trip_of_the_exported_log():
    recs = log_records()
    back = batch_to_records(records_to_table(recs))
    assert [(r.ts, r.account, r.flags, r.signature, r.request_id) for r in back] == \
        [(r.ts, r.account, r.flags, r.signature, r.request_id) for r in recs]


def test_rates_per_account_day_and_category(request_log):
    report = _usage(request_log)
    d1, d2 = dt.date(2026, 3, 1), dt.date(2026, 3, 2)
    assert _rate(report, "alice", d1, "violence") == (10, 4, 0.4)
    assert _rate(report, "alice", d1, "any") == (10, 4, 0.4)
    assert _rate(report, "alice", d2, "hate") == (5, 1, 0.2)
    assert _rate(report, "alice", d2, "violence") == (5, 0, 0.0)
    assert _rate(report, "bob", d1, "any") == (6, 0, 0.0)
    assert report.totals == {"requests": 24, "flagged": 8, "accounts": 5, "days": 2}
    assert report.rates.num_rows == 6 * 14  # 6 (account, day) groups x (13 categories + any)


def test_top_accounts_by_flagged(request_log):
    top = _usage(request_log, top=2).top_accounts
    assert [(r["account_id"], r["requests"], r["flagged"]) for r in top] == [("alice", 15, 5), ("carol", 1, 1)]
    assert top[0]["rate"] == pytest.approx(5 / 15)


def test_rules_in_batch_give_the_alerts_of_the_streaming_engine(request_log, rules_file):
    report = _usage(request_log, rules=rules_file)
    expected = sort_rows(alerts_to_rows(evaluate_log(load_rules(rules_file), log_records())))
    assert report.rule_alerts == expected
    assert [(a["rule"], a["accounts"]) for a in report.rule_alerts] == [
        ("violence-repeat", ["alice"]), ("campaign", ["carol", "dave", "erin"])]


def test_log_folder_is_read_whole(tmp_path):
    table = records_to_table(log_records())
    (tmp_path / "log").mkdir()
    pq.write_table(table.slice(0, 10), tmp_path / "log" / "part-0.parquet")
    pq.write_table(table.slice(10), tmp_path / "log" / "part-1.parquet")
    assert _usage(tmp_path / "log").totals["requests"] == 24


def test_null_account_names_file_and_row(tmp_path):
    table = records_to_table(log_records())
    accounts = table.column("account_id").to_pylist()
    accounts[7] = None
    path = tmp_path / "broken.parquet"
    pq.write_table(table.set_column(0, "account_id", pa.array(accounts, pa.string())), path)
    with pytest.raises(DataError) as err:
        _usage(path)
    assert (err.value.file, err.value.row) == (str(path), 8)
    assert "account_id is null" in err.value.message


def test_score_out_of_range_is_a_bad_row(tmp_path):
    table = records_to_table(log_records())
    scores = table.column("score_hate").to_pylist()
    scores[3] = 1.5
    path = tmp_path / "broken.parquet"
    pq.write_table(table.set_column(table.schema.get_field_index("score_hate"), "score_hate",
                                    pa.array(scores, pa.float32())), path)
    with pytest.raises(DataError, match=r"broken.parquet, row 4: a score is null or outside \[0, 1\]"):
        _usage(path)


def test_missing_column_wrong_type_missing_file_and_bad_rules(tmp_path, request_log):
    path = tmp_path / "no_flags.parquet"
    pq.write_table(records_to_table(log_records()).drop_columns(["flags"]), path)
    with pytest.raises(DataError, match=r"missing column\(s\) \['flags'\]"):
        _usage(path)
    with pytest.raises(DataError, match="request log not found"):
        _usage(tmp_path / "absent.parquet")
    with pytest.raises(ConfigError, match="rule file not found"):
        _usage(request_log, rules=tmp_path / "absent.yaml")
