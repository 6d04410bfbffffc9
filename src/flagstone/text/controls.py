"""Control characters and terminal escape sequences in user text, removed so the text can be scored.

Moderation input is user content and often carries junk (a NUL from a C string, a BEL, colour codes
pasted from a terminal). Refusing such a text would leave it unmoderated, so the HTTP edge cleans it
(:func:`clean_controls`) and scores what is left; only text that is not Unicode at all (unpaired
surrogates, invalid UTF-8) is refused. The rule is "score what a terminal would show, and never hide a
letter the sender sent": escape sequences whose bytes are parameters (CSI colours and cursor moves,
charset designations, ESC 7/8) are removed whole; string sequences (OSC titles and hyperlinks, DCS, APC,
PM, SOS) lose their introducer and terminator but keep their payload, so nothing can be hidden inside
one; any other ESC is dropped alone and the character after it stays.

Every other way in cleans the same way before scoring: ``flagstone moderate``, batch scoring (local and
Spark, ``scale.batch.score_batch``) and the functional suites. :func:`strip_escapes` (the escape sequences
only) is also the first step of ``text.normalize``, so labelled evaluation reads escapes as the server does.
"""

from __future__ import annotations

import re

_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"  # CSI: parameters, intermediates, one final byte
    r"|(?:\x1b\]|\x9d)[0-9;]*"  # OSC introducer and its numeric parameters (payload kept)
    r"|\x1b[PX^_]|[\x90\x98\x9e\x9f]"  # DCS, SOS, PM, APC introducers (payload kept)
    r"|\x1b\\"  # string terminator
    r"|\x1b[#%()*+,\-./][ -/]*[0-~]"  # nF: charset designations such as ESC ( B
    r"|\x1b[78=>]"  # save/restore cursor, keypad modes
)
_HAS_ESCAPE = re.compile(r"[\x1b\x90\x98\x9b\x9d\x9e\x9f]")
# C0 controls other than tab and newline, DEL and C1 controls (CR, VT, FF and NEL are line breaks).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile(r"\r\n?|[\x0b\x0c\x85]")


def strip_escapes(text: str) -> str:
    """``text`` without terminal escape sequences (ANSI CSI, OSC and the other ESC forms)."""
    if _HAS_ESCAPE.search(text) is None:
        return text
    return _ESCAPES.sub("", text)


def clean_controls(text: str) -> str:
    """``text`` with escape sequences removed, line breaks as ``\\n`` and other C0/C1 controls removed.

    Tab and newline stay; CR LF, CR, VT, FF and NEL become newlines. Text without controls is returned
    unchanged (the common case costs one regex search).
    """
    if _CONTROL.search(text) is None:
        return text
    text = strip_escapes(text)
    text = _LINE_BREAKS.sub("\n", text)
    return _CONTROL.sub("", text)
