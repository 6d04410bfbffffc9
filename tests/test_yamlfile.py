"""load_yaml_model: every problem in a YAML file names the file, the line and the reason."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ConfigDict

from flagstone.errors import ConfigError, PolicyError
from flagstone.yamlfile import load_yaml_model, read_yaml_mapping


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    weight: float = 1.0


class Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    items: list[Item]


@pytest.mark.parametrize("body, message", [
    ("title: t\nitems:\n  - name: a\n  - name: b\n    weight: heavy\n",
     r"f.yaml:5: items.1.weight: Input should be a valid number"),
    ("title: t\nitems:\n  - {name: a, colour: red}\n", r"f.yaml:3: items.0.colour: Extra inputs are not permitted"),
    ("items: []\n", r"f.yaml:1: title: Field required"),
    ("title: t\ntitle: u\nitems: []\n", r"f.yaml:2: duplicate key 'title' \(first given on line 1\)"),
    ("title: [t\nitems: []\n", r"f.yaml:2: invalid YAML"),
    ("- t\n", r"f.yaml:1: expected a mapping, got list"),
    ("", r"f.yaml:1: expected a mapping, got NoneType"),
])
def test_problems_name_file_line_and_reason(tmp_path, body, message):
    p = tmp_path / "f.yaml"
    p.write_text(body)
    with pytest.raises(ConfigError, match=message) as err:
        load_yaml_model(p, Doc)
    assert err.value.file == str(p) and err.value.line is not None


def test_missing_file_bad_bytes_and_the_error_class(tmp_path):
    with pytest.raises(ConfigError, match=r"nope.yaml: suite file not found"):
        load_yaml_model(tmp_path / "nope.yaml", Doc, what="suite file")
    p = tmp_path / "f.yaml"
    p.write_bytes(b"title: t\nitems: []\n# caf\xe9\n")
    with pytest.raises(PolicyError, match=r"f.yaml:3: not UTF-8 text"):
        load_yaml_model(p, Doc, error=PolicyError)
    p.write_text("title: t\nitems:\n  - name: a\n    weight: 2\n")
    assert load_yaml_model(p, Doc) == Doc(title="t", items=[Item(name="a", weight=2.0)])
    assert read_yaml_mapping(p)["items"] == [{"name": "a", "weight": 2}]
