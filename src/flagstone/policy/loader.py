"""Load a policy YAML file, rejecting malformed files with the file, line and reason."""

from __future__ import annotations

from pathlib import Path

from flagstone.errors import PolicyError
from flagstone.policy.schema import Policy
from flagstone.yamlfile import load_yaml_model, parse_yaml_mapping


def parse_policy(text: str, *, file: str = "<policy>") -> Policy:
    """Validate policy YAML text; any problem raises PolicyError naming ``file``, the line and why."""
    doc = parse_yaml_mapping(text, file=file, error=PolicyError,
                             expected="a mapping with name, version and categories")
    return doc.validate(Policy, error=PolicyError)


def load_policy(path: str | Path) -> Policy:
    return load_yaml_model(path, Policy, error=PolicyError, what="policy file",
                           expected="a mapping with name, version and categories")


def load_default_policy() -> Policy:
    from flagstone.settings import DEFAULT_POLICY_PATH

    return load_policy(DEFAULT_POLICY_PATH)
