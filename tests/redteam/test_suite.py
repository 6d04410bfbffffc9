"""Suites are YAML data; malformed suites fail at load time with the reason."""

from __future__ import annotations

import pytest

from flagstone.errors import ConfigError
from flagstone.redteam.suite import available_suites, load_suite


def test_shipped_suites_load_and_cover_every_family() -> None:
    assert {"default", "smoke"} <= set(available_suites())
    families = {a.family for a in load_suite("default").build()}
    assert {"character", "word", "encoding", "context", "overflag"} <= families


def test_suite_from_file_with_chain_and_renamed_attack(tmp_path) -> None:
    p = tmp_path / "s.yaml"
    p.write_text("name: mine\nseed: 3\nattacks:\n"
                 "  - {attack: leetspeak}\n"
                 "  - {attack: leetspeak, name: leet_half, params: {rate: 0.5}}\n"
                 "  - name: both\n    chain: [{attack: homoglyphs}, {attack: zero_width}]\n")
    suite = load_suite(p)
    names = [a.name for a in suite.build()]
    assert names == ["leetspeak", "leet_half", "both"] and suite.seed == 3


@pytest.mark.parametrize(("body", "message"), [
    ("name: x\nattacks: []\n", "attacks"),  # no attacks
    ("name: x\nattacks:\n  - {attack: nope}\n", "unknown attack 'nope'; available"),
    ("name: x\nattacks:\n  - {attack: leetspeak, params: {speed: 2}}\n", "bad parameters"),
    ("name: x\nattacks:\n  - {attack: leetspeak}\n  - {attack: leetspeak}\n", "used twice"),
    ("name: x\nattacks:\n  - {chain: [{attack: leetspeak}]}\n", "a chain needs a 'name'"),
    ("name: x\nattacks:\n  - {attack: leetspeak, chain: [{attack: rot13}]}\n", "either 'attack' or 'chain'"),
    ("name: x\nsamples: 0\nattacks:\n  - {attack: leetspeak}\n", "bad.yaml:2: samples"),
    ("name: x\ncolour: red\nattacks:\n  - {attack: leetspeak}\n", "bad.yaml:2: colour"),
    ("- just a list\n", "bad.yaml:1: expected a mapping with name and attacks, got list"),
    ("name: [unclosed\n", r"bad.yaml:2: invalid YAML"),
    ("name: x\nname: y\nattacks:\n  - {attack: leetspeak}\n", "bad.yaml:2: duplicate key 'name'"),
])
def test_bad_suites(tmp_path, body: str, message: str) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text(body)
    with pytest.raises(ConfigError, match=message):
        load_suite(p)


def test_missing_suite_lists_shipped_ones() -> None:
    with pytest.raises(ConfigError, match="suite not found: nowhere .*default"):
        load_suite("nowhere")
