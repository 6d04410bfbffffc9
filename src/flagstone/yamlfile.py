"""Read YAML files into validated models, with the file, line and reason on any problem.

    load_yaml_model(path, Suite)                    # -> Suite, or ConfigError "suites/x.yaml:7: attacks.0.attack: ..."
    load_yaml_model(path, Policy, error=PolicyError)
    read_yaml_mapping(path)                         # -> dict (for files without a pydantic model)

Every loader of a policy, suite, mapping, template or settings file goes through here, so a
missing file, bytes that are not UTF-8, broken YAML, a duplicated key (YAML would silently keep the
last one), a top level that is not a mapping, and a schema violation all read the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from flagstone.errors import ConfigError

M = TypeVar("M", bound=BaseModel)

# libyaml is ~10x faster and keeps line marks; fall back to the pure-Python loader without it.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class YamlDoc:
    """A parsed YAML mapping with its node tree, so validation errors can point at a line."""

    data: dict[str, Any]
    root: yaml.Node | None
    file: str

    def line_of(self, loc: tuple[Any, ...]) -> int | None:
        """1-based line of the key or item at ``loc`` (a pydantic error location), as deep as it exists."""
        node = self.root
        best = node.start_mark.line + 1 if node is not None else None
        for key in loc:
            if isinstance(node, yaml.MappingNode):
                match = next(((k, v) for k, v in node.value if k.value == key), None)
                if match is None:
                    break
                best, node = match[0].start_mark.line + 1, match[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
                node = node.value[key]
                best = node.start_mark.line + 1
            else:
                break
        return best

    def validate(self, model: type[M], *, error: type[ConfigError] = ConfigError) -> M:
        try:
            return model.model_validate(self.data)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = tuple(err["loc"])
            where = ".".join(str(p) for p in loc) or "(top level)"
            raise error(f"{where}: {err['msg']}", file=self.file, line=self.line_of(loc)) from exc


def _check_duplicate_keys(node: yaml.Node | None, file: str, error: type[ConfigError]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode):
                if k.value in seen:
                    raise error(f"duplicate key {k.value!r} (first given on line {seen[k.value]})",
                                file=file, line=k.start_mark.line + 1)
                seen[k.value] = k.start_mark.line + 1
            _check_duplicate_keys(v, file, error)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _check_duplicate_keys(item, file, error)


def parse_yaml_mapping(text: str, *, file: str, error: type[ConfigError] = ConfigError,
                       expected: str = "a mapping", empty_ok: bool = False) -> YamlDoc:
    """Parse YAML text whose top level must be a mapping (``expected`` says what it should hold)."""
    try:
        root = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)  # _Loader is a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise error(f"invalid YAML: {getattr(exc, 'problem', None) or exc}", file=file, line=line) from exc
    _check_duplicate_keys(root, file, error)
    if data is None and empty_ok:
        data = {}
    if not isinstance(data, dict):
        raise error(f"expected {expected}, got {type(data).__name__}", file=file, line=1)
    return YamlDoc(data, root, file)


def read_yaml(path: str | Path, *, error: type[ConfigError] = ConfigError, what: str = "file",
              expected: str = "a mapping", empty_ok: bool = False) -> YamlDoc:
    """Read a YAML mapping from ``path``; a missing file is an error, never ``{}``."""
    p = Path(path)
    if not p.is_file():
        raise error(f"{what} not found", file=str(p))
    raw = p.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(f"not UTF-8 text ({exc.reason} at byte offset {exc.start})", file=str(p), line=line) from exc
    return parse_yaml_mapping(text, file=str(p), error=error, expected=expected, empty_ok=empty_ok)


def read_yaml_mapping(path: str | Path, **kw: Any) -> dict[str, Any]:
    return read_yaml(path, **kw).data


def load_yaml_model(path: str | Path, model: type[M], *, error: type[ConfigError] = ConfigError,
                    what: str = "file", expected: str = "a mapping") -> M:
    """Read ``path`` and validate it as ``model``; every problem names the file, line and reason."""
    return read_yaml(path, error=error, what=what, expected=expected).validate(model, error=error)
