"""``flagstone augment`` end to end."""

from __future__ import annotations

from pathlib import Path

from flagstone.augment.base import read_items
from flagstone.augment.stub import GenerationStub
from flagstone.cli.main import main

SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "redteam" / "seeds.jsonl"


def test_templates(tmp_path, capsys) -> None:
    out, rej = tmp_path / "t.jsonl", tmp_path / "r.jsonl"
    assert main(["augment", "templates", "--n", "30", "--out", str(out), "--rejected", str(rej)]) == 0
    items = read_items(out)
    assert items and all(i.origin.startswith("template:") for i in items)
    assert "kept" in capsys.readouterr().out and rej.is_file()


def test_perturb(tmp_path, capsys) -> None:
    out = tmp_path / "p.jsonl"
    assert main(["augment", "perturb", str(SEEDS), "--fraction", "1", "--out", str(out), "--attacks",
                 "leetspeak,typos"]) == 0
    items = read_items(out)
    assert items and {i.meta["attack"] for i in items} <= {"leetspeak", "typos"}


def test_llm(tmp_path, capsys) -> None:
    out = tmp_path / "l.jsonl"
    with GenerationStub() as server:
        rc = main(["augment", "llm", "--base-url", server.base_url, "--model", "stub", "--categories",
                   "violence/graphic", "--n", "4", "--out", str(out)])
    assert rc == 0 and len(read_items(out)) == 4
    assert "requests" in capsys.readouterr().out


def test_bad_inputs_exit_2(tmp_path, capsys) -> None:
    assert main(["augment", "perturb", str(SEEDS), "--attacks", "base64", "--out", str(tmp_path / "x")]) == 2
    assert "not label-preserving" in capsys.readouterr().err
    assert main(["augment", "perturb", str(tmp_path / "none.jsonl"), "--out", str(tmp_path / "x")]) == 2
    assert main(["augment", "templates", "--categories", "sexual", "--out", str(tmp_path / "x")]) == 2
    assert "no templates" in capsys.readouterr().err
