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

Each kind is a class registered once with :func:`register_rule_kind` (in ``RULE_KINDS``, a
:class:`flagstone.plugins.Registry`); it declares its own pydantic
config and turns records into alerts with ``observe``. :class:`RuleEngine` feeds records in time
order to every rule; :func:`evaluate_log` replays a stored log through a fresh engine, so batch
evaluation gives exactly the alerts the stream gave for the same records.

Rules keep state in memory for as long as the server runs, so every piece of it is bounded twice:
per-subject state lives in a :class:`SubjectTable` (at most ``max_subjects`` subjects, the least
recently seen dropped first, and none kept longer than the kind's ``state_ttl`` after it was last
seen), and windows of records hold at most ``max_window_items`` entries besides their time limit.
A flood of unique texts or accounts therefore costs a fixed amount of memory, not a growing one.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from flagstone.abuse.base import Alert, RequestRecord
from flagstone.abuse.similarity import WindowIndex
from flagstone.errors import ConfigError
from flagstone.plugins import Registry
from flagstone.policy.taxonomy import CATEGORIES
from flagstone.yamlfile import YamlDoc, read_yaml

# Package data (pyproject's package-data), so a regular ``pip install`` serves with these rules on.
DEFAULT_RULES = files("flagstone.abuse") / "data" / "default_rules.yaml"


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
    # Memory bounds (see the module docstring): subjects with state, and records held per window.
    max_subjects: int = Field(default=50_000, ge=1)
    max_window_items: int = Field(default=20_000, ge=1)

    @property
    def quiet_for(self) -> float:
        return self.window if self.cooldown is None else self.cooldown


V = TypeVar("V")


class SubjectTable(Generic[V]):
    """Per-subject state bounded by size and age (in record time).

    ``touch(subject, ts)`` returns the subject's state (made by ``factory`` when absent) and marks it
    seen at ``ts``; entries unseen for ``ttl`` seconds are dropped, and past ``max_size`` entries the
    least recently seen go first. The dict is kept in last-seen order, so both checks only look at
    its front: O(1) per call amortised.
    """

    def __init__(self, factory: Callable[[], V], *, ttl: float, max_size: int) -> None:
        self.factory, self.ttl, self.max_size = factory, ttl, max_size
        self._d: OrderedDict[str, tuple[float, V]] = OrderedDict()

    def touch(self, subject: str, ts: float) -> V:
        hit = self._d.pop(subject, None)
        value = self.factory() if hit is None else hit[1]
        self._d[subject] = (max(ts, hit[0]) if hit else ts, value)
        self.expire(ts)
        return value

    def get(self, subject: str) -> V | None:
        hit = self._d.get(subject)
        return None if hit is None else hit[1]

    def expire(self, now: float) -> None:
        d = self._d
        while d and (len(d) > self.max_size or next(iter(d.values()))[0] < now - self.ttl):
            d.popitem(last=False)

    def __len__(self) -> int:
        return len(self._d)

    def __iter__(self) -> Iterator[str]:
        return iter(self._d)


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
        self._last_alert: SubjectTable[list[float]] = self.table(lambda: [0.0], ttl=config.quiet_for)

    def table(self, factory: Callable[[], V], *, ttl: float) -> SubjectTable[V]:
        """Per-subject state for this rule, bounded by ``max_subjects`` and ``ttl`` seconds idle."""
        return SubjectTable(factory, ttl=ttl, max_size=self.config.max_subjects)

    def expire(self, now: float) -> None:
        """Drop state past its age limit, including that of subjects no record has touched since."""
        for v in vars(self).values():
            if isinstance(v, SubjectTable | WindowIndex):
                v.expire(now)

    def state_sizes(self) -> dict[str, int]:
        """Entries held per piece of in-memory state (for tests, and to watch memory)."""
        return {name: len(v) for name, v in vars(self).items() if hasattr(v, "__len__") and name.startswith("_")}

    def observe(self, rec: RequestRecord) -> list[Alert]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _quiet(self, subject: str, ts: float) -> bool:
        """True while ``subject`` alerted less than ``quiet_for`` ago (check it before gathering evidence)."""
        last = self._last_alert.get(subject)
        return last is not None and ts - last[0] < self.config.quiet_for

    def _fire(self, subject: str, ts: float, message: str, **kw: Any) -> list[Alert]:
        if self._quiet(subject, ts):
            return []
        self._last_alert.touch(subject, ts)[0] = ts
        return [Alert(rule=self.config.name, kind=self.kind, ts=ts, subject=subject,
                      severity=self.config.severity, message=message, **kw)]


