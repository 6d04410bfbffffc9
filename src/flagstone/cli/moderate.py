"""``flagstone moderate``: score one text, or a JSONL/CSV/Parquet file into a JSONL file of results.

Each output line is an OpenAI moderation result (``flagged``, ``categories``, ``category_scores``,
``category_applied_input_types``) plus ``id`` (the row's ``--id-field`` value, else its row number);
the model id and a summary go to stderr. A malformed row stops the run with an error naming the file
and row, and no output file is left behind (results go to a temporary file renamed at the end); with
``--skip-bad`` the run goes on and bad rows go to a rejects file. Control characters and terminal escapes
are removed and the rest scored, as the server does; only text that is not Unicode is a bad row.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

from flagstone.errors import DataError
from flagstone.settings import Settings
from flagstone.text.controls import clean_controls


def _check_text(row: object, field: str, settings: Settings) -> str:
    """The row's text, cleaned as the server cleans it, or a ``ValueError`` saying what is wrong with it.

    Control characters and terminal escapes are removed and the rest is scored (``text.controls``): a row
    of user content with a stray NUL must not go unmoderated. A lone surrogate is not Unicode and is refused.
    """
    if not isinstance(row, dict):
        raise ValueError(str(getattr(row, "reason", "not an object")))
    if field not in row:
        raise ValueError(f"no {field!r} field (fields: {sorted(row)[:10]}); set --text-field")
    text = row[field]
    if not isinstance(text, str):
        raise ValueError(f"{field!r} must be a string, got {type(text).__name__}")
    if len(text) > settings.max_input_chars:
        raise ValueError(f"{field!r} is {len(text)} characters; at most {settings.max_input_chars}")
    bad = next((ch for ch in text if 0xD800 <= ord(ch) <= 0xDFFF), None)
    if bad is not None:
        raise ValueError(f"{field!r} contains an unpaired UTF-16 surrogate U+{ord(bad):04X}; it is not Unicode")
    return clean_controls(text)


def _rows(path: Path) -> Iterator[tuple[int, object]]:
    from flagstone.data.readers import detect_format, iter_rows

    yield from iter_rows(path, detect_format(path))


def _count(path: Path) -> int | None:
    if path.suffix.lower() not in (".jsonl", ".ndjson"):
        return None  # CSV cells may span lines: show a running count instead of a total
    with path.open("rb") as fh:
        return sum(1 for line in fh if line.strip())


def _moderate_file(args: argparse.Namespace, settings: Settings, model) -> int:
    from flagstone.cli._progress import Progress
    from flagstone.models.scoring import score_texts, to_results

    src = Path(args.input)
    if not src.is_file():
        raise DataError("file not found", file=str(src))
    out_path = Path(args.output)
    if not out_path.parent.is_dir():
        raise DataError("the output's directory does not exist", file=str(out_path))
    if out_path.resolve() == src.resolve():
        raise DataError("--output would overwrite the input; choose another file", file=str(out_path))
    rejects_path = Path(args.rejects) if args.rejects else out_path.with_name(out_path.name + ".rejects.jsonl")
    fd, tmp = tempfile.mkstemp(dir=out_path.parent, prefix=f".{out_path.name}.", suffix=".tmp")
    written = flagged = rejected = 0
    rejects = None
    batch: list[tuple[object, str]] = []

    def flush(out) -> None:
        nonlocal written, flagged
        scores = score_texts(model, [t for _, t in batch], settings.max_chunks_per_input)
        for (row_id, _), result in zip(batch, to_results(model.info, scores), strict=True):
            out.write(json.dumps({"id": row_id, **asdict(result)}, default=str) + "\n")
            flagged += result.flagged
        written += len(batch)
        batch.clear()

    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out, Progress(_count(src), "moderating") as bar:
            for n, row in _rows(src):
                bar.update()
                try:
                    text = _check_text(row, args.text_field, settings)
                except ValueError as exc:
                    if not args.skip_bad:
                        raise DataError(f"{exc}; fix the row or pass --skip-bad", file=str(src), row=n) from None
                    rejects = rejects or rejects_path.open("w", encoding="utf-8")
                    raw = row if isinstance(row, dict) else getattr(row, "raw", None)
                    # ASCII-escaped JSON, so rows holding lone surrogates can still be written.
                    rejects.write(json.dumps({"row": n, "error": str(exc), "raw": raw}, default=str) + "\n")
                    rejected += 1
                    continue
                batch.append((row.get(args.id_field, n) if isinstance(row, dict) else n, text))
                if len(batch) >= args.batch_size:
                    flush(out)
            if batch:
                flush(out)
        os.replace(tmp, out_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        if rejects is not None:
            rejects.close()
    print(f"moderated {written} rows with {model.info.id}: {flagged} flagged -> {out_path}", file=sys.stderr)
    if rejected:
        print(f"{rejected} bad rows skipped -> {rejects_path}", file=sys.stderr)
    return 0


def _moderate(args: argparse.Namespace) -> int:
    from flagstone.models.kinds import load_model
    from flagstone.models.scoring import score_texts, to_results

    if (args.text is None) == (args.input is None):
        args.parser.error("give either TEXT or --input FILE (not both)")
    if args.input is not None and not args.output:
        args.parser.error("--input needs --output OUT.jsonl")
    settings = args.settings.with_overrides(model_dir=args.model_dir)
    model = load_model(settings.model_dir)
    if args.input is not None:
        return _moderate_file(args, settings, model)
    try:
        text = _check_text({"text": args.text}, "text", settings)
    except ValueError as exc:
        raise DataError(str(exc).replace("'text'", "TEXT"), file="<command line>") from None
    (result,) = to_results(model.info, score_texts(model, [text], settings.max_chunks_per_input))
    print(json.dumps(asdict(result), ensure_ascii=False))
    return 0


def _positive(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("moderate", help="moderate a text, or a JSONL/CSV/Parquet file of texts",
                              description="Score text with the model; print or write OpenAI-shaped results.")
    p.add_argument("text", nargs="?", metavar="TEXT", help="one text to moderate (prints one JSON result)")
    p.add_argument("--input", metavar="FILE", help="a .jsonl, .csv or .parquet file with one text per row")
    p.add_argument("--output", metavar="OUT.jsonl", help="where to write one JSON result per row")
    p.add_argument("--text-field", default="text", help="field/column holding the text (default: text)")
    p.add_argument("--id-field", default="id", help="field/column copied to each result's id (default: id; "
                                                    "the row number when absent)")
    p.add_argument("--skip-bad", action="store_true", help="skip malformed rows instead of stopping")
    p.add_argument("--rejects", metavar="FILE", help="where skipped rows go (default: OUT.jsonl.rejects.jsonl)")
    p.add_argument("--model-dir", help="model artifact directory (default: the shipped model)")
    p.add_argument("--batch-size", type=_positive, default=64, help="texts per model call (default 64)")
    p.set_defaults(func=_moderate, parser=p)
