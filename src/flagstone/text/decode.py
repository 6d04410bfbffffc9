"""Decoded views of a text: readings an obfuscating writer hides from a model but not from people.

``decoded_views(text)`` returns the alternative readings that differ from the normalised text:

- letters stretched 3+ times read once (``kiiiill`` -> ``kill``; normalisation keeps two);
- leetspeak ``1`` after ``l``/``i``/``1`` read as ``l`` (``ki11``; normalisation reads every ``1`` as ``i``);
- letters spaced or dotted apart (``k i l l``, ``k.i.l.l``, spelled out ``k i l l / y o u``) joined up,
  and words run together (``iwillkillyou``) split, with ``wordsegment``'s English word counts;
- words broken by inner punctuation (``ki.ll``, ``st*b``-style splits with a 1-2 letter piece) joined;
- base64 runs decoded (only when they decode to mostly printable UTF-8 text);
- ROT13 when the share of vowels says so (any Latin-script language), reversed text when the text does
  not read as English and the reversed form reads more so; spelled-out text (``k i l l / y o u``).

Cheap checks come first (a regex or a set lookup), so ordinary text yields no views and costs nothing
more to score. A defence scores the max over the text and its views (``flagstone.redteam.defences``).
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from functools import lru_cache

from flagstone.text.normalize import normalize

_SPACED = re.compile(r"(?<![A-Za-z])[A-Za-z](?:[ .\-_*·][A-Za-z]){2,}(?![A-Za-z])")
_INNER = re.compile(r"[A-Za-z]+(?:[.\-_*~|+][A-Za-z]+)+")
_B64 = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{12,}={0,2}(?![A-Za-z0-9+/=])")
_LONG = re.compile(r"\b[A-Za-z]{12,}\b")
_STRETCH = re.compile(r"([^\W\d_])\1{2,}")
_LEET_L = re.compile(r"\b\w*(?:[A-Za-z][1|]|[1|][A-Za-z])\w*")
_WORD = re.compile(r"[A-Za-z']+")
# Frequent English words: enough to tell English-looking text from ROT13 or reversed text.
_COMMON = frozenset("""
a about after all also am an and any are as at be because been but by can can't come could day did do
does don't even for from get give go going good got had has have he her him his how i i'm if in into is
it it's just know like make me more my no not now of on one only or other our out people say see she so
some take than that the their them then there these they think this time to up us want was way we well
were what when which who will with would year you your yourself myself kill hate die going gonna
""".split())


def _ones_to_l(word: str) -> str:
    # A "1" after "l", "i" or another "1" is an "l" ("ki11", "w1l1", "k111"); a first "1" stays an "i".
    out: list[str] = []
    for ch in word:
        if ch in "1|" and out and out[-1].lower() in "li1|":
            ch = "l"
        out.append(ch)
    return "".join(out).replace("|", "l")


def _vowel_share(text: str) -> float:
    letters = [ch for ch in text.lower() if "a" <= ch <= "z"]
    return sum(ch in "aeiou" for ch in letters) / len(letters) if len(letters) >= 8 else 0.0


def _mostly_single_letters(text: str) -> bool:
    tokens = [t for t in text.split() if t != "/"]
    return bool(tokens) and sum(len(t) == 1 for t in tokens) >= 0.8 * len(tokens)


def _english_share(text: str) -> float:
    words = [w.lower() for w in _WORD.findall(text)]
    return sum(w in _COMMON for w in words) / len(words) if words else 0.0


@lru_cache(maxsize=1)
def _segmenter():
    """``wordsegment.segment`` (English unigram/bigram counts), loaded on first use; None if missing."""
    try:
        import wordsegment
    except ImportError:  # pragma: no cover - it is a declared dependency
        return None
    wordsegment.load()
    return wordsegment.segment, wordsegment.UNIGRAMS


def _segment(run: str) -> str:
    """Split a run of letters into words ("iwillkillyou" -> "i will kill you"), keeping it if unsure."""
    loaded = _segmenter()
    if loaded is None or len(run) < 6:
        return run
    segment, known = loaded
    words = segment(run.lower())
    # Random letters (base64 and the like) segment into pieces that are not words: not a reading.
    ok = 1 < len(words) <= len(run) / 2.5 and all(w in known for w in words)
    return " ".join(words) if ok else run


def _join_spaced(text: str) -> str:
    text = text.replace(" / ", "  ")  # spelled-out text separates words with " / "
    # Adjacent spaced-out words run together ("k i l l y o u"): segment the joined letters.
    return _SPACED.sub(lambda m: _segment(re.sub(r"[ .\-_*·]", "", m.group(0))), text)


def _split_run_together(text: str) -> str:
    return _LONG.sub(lambda m: _segment(m.group(0)), text)


def _join_inner(text: str) -> str:
    def fix(m: re.Match[str]) -> str:
        parts = re.split(r"[.\-_*~|+]", m.group(0))
        # "well-known" stays; "ki.ll" or "st-ab" (a piece of 1-2 letters) is an obfuscated word.
        return "".join(parts) if min(len(p) for p in parts) <= 2 else m.group(0)

    # Token by token, leaving URLs, e-mail addresses and paths alone.
    return "".join(tok if re.search(r"[/:@]", tok) else _INNER.sub(fix, tok) for tok in re.split(r"(\s+)", text))


def _decode_b64(token: str) -> str | None:
    try:
        raw = base64.b64decode(token + "=" * (-len(token) % 4), validate=True)
        out = raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    printable = sum(ch.isprintable() or ch in "\n\t" for ch in out)
    letters = sum(ch.isalpha() or ch == " " for ch in out)
    return out if out and printable == len(out) and letters >= 0.7 * len(out) else None


def _b64_view(text: str) -> str:
    return _B64.sub(lambda m: _decode_b64(m.group(0)) or m.group(0), text)


def decoded_views(text: str, *, min_share: float = 0.3) -> list[str]:
    """Alternative readings of ``text`` (normalised), each different from the normalised text."""
    base = normalize(text)
    if not base:
        return []
    views: list[str] = []
    # Base64 is read from the raw text: normalisation would "un-leet" the digits inside it.
    if _B64.search(text):
        views.append(_b64_view(text))
    if _SPACED.search(base) or " / " in base:
        views.append(_join_spaced(base))
    if _LONG.search(base):
        views.append(_split_run_together(base))
    if _INNER.search(base):
        views.append(_join_inner(base))
    # Stretched letters: normalize() keeps two ("kiill"); read runs of 3+ as one letter too ("kiiiill").
    if _STRETCH.search(text):
        views.append(_STRETCH.sub(r"\1", text))
    # Leetspeak "1" is "i" to normalize() but often stands for "l" (k1ll, 1ike): read it both ways.
    if _LEET_L.search(text):
        views.append(_LEET_L.sub(lambda m: _ones_to_l(m.group(0)), text))
    # Spelled out with " / " between words: undo it exactly.
    if base.count(" / ") >= 2 and _mostly_single_letters(base):
        views.append(" ".join(seg.replace(" ", "") for seg in base.split(" / ")))
    # ROT13 turns vowels into n/r/v/b/h: text in any Latin-script language has ~38% vowels, ROT13 ~21%.
    rot = codecs.decode(base, "rot_13")
    if _vowel_share(base) < 0.28 and _vowel_share(rot) > 0.32:
        views.append(rot)
    share = _english_share(base)
    if share < min_share:
        rev = base[::-1]
        if _english_share(rev) >= max(0.1, share + 0.1):
            views.append(rev)
    seen = {base}
    out = []
    for v in views:
        v = normalize(v)
        if v and v not in seen:
            seen.add(v)
            out.append(v)
    return out