def _import_builtin_kinds() -> None:
    from flagstone.abuse import anomaly, rule_kinds  # noqa: F401  (registering the built-in kinds)


def _check_kind(name: str, cls: type[Rule]) -> None:
    config = getattr(cls, "Config", None)
    if not (isinstance(cls, type) and issubclass(cls, Rule) and isinstance(config, type)
            and issubclass(config, RuleConfig)):
        raise TypeError(f"rule kind {name!r} must be a Rule subclass with a RuleConfig subclass as Config")


RULE_KINDS: Registry[type[Rule]] = Registry("rule kind", load=_import_builtin_kinds, check=_check_kind)


def register_rule_kind(cls: type[Rule]) -> type[Rule]:
    """Class decorator: register a :class:`Rule` subclass under its ``kind``."""
    return RULE_KINDS.register(cls.kind)(cls)


def available_kinds() -> list[str]:
    return RULE_KINDS.names()


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


_EXPECTED = "a rule file (a mapping with version and rules)"


def parse_rules(data: Any, *, source: str = "<rules>") -> list[Rule]:
    """Validate a parsed rule document and build one fresh :class:`Rule` per enabled rule."""
    if not isinstance(data, dict):
        raise ConfigError(f"invalid rule file: expected {_EXPECTED}, got {type(data).__name__}", file=source)
    return _build(YamlDoc(data, None, source))


def read_rule_file(path: str | Path) -> YamlDoc:
    """Read and validate a rule file (through :mod:`flagstone.yamlfile`: errors read ``file:line: reason``);
    returns the document, whose ``data`` other processes (Spark tasks) turn into rules with :func:`parse_rules`."""
    doc = read_yaml(path, what="rule file", expected=_EXPECTED)
    _build(doc)
    return doc


def load_rules(path: str | Path) -> list[Rule]:
    return _build(read_yaml(path, what="rule file", expected=_EXPECTED))


def load_shipped_rules() -> list[Rule]:
    """The rule file shipped in the package (``abuse/data/default_rules.yaml``)."""
    with as_file(DEFAULT_RULES) as path:
        return load_rules(path)


def _build(doc: YamlDoc) -> list[Rule]:
    """The file's schema, then each rule's kind (from the registry) and that kind's own config schema."""
    rule_file = doc.validate(RuleFile)
    rules: list[Rule] = []
    for i, raw in enumerate(rule_file.rules):
        name, kind = raw.get("name", "?"), raw.get("kind")
        at = f"{doc.file}:{doc.line_of(('rules', i, 'kind'))}" if doc.root is not None else doc.file
        cls = RULE_KINDS.get(kind if isinstance(kind, str) else repr(kind), where=f"{at}: rules.{i} ({name})")
        try:
            cfg = cls.Config.model_validate(raw)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ("rules", i, *err["loc"])
            raise ConfigError(f"{'.'.join(map(str, loc))} ({name}): {err['msg']}", file=doc.file,
                              line=doc.line_of(loc)) from exc
        if cfg.enabled:
            rules.append(cls(cfg))
    return rules


class RuleEngine:
    """Feeds records, in time order, to every rule; returns the alerts they raise."""

    EXPIRE_EVERY = 256  # records between sweeps of state no record touched (see Rule.expire)

    def __init__(self, rules: list[Rule] | Callable[[], list[Rule]]) -> None:
        self.rules = rules() if callable(rules) else rules
        self._seen = 0

    def observe(self, rec: RequestRecord) -> list[Alert]:
        out: list[Alert] = []
        for rule in self.rules:
            out.extend(rule.observe(rec))
        self._seen += 1
        if self._seen % self.EXPIRE_EVERY == 0:
            for rule in self.rules:
                rule.expire(rec.ts)
        return out

    def observe_many(self, recs: Iterable[RequestRecord]) -> list[Alert]:
        out: list[Alert] = []
        rec = None
        for rec in recs:
            out.extend(self.observe(rec))
        if rec is not None:  # a batch from the stream: sweep once per batch as well
            for rule in self.rules:
                rule.expire(rec.ts)
        return out


def evaluate_log(rules: list[Rule], records: Iterable[RequestRecord]) -> list[Alert]:
    """Batch evaluation: replay ``records`` sorted by time through the rules (use fresh rules)."""
    ordered = sorted(records, key=lambda r: (r.ts, r.request_id))
    return RuleEngine(rules).observe_many(ordered)
