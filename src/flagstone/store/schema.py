"""Every table the migrations make, gathered for Alembic and the schema tests.

Capabilities define their tables in their own modules (each with its own migration). This list names
those modules once, like the CLI's command modules, and they are imported only when the whole schema
is needed, so the store never imports a capability at module level (no arrow back up).
"""

from __future__ import annotations

import importlib

from sqlalchemy import MetaData

# Module -> the migration that creates its tables. Each module has a ``metadata`` attribute.
SCHEMA_MODULES: dict[str, str] = {
    "flagstone.store.tables": "0001_initial",
    "flagstone.labeling.tables": "0002_labeling",
    "flagstone.registry.tables": "0003_registry",
    "flagstone.abuse.db": "0004_abuse",
    "flagstone.store.sessions": "0005_web_sessions",
}


def all_metadata() -> list[MetaData]:
    """The distinct ``MetaData`` objects holding every table (labeling and registry share the store's)."""
    out: list[MetaData] = []
    for name in SCHEMA_MODULES:
        md = importlib.import_module(name).metadata
        if not any(md is m for m in out):
            out.append(md)
    return out
