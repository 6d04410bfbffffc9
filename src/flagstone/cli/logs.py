"""``flagstone logs purge``: apply the request log's retention now (the server also does it on a schedule).

Rows older than the retention are deleted; stored content (text or keyed hash) older than the content
retention is cleared. Defaults come from settings (``request_log_retention_days``,
``request_log_content_retention_days``); the purge is recorded in the audit log with the actor.
"""

from __future__ import annotations

import argparse

from flagstone.cli.keys import actor, add_db_arg, open_db


def _purge(args: argparse.Namespace) -> int:
    from sqlalchemy import func, select

    from flagstone.abuse import db
    from flagstone.abuse.requestlog import purge

    settings = args.settings
    days = args.retention_days if args.retention_days is not None else settings.request_log_retention_days
    content_days = (args.content_retention_days if args.content_retention_days is not None
                    else settings.request_log_content_retention_days)
    engine = open_db(args)
    with engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(db.requests)).scalar_one()
    cleared, deleted = purge(engine, row_retention=days * 86_400,
                             content_retention=content_days * 86_400 if content_days else None,
                             actor=actor(args))
    print(f"deleted {deleted} of {before} request-log rows older than {days:g} days"
          + (f"; cleared stored content of {cleared} rows older than {content_days:g} days" if content_days else ""))
    return 0


def _positive(value: str) -> float:
    v = float(value)
    if v <= 0:
        raise argparse.ArgumentTypeError("must be > 0")
    return v


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("logs", help="the request log: retention")
    sub = p.add_subparsers(dest="logs_command", metavar="ACTION", required=True)
    pg = sub.add_parser("purge", help="delete request-log rows past the retention now")
    pg.add_argument("--retention-days", type=_positive, help="default: settings.request_log_retention_days")
    pg.add_argument("--content-retention-days", type=_positive,
                    help="clear stored content older than this (default: settings.request_log_content_retention_days)")
    pg.add_argument("--actor", help="who is doing this (default: the OS user)")
    add_db_arg(pg)
    pg.set_defaults(func=_purge)
