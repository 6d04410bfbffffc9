"""The default rule file is package data: found by importlib.resources, listed in pyproject's
package-data, and what the server loads when ``rules_path`` is not set (issue 20)."""

from __future__ import annotations

import re
import tomllib
from importlib.resources import files
from pathlib import Path

import yaml

import flagstone
from flagstone.abuse.http import default_rules
from flagstone.abuse.rules import DEFAULT_RULES
from flagstone.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = Path(flagstone.__file__).resolve().parent


def test_the_shipped_rule_file_is_found_through_importlib_resources():
    shipped = files("flagstone.abuse") / "data" / "default_rules.yaml"
    assert shipped.is_file() and DEFAULT_RULES == shipped
    names = [r["name"] for r in yaml.safe_load(shipped.read_text(encoding="utf-8"))["rules"]]
    assert len(names) >= 5


def test_the_server_loads_the_shipped_rules_when_no_rules_path_is_set(tmp_path):
    doc = yaml.safe_load(DEFAULT_RULES.read_text(encoding="utf-8"))
    enabled = [r["name"] for r in doc["rules"] if r.get("enabled", True)]
    rules = default_rules(Settings(data_dir=tmp_path, model_dir=tmp_path / "none"))
    assert [r.config.name for r in rules] == enabled


def test_pyproject_package_data_ships_the_rule_file():
    """The same globbing setuptools does for package-data (patterns relative to the package folder)."""
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["flagstone"]
    shipped = {p.relative_to(PACKAGE).as_posix() for pat in patterns for p in PACKAGE.glob(pat) if p.is_file()}
    assert "abuse/data/default_rules.yaml" in shipped


def test_no_source_file_finds_files_above_the_package():
    """``Path(__file__).parents[N]`` reaching out of ``src/flagstone`` finds repository files that a
    regular install does not have; package data is read with importlib.resources instead."""
    outside = []
    for py in PACKAGE.rglob("*.py"):
        for m in re.finditer(r"parents\[(\d+)\]", py.read_text(encoding="utf-8")):
            if int(m.group(1)) >= len(py.relative_to(PACKAGE).parts):
                outside.append(f"{py.relative_to(PACKAGE)}: {m.group(0)}")
    assert outside == []
