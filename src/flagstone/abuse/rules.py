"""Detection rules as data: a YAML file validated by pydantic, evaluated on the stream or over the log.

A rule file::

    version: 1
    rules:
      - name: minors-any          # unique
        kind: flag_count           # one of the registered kinds (see ``available_kinds()``)
        category: sexual/minors
        group_by: account          # account | key
        window: 600                # seconds
        threshold: 1
        severity: critical

Each kind is a class registered once with :func:`register_rule_kind`; it declares its own pydantic
config and turns records into alerts with ``observe``. :class:`RuleEngine` feeds records in time
order to every rule; :func:`evaluate_log` replays a stored log through a fresh engine, so batch
evaluation gives exactly the alerts the stream gave for the same records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, ClassVar, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from flagstone.abuse.base import Alert, RequestRecord
from flagstone.errors import ConfigError
from flagstone.policy.taxonomy import CATEGORIES


class RuleConfig(BaseModel):
    """Fields every rule has; kinds subclass it with their own."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1, max_length=100)
    kind: str
    description: str = ""
    window: float = Field(default=300.0, gt=0)
    severity: Literal["low", "medium", "high", "critical"] = "medium"
    # After an alert, the same rule stays quiet for the same subject this long (default: the window).
    cooldown: float | None = Field(default=None, ge=0)
    enabled: bool = True

    @property
    def quiet_for(self) -> float:
        return self.window if self.cooldown is None else self.cooldown


class GroupedConfig(RuleConfig):
    group_by: Literal["account", "key"] = "account"


def check_category(v: str | None) -> str | None:
    if v is not None and v not in CATEGORIES and v != "any":
        raise ValueError(f"unknown category {v!r}; available: any, {', '.join(CATEGORIES)}")
    return v


class Rule:
    """Base of rule kinds: holds the config and the per-subject cooldown."""

    kind: ClassVar[str]
    Config: ClassVar[type[RuleConfig]]

    def __init__(self, config: RuleConfig) -> None:
        self.config = config
        self._last_alert: dict[str, float] = {}

    def observe(self, rec: RequestRecord) -> list[Alert]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _quiet(self, subject: str, ts: float) -> bool:
        """True while ``subject`` alerted less than ``quiet_for`` ago (check it before gathering evidence)."""
        last = self._last_alert.get(subject)
        return last is not None and ts - last < self.config.quiet_for

    def _fire(self, subject: str, ts: float, message: str, **kw: Any) -> list[Alert]:
        if self._quiet(subject, ts):
            return []
        self._last_alert[subject] = ts
        return [Alert(rule=self.config.name, kind=self.kind, ts=ts, subject=subject,
                      severity=self.config.severity, message=message, **kw)]


_KINDS: dict[str, type[Rule]] = {}


def register_rule_kind(cls: type[Rule]) -> type[Rule]:
    if cls.kind in _KINDS and _KINDS[cls.kind] is not cls:
        raise ValueError(f"rule kind {cls.kind!r} registered twice")
    _KINDS[cls.kind] = cls
    return cls


def available_kinds() -> list[str]:
    _import_builtin_kinds()
    return sorted(_KINDS)


def _import_builtin_kinds() -> None:
    from flagstone.abuse import anomaly, rule_kinds  # noqa: F401  (registering the built-in kinds)


class RuleFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: Literal[1] = 1
    rules: list[dict[str, Any]] = Field(min_length=1)

    @field_validator("rules")
    @classmethod
    def _unique(cls, v: list[dict[str, Any]]) -> list[dict[str, Any]]:
        names = [r.get("name") for r in v if isinstance(r, dict)]
        dupes = sorted({n for n in names if names.count(n) > 1 and n is not None})
        if dupes:
            raise ValueError(f"duplicate rule names {dupes}")
        return v


def parse_rules(data: Any, *, source: str = "<rules>") -> list[Rule]:
    """Validate a parsed rule document and build one fresh :class:`Rule` per enabled rule."""
    _import_builtin_kinds()
    try:
        doc = RuleFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{source}: invalid rule file: {_short(exc)}") from exc
    rules: list[Rule] = []
    for i, raw in enumerate(doc.rules):
        kind = raw.get("kind") if isinstance(raw, dict) else None
        if kind not in _KINDS:
            raise ConfigError(f"{source}: rule #{i + 1} ({raw.get('name', '?')}): unknown kind {kind!r}; "
                              f"available: {', '.join(sorted(_KINDS))}")
        cls = _KINDS[kind]
        try:
            cfg = cls.Config.model_validate(raw)
        except ValidationError as exc:
            raise ConfigError(f"{source}: rule #{i + 1} ({raw.get('name', '?')}): {_short(exc)}") from exc
        if cfg.enabled:
            rules.append(cls(cfg))
    return rules


def _short(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'file'}: {e['msg']}" for e in exc.errors())


def load_rules(path: str | Path) -> list[Rule]:
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"rule file not found: {p}")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{p}: invalid YAML: {exc}") from exc
    return parse_rules(data, source=str(p))


class RuleEngine:
    """Feeds records, in time order, to every rule; returns the alerts they raise."""

    def __init__(self, rules: list[Rule] | Callable[[], list[Rule]]) -> None:
        self.rules = rules() if callable(rules) else rules

    def observe(self, rec: RequestRecord) -> list[Alert]:
        out: list[Alert] = []
        for rule in self.rules:
            out.extend(rule.observe(rec))
        return out

    def observe_many(self, recs: Iterable[RequestRecord]) -> list[Alert]:
        out: list[Alert] = []
        for rec in recs:
            out.extend(self.observe(rec))
        return out


def evaluate_log(rules: list[Rule], records: Iterable[RequestRecord]) -> list[Alert]:
    """Batch evaluation: replay ``records`` sorted by time through the rules (use fresh rules)."""
    ordered = sorted(records, key=lambda r: (r.ts, r.request_id))
    return RuleEngine(rules).observe_many(ordered)
