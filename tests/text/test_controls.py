"""Control characters and terminal escapes: removed so the text is scored, never hiding a letter."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flagstone.text import normalize
from flagstone.text.controls import clean_controls, strip_escapes


@pytest.mark.parametrize(("raw", "expected"), [
    ("nul\x00byte", "nulbyte"),
    ("bell\x07!", "bell!"),
    ("\x1b[31mI will hurt you\x1b[0m", "I will hurt you"),  # SGR colour
    ("\x1b[1;38;5;196mred\x1b[m", "red"),
    ("\x9b31mC1 csi", "C1 csi"),  # the one-byte C1 form of CSI
    ("a\x1b[2K\x1b[1Gb", "ab"),  # erase line, cursor to column 1
    ("\x1b(B\x1b[mplain", "plain"),  # tput sgr0
    ("\x1b7saved\x1b8", "saved"),
    ("\x1b]0;window title\x07text", "window titletext"),  # OSC payload stays: nothing hides in it
    ("\x1b]8;;https://x.y\x1b\\link\x1b]8;;\x1b\\", "https://x.ylink"),
    ("\x1bkill", "kill"),  # an unknown ESC goes alone; the letter after it stays
    ("tab\tand\nnewline", "tab\tand\nnewline"),
    ("dos\r\nline\rmac", "dos\nline\nmac"),
    ("vt\x0bff\x0cnel\x85end", "vt\nff\nnel\nend"),
    ("del\x7f and c1 \x80\x9f", "del and c1 "),
    ("caf\u00e9 \u4f60\u597d", "caf\u00e9 \u4f60\u597d"),
    ("", ""),
])
def test_clean_controls(raw: str, expected: str) -> None:
    assert clean_controls(raw) == expected


def test_clean_text_is_returned_as_is() -> None:
    text = "nothing to remove here\twith a tab\n"
    assert clean_controls(text) is text and strip_escapes(text) is text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab k\x00\x07\x1b\x9b\x9d[]();0123m\\\r\n\t\x85\x7f"), max_size=40))
def test_output_holds_no_controls_and_is_stable(text: str) -> None:
    out = clean_controls(text)
    assert all(ch in "\t\n" or not (ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F) for ch in out)
    assert clean_controls(out) == out


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("kil \x00\x07\x1b\x9b\x9d[]();0123m\\"), max_size=40))
def test_no_letter_is_ever_removed_except_after_esc_charset(text: str) -> None:
    # Letters are content: only a charset designation (ESC ( B) or a CSI final byte may consume one.
    letters = [ch for ch in text if ch in "kil"]
    kept = [ch for ch in clean_controls(text) if ch in "kil"]
    if "\x1b(" not in text and "\x1b)" not in text and "[" not in text and "\x9b" not in text:
        assert kept == letters


def test_normalize_drops_escape_sequences_not_just_the_esc() -> None:
    # Before, normalize removed the ESC byte and left "[31m" in the text the model scored.
    assert normalize("\x1b[31mhello\x1b[0m") == "hello"
    assert normalize("\x1b]0;title\x07x") == "titlex"
