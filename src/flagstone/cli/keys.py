"""``flagstone keys create | list | revoke``: API keys for the moderation endpoint.

A new key is printed once; only its hash is stored, so it cannot be shown again. The database
flag and actor helpers here are shared with ``flagstone incidents`` and ``flagstone rules``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import sys


def add_db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--database-url", help="database holding keys, the request log and incidents "
                                          "(default: settings.database_url, SQLite under data_dir)")


def open_db(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from flagstone.abuse.db import open_engine

    settings = args.settings.with_overrides(database_url=getattr(args, "database_url", None))
    return open_engine(settings.resolved_database_url)


def actor(args: argparse.Namespace) -> str:
    given = getattr(args, "actor", None)
    if given:
        return given
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER", "cli")


def _when(ts: float | None) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d %H:%M") if ts else "-"


def _create(args: argparse.Namespace) -> int:
    from flagstone.abuse.keys import KeyStore

    plain, info = KeyStore(open_db(args)).create(args.account, scopes=tuple(args.scope or ["moderate"]),
                                                 name=args.name, actor=actor(args))
    print(plain)
    print(f"key {info.id} for account {info.account} (scopes: {', '.join(info.scopes)}). "
          "Store it now: it is shown only once.", file=sys.stderr)
    return 0


def _list(args: argparse.Namespace) -> int:
    from flagstone.abuse.keys import KeyStore

    keys = KeyStore(open_db(args)).list(args.account, include_revoked=not args.active)
    print(f"{'ID':<14}{'ACCOUNT':<20}{'NAME':<16}{'SCOPES':<18}{'CREATED':<18}REVOKED")
    for k in keys:
        print(f"{k.id:<14}{k.account[:19]:<20}{k.name[:15]:<16}{','.join(k.scopes):<18}"
              f"{_when(k.created_at):<18}{_when(k.revoked_at)}")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    from flagstone.abuse.keys import KeyStore

    info = KeyStore(open_db(args)).revoke(args.key_id, actor=actor(args))
    print(f"revoked key {info.id} of account {info.account}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    from flagstone.abuse.keys import SCOPES

    p = subparsers.add_parser("keys", help="create, list and revoke API keys")
    sub = p.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    c = sub.add_parser("create", help="create a key (printed once)")
    c.add_argument("account")
    c.add_argument("--scope", action="append", choices=SCOPES, help="repeatable (default: moderate)")
    c.add_argument("--name", default="", help="a label for the key")
    c.add_argument("--actor", help="who is doing this (default: the OS user)")
    c.set_defaults(func=_create)
    ls = sub.add_parser("list", help="list keys")
    ls.add_argument("--account")
    ls.add_argument("--active", action="store_true", help="hide revoked keys")
    ls.set_defaults(func=_list)
    r = sub.add_parser("revoke", help="revoke a key by id")
    r.add_argument("key_id")
    r.add_argument("--actor", help="who is doing this (default: the OS user)")
    r.set_defaults(func=_revoke)
    for q in (c, ls, r):
        add_db_arg(q)
