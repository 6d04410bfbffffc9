"""A cache of LLM labels keyed by policy hash, model, prompt version and text hash (SQLite, stdlib).

Only successful labels are cached: a failure is retried on the next run. Changing the policy, the
model or the prompt wording changes the key, so a stale label is never served.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from pathlib import Path

from flagstone.errors import ConfigError
from flagstone.labeling.base import Decision


def cache_key(policy_hash: str, model: str, prompt_version: str, text_key: str) -> str:
    blob = "\x1f".join((policy_hash, model, prompt_version, text_key))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class LabelCache:
    """Thread-safe; ``path=None`` keeps it in memory."""

    def __init__(self, path: str | Path | None = None) -> None:
        target = ":memory:"
        if path is not None:
            p = Path(path)
            try:
                p.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(f"cannot create cache folder {p.parent}: {exc}") from exc
            target = str(p)
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(target, check_same_thread=False)
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS llm_label_cache (key TEXT PRIMARY KEY, decisions TEXT NOT NULL,"
                " prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL)"
            )
            self._db.commit()
        except sqlite3.DatabaseError as exc:
            raise ConfigError(f"cannot open label cache {target}: {exc}") from exc

    def get(self, key: str) -> tuple[dict[str, Decision], int, int] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT decisions, prompt_tokens, completion_tokens FROM llm_label_cache WHERE key = ?", (key,)
            ).fetchone()
        if row is None:
            return None
        decisions = {c: Decision(bool(v), r) for c, (v, r) in json.loads(row[0]).items()}
        return decisions, int(row[1]), int(row[2])

    def put(self, key: str, decisions: dict[str, Decision], prompt_tokens: int, completion_tokens: int) -> None:
        blob = json.dumps({c: [d.value, d.rationale] for c, d in decisions.items()}, ensure_ascii=False)
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO llm_label_cache VALUES (?, ?, ?, ?)",
                (key, blob, prompt_tokens, completion_tokens),
            )
            self._db.commit()

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM llm_label_cache").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
