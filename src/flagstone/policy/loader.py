"""Load a policy YAML file, rejecting malformed files with the file, line and reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from flagstone.errors import PolicyError
from flagstone.policy.schema import Policy

# libyaml is ~10x faster and keeps line marks; fall back to the pure-Python loader without it.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _node_line(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """Walk the composed YAML tree along a pydantic error location; return a 1-based line."""
    best = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = None
            for k, v in node.value:
                if k.value == key:
                    nxt = v
                    best = k.start_mark.line + 1
                    break
            if nxt is None:
                break
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            best = node.start_mark.line + 1
        else:
            break
    return best


def _check_duplicate_keys(node: yaml.Node | None, file: str) -> None:
    """YAML lets a later key silently replace an earlier one; a policy must not lose text that way."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode):
                if k.value in seen:
                    raise PolicyError(
                        f"duplicate key {k.value!r} (first given on line {seen[k.value]})",
                        file=file,
                        line=k.start_mark.line + 1,
                    )
                seen[k.value] = k.start_mark.line + 1
            _check_duplicate_keys(v, file)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _check_duplicate_keys(item, file)


def parse_policy(text: str, *, file: str = "<policy>") -> Policy:
    """Validate policy YAML text; any problem raises PolicyError naming ``file``, the line and why."""
    try:
        root = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)  # _Loader is a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise PolicyError(f"invalid YAML: {getattr(exc, 'problem', exc)}", file=file, line=line) from exc
    _check_duplicate_keys(root, file)
    if not isinstance(data, dict):
        raise PolicyError("a policy file is a mapping with name, version and categories", file=file, line=1)
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        where = ".".join(str(p) for p in loc) or "(top level)"
        raise PolicyError(f"{where}: {err['msg']}", file=file, line=_node_line(root, loc)) from exc


def load_policy(path: str | Path) -> Policy:
    p = Path(path)
    if not p.is_file():
        raise PolicyError("policy file not found", file=str(p))
    raw = p.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PolicyError(
            f"not UTF-8 text ({exc.reason} at byte offset {exc.start})", file=str(p), line=line
        ) from exc
    return parse_policy(text, file=str(p))


def load_default_policy() -> Policy:
    from flagstone.settings import DEFAULT_POLICY_PATH

    return load_policy(DEFAULT_POLICY_PATH)
