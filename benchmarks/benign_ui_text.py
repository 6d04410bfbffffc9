"""How often ordinary benign text is flagged, per language: human translations of software messages.

    python benchmarks/benign_ui_text.py [MODEL_DIR] [--per-language 400] [--seed 0] [--locale-dir /usr/share/locale]

The native multilingual test set (``suites/functional/multilingual.jsonl``) holds 32 benign texts a language, 18
of them hard on purpose (counter-speech, "kill a process", medicine doses), so its false-positive rate says little
about everyday text. Everyday benign text in seven languages, with the English it translates, is on most Linux
machines: the gettext catalogues of the installed packages (``/usr/share/locale/LANG/LC_MESSAGES/*.mo``), written
by people, not machines. This reads their messages of 5-30 words without format codes, markup or paths, draws
``--per-language`` of them per language, and prints the share the model flags in each language beside the share of
their English originals, with the categories that flag and a few flagged texts.

What it is not: chat text. Software messages are short, neutral and technical ("illicit" is what flags them:
"ilegal", "injection", "exploit"), so read this as a floor of the false-positive rate on benign text, and the gap
between a language and its English originals as what the multilingual route adds. Which catalogues exist depends on
the machine's packages, so the counts are printed and figures from two machines are not comparable.
"""

from __future__ import annotations

import argparse
import gettext
import random
import re
import struct
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from flagstone.models.kinds import load_model  # noqa: E402
from flagstone.models.multilingual import english_weight  # noqa: E402
from flagstone.policy.taxonomy import CATEGORIES  # noqa: E402

LANGUAGES = {"de": ["de"], "es": ["es"], "fr": ["fr"], "it": ["it"], "pt": ["pt", "pt_BR"], "ru": ["ru"],
             "zh": ["zh_CN"]}
# Format codes, markup, paths, addresses and file names: not prose.
NOT_PROSE = re.compile(r"%|\{|\}|<|>|_|\\|\$|&|@|http|\.\w{2,4}\b")


def messages(locale_dir: Path, folders: list[str]) -> dict[str, str]:
    """English message -> translation, from every readable catalogue of these locale folders."""
    out: dict[str, str] = {}
    for folder in folders:
        for path in sorted((locale_dir / folder / "LC_MESSAGES").glob("*.mo")):
            try:
                with path.open("rb") as fh:
                    catalog = gettext.GNUTranslations(fh)._catalog  # type: ignore[attr-defined]
            except (OSError, ValueError, struct.error) as exc:  # a broken catalogue is skipped, said
                print(f"skipped {path}: {exc}", file=sys.stderr)
                continue
            for en, tr in catalog.items():
                if not (isinstance(en, str) and isinstance(tr, str) and en and tr) or "\x00" in en or "\n" in en:
                    continue
                if not 5 <= len(en.split()) <= 30 or NOT_PROSE.search(en) or NOT_PROSE.search(tr):
                    continue
                out.setdefault(en, tr)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model", nargs="?", default=str(REPO / "src" / "flagstone" / "models" / "default"))
    ap.add_argument("--per-language", type=int, default=400)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--locale-dir", default="/usr/share/locale")
    args = ap.parse_args(argv)
    model = load_model(args.model)
    thresholds = np.array([model.info.thresholds[c] for c in CATEGORIES])
    print(f"model {model.info.version[:12]}; catalogues under {args.locale_dir}")
    rng = random.Random(args.seed)
    found = False
    for lang, folders in LANGUAGES.items():
        pairs = messages(Path(args.locale_dir), folders)
        if not pairs:
            print(f"{lang}: no catalogue with usable messages")
            continue
        found = True
        english = sorted(pairs)
        rng.shuffle(english)
        english = english[: args.per_language]
        translated = [pairs[e] for e in english]
        flags = model.predict_proba(translated) >= thresholds
        flags_en = model.predict_proba(english) >= thresholds
        any_tr, any_en = flags.any(axis=1), flags_en.any(axis=1)
        by_category = {CATEGORIES[j]: int(n) for j, n in enumerate(flags.sum(axis=0)) if n}
        top = dict(sorted(by_category.items(), key=lambda kv: -kv[1])[:4])
        routed = float(np.mean(english_weight(translated) < 0.5))
        print(f"{lang}: {len(translated)} of {len(pairs)} messages; flagged {any_tr.mean():.3f} "
              f"(their English originals {any_en.mean():.3f}); read as not English {routed:.2f}; by category {top}")
        for text in [t for t, f in zip(translated, any_tr, strict=True) if f][:3]:
            print(f"    {text[:100]}")
    return 0 if found else 1


if __name__ == "__main__":
    raise SystemExit(main())
