"""Normalisation applied before scoring, hashing items and red-team defences.

One function, used everywhere, so the model sees at serve time exactly what it saw in training and an
item's key does not change with invisible characters. Steps (order matters):

0. remove terminal escape sequences (ANSI colours, OSC titles: ``text.controls.strip_escapes``);
1. Unicode NFKC (full-width, ligatures, mathematical alphanumerics -> plain letters);
2. remove zero-width / invisible / bidi-control characters and C0/C1 control characters (keep \\n, \\t);
3. strip combining diacritics on Latin letters (``kíll`` -> ``kill``);
4. map confusable letters (Cyrillic/Greek look-alikes) to Latin inside words that disguise Latin ones
   (mixed-script words, or all-look-alike words in a mostly Latin text), never in real Russian or Greek;
5. inside words that mix letters and digits/symbols, map leetspeak (``k1ll``, ``h@te``);
6. collapse runs of 3+ identical letters to 2 (``fuuuuck`` -> ``fuuck``) and runs of whitespace.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from flagstone.text.controls import strip_escapes

_INVISIBLE = {
    0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x200B, 0x200C, 0x200D, 0x200E,
    0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0x2066,
    0x2067, 0x2068, 0x2069, 0x206A, 0x206B, 0x206C, 0x206D, 0x206E, 0x206F, 0x3164, 0xFE00, 0xFE01,
    0xFE02, 0xFE03, 0xFE04, 0xFE05, 0xFE06, 0xFE07, 0xFE08, 0xFE09, 0xFE0A, 0xFE0B, 0xFE0C, 0xFE0D,
    0xFE0E, 0xFE0F, 0xFEFF, 0xFFA0, 0x1D173, 0x1D174, 0x1D175, 0x1D176, 0x1D177, 0x1D178, 0x1D179, 0x1D17A,
}
_REMOVE = {cp: None for cp in _INVISIBLE}
_REMOVE.update({cp: None for cp in range(0x00, 0x20) if cp not in (0x09, 0x0A, 0x0D)})
_REMOVE.update({cp: None for cp in range(0x7F, 0xA0)})
_REMOVE.update({cp: None for cp in range(0xE0000, 0xE0080)})  # tag characters
_REMOVE_ASCII = {cp: None for cp in _REMOVE if cp < 0x80}

# Letters that look like Latin ones (after NFKC). Lower-case targets; case is kept where it can be.
_CONFUSABLES = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w",
    "һ": "h", "ӏ": "l", "ɡ": "g", "п": "n", "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O",
    "Р": "P", "С": "C", "Т": "T", "У": "Y", "Х": "X", "Ѕ": "S", "І": "I", "Ј": "J",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
    "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    # Latin look-alikes and IPA
    "ı": "i", "ȷ": "j", "ɑ": "a", "ɩ": "i", "ɪ": "i", "ʏ": "y", "ɴ": "n", "ʀ": "r", "ᴀ": "a", "ᴄ": "c",
    "ᴅ": "d", "ᴇ": "e", "ᴋ": "k", "ᴍ": "m", "ᴏ": "o", "ᴘ": "p", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w",
    "ᴢ": "z", "ʜ": "h", "ʟ": "l", "ɢ": "g", "ꜱ": "s", "ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "œ": "oe",
    "ł": "l", "đ": "d", "ħ": "h",
}
_CONFUSABLE_TABLE = str.maketrans(_CONFUSABLES)

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "@": "a",
                       "$": "s", "!": "i", "|": "l", "€": "e", "9": "g"})
# A "word" with at least one letter and at least one leet character inside it.
_LEET_WORD = re.compile(r"(?<![\w@$!|€])(?=[\w@$!|€]*[A-Za-z])(?=[\w@$!|€]*[0-9@$!|€][\w@$!|€]*[A-Za-z]|"
                        r"[\w@$!|€]*[A-Za-z][\w@$!|€]*[0-9@$!|€])[\w@$!|€]+")
_LEET_CHAR = re.compile(r"[0-9@$!|€]")
_REPEATS = re.compile(r"([^\W\d_])\1{2,}", re.IGNORECASE)  # "WEiiI" and "weiii" collapse alike
_SPACES = re.compile(r"[ \t\r\f\v]+")
_NEWLINES = re.compile(r"\n{3,}")


def _strip_marks(text: str) -> str:
    """Drop combining marks on Latin letters (``kíll`` -> ``kill``); other scripts keep theirs (Russian
    ``й`` is a letter of its own, not ``и`` with an accent)."""
    # Nothing decomposes and no bare marks: NFD is the identity and nothing is dropped (same result).
    if unicodedata.is_normalized("NFD", text) and not any(unicodedata.combining(ch) for ch in text):
        return unicodedata.normalize("NFC", text)
    decomposed = unicodedata.normalize("NFD", text)
    kept, base_latin = [], True
    for ch in decomposed:
        if unicodedata.combining(ch):
            if base_latin:
                continue
        else:
            base_latin = ch.isascii()
        kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept))


_WORD = re.compile(r"\w+")
_LATIN = re.compile(r"[A-Za-z]")


def _map_confusables(text: str) -> str:
    """Map look-alike letters to Latin where they disguise Latin words, never in real Cyrillic or Greek.

    A word that mixes Latin letters with look-alikes (``hаte`` with a Cyrillic ``а``) is mapped; so is
    a word made only of look-alikes in a text that is mostly Latin (``уоu``). A word of Russian in a
    Russian text keeps its letters (``тебя`` stays ``тебя``): the multilingual encoder reads it.
    """
    if not any(ch in _CONFUSABLES for ch in text):
        return text
    letters = [ch for ch in text if ch.isalpha()]
    latin_text = sum(ch.isascii() for ch in letters) * 2 > len(letters)

    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        if _LATIN.search(word) or (latin_text and all(ch in _CONFUSABLES or not ch.isalpha() for ch in word)):
            return word.translate(_CONFUSABLE_TABLE)
        return word

    return _WORD.sub(fix, text)


def _unleet(match: re.Match[str]) -> str:
    word = match.group(0)
    # Trailing punctuation such as "!" at the end of a word is punctuation, not a letter.
    core = word.rstrip("!")
    tail = word[len(core):]
    # Ordinals/units ("1st", "4th", "5g", "mp3") stay as they are.
    if re.fullmatch(r"\d+(st|nd|rd|th|s|g|k|m|px|am|pm|kg|km|mb|gb)?|[a-z]+\d{1,2}", core, re.IGNORECASE):
        return word
    return core.translate(_LEET) + tail


def normalize(text: str) -> str:
    """Return the canonical form of ``text`` that models score and item keys hash."""
    if not text:
        return ""
    text = strip_escapes(text)
    if text.isascii():
        # Fast path (most traffic): NFKC, diacritics and confusables leave ASCII unchanged, and ASCII
        # has no surrogates; only the control characters are removed. Same result as the full path.
        text = text.translate(_REMOVE_ASCII)
    else:
        # Lone surrogates cannot be encoded; drop them instead of failing deep inside a tokenizer.
        text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace") if _has_surrogates(text) else text
        text = unicodedata.normalize("NFKC", text)
        text = text.translate(_REMOVE)
        text = _strip_marks(text)
        text = _map_confusables(text)
    if _LEET_CHAR.search(text):  # every leet word holds one of these; most text has none
        text = _LEET_WORD.sub(_unleet, text)
    text = _REPEATS.sub(r"\1\1", text)
    text = _SPACES.sub(" ", text)
    text = _NEWLINES.sub("\n\n", text)
    return text.strip()


_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_surrogates(text: str) -> bool:
    return _SURROGATE.search(text) is not None


def text_key(text: str) -> str:
    """Stable item key: SHA-256 of the case-folded normalised text."""
    canon = " ".join(normalize(text).casefold().split())
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()
