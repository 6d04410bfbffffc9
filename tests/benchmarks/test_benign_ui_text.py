"""benchmarks/benign_ui_text.py: which catalogue messages it reads as benign prose, and what it prints. The
catalogues are written here in gettext's binary format (tests never depend on the machine's packages)."""

from __future__ import annotations

import struct
from pathlib import Path

from tests.scripts import load_script

REPO = Path(__file__).resolve().parents[2]


def _module():
    return load_script(REPO / "benchmarks" / "benign_ui_text.py", "benign_ui_text")


def _write_mo(path: Path, pairs: dict[str, str]) -> None:
    """A GNU .mo file (little endian, revision 0) holding these messages, with the usual empty header entry."""
    entries = sorted({"": "Content-Type: text/plain; charset=UTF-8\n", **pairs}.items())
    ids = [k.encode("utf-8") for k, _ in entries]
    strs = [v.encode("utf-8") for _, v in entries]
    n = len(entries)
    start = 7 * 4 + 16 * n
    table_ids, table_strs, blob = [], [], b""
    for s in ids:
        table_ids.append((len(s), start + len(blob)))
        blob += s + b"\x00"
    for s in strs:
        table_strs.append((len(s), start + len(blob)))
        blob += s + b"\x00"
    head = struct.pack("<7I", 0x950412DE, 0, n, 28, 28 + 8 * n, 0, 0)
    body = b"".join(struct.pack("<2I", *t) for t in table_ids) + b"".join(struct.pack("<2I", *t) for t in table_strs)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(head + body + blob)


def test_only_prose_messages_of_five_to_thirty_words_are_read(tmp_path: Path) -> None:
    _write_mo(tmp_path / "de" / "LC_MESSAGES" / "app.mo", {
        "Remember to save your work before you close the window": "Denk daran, deine Arbeit vor dem Schließen zu speichern",
        "Open file": "Datei öffnen",  # too short
        "Could not open %s for reading right now": "Konnte %s gerade nicht zum Lesen öffnen",  # a format code
        "See the manual at https://example.org for more details": "Siehe https://example.org für mehr Details",
        "Saves the file named config.yaml in your home folder": "Speichert die Datei config.yaml im Ordner",
    })
    (tmp_path / "de" / "LC_MESSAGES" / "broken.mo").write_bytes(b"not a catalogue")
    mod = _module()
    assert mod.messages(tmp_path, ["de"]) == {
        "Remember to save your work before you close the window": "Denk daran, deine Arbeit vor dem Schließen zu speichern"}
    assert mod.messages(tmp_path, ["fr"]) == {}


def test_it_prints_each_language_beside_its_english_and_fails_without_catalogues(tmp_path: Path, capsys) -> None:
    pairs = {f"Please remember to water the plants on day {i} of the week": f"Bitte denk daran, die Pflanzen am Tag {i} zu gießen"
             for i in range(6)}
    _write_mo(tmp_path / "de" / "LC_MESSAGES" / "app.mo", pairs)
    mod = _module()
    assert mod.main(["--locale-dir", str(tmp_path), "--per-language", "4"]) == 0
    out = capsys.readouterr().out
    assert "de: 4 of 6 messages; flagged" in out and "their English originals" in out
    assert "fr: no catalogue with usable messages" in out
    assert mod.main(["--locale-dir", str(tmp_path / "nothing")]) == 1
