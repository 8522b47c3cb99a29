"""Bulk evaluation of a caseload file, in chunks: JSON Lines (validated per household with
the Pydantic model) or Parquet (validated column-wise, see parquet.py).

Every chunk gives a Caseload plus the households that could not be read, each with its line
and reason; a bad household never stops the others. Decisions are appended to one Parquet
file chunk by chunk, so memory stays bounded whatever the caseload's size.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq

from jiuzhu.rules.caseload import RowError, from_households
from jiuzhu.rules.engine import Caseload
from jiuzhu.rules.errors import InputError
from jiuzhu.rules.evaluate import Evaluator
from jiuzhu.rules.household import Household, parse_household
from jiuzhu.rules.parquet import caseload_from_frame, parquet_chunks
from jiuzhu.rules.regions import RegionTable, UnknownRegion

DEFAULT_CHUNK = 500_000
Chunk = tuple[Caseload, np.ndarray, list[RowError]]


def _reason(exc: InputError) -> str:
    return f"{exc.field}: {exc.reason}" if exc.field else exc.reason


def jsonl_chunks(path: Path, regions: RegionTable, size: int) -> Iterator[Chunk]:
    """Households from JSON Lines, `size` lines at a time: caseload, line numbers, errors."""
    good: list[Household] = []
    lines: list[int] = []
    errors: list[RowError] = []
    with path.open("r", encoding="utf-8") as handle:
        for number, text in enumerate(handle, start=1):
            if text.strip():
                _read_line(number, text, regions, good, lines, errors)
            if number % size == 0:
                yield from_households(good, regions), np.asarray(lines, dtype=np.int64), errors
                good, lines, errors = [], [], []
    if good or errors:
        yield from_households(good, regions), np.asarray(lines, dtype=np.int64), errors


def _read_line(
    number: int,
    text: str,
    regions: RegionTable,
    good: list[Household],
    lines: list[int],
    errors: list[RowError],
) -> None:
    try:
        raw = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        errors.append(RowError(number, None, f"not valid JSON: {exc.msg}"))
        return
    try:
        household = parse_household(raw)
        regions.leaf_of(household.region)
    except InputError as exc:
        errors.append(RowError(number, exc.ref, _reason(exc)))
        return
    except UnknownRegion as exc:
        errors.append(RowError(number, household.ref, f"region: {exc}"))
        return
    good.append(household)
    lines.append(number)


def read_jsonl(path: Path, regions: RegionTable) -> Chunk:
    """Every household of a JSON Lines file at once."""
    chunks = list(jsonl_chunks(path, regions, size=10**12))
    return chunks[0] if chunks else (from_households([], regions), np.zeros(0, np.int64), [])


def input_chunks(path: Path, regions: RegionTable, size: int) -> Iterator[Chunk]:
    """Chunks of a caseload file, by its suffix: .parquet/.pq or JSON Lines."""
    if path.suffix.lower() in (".parquet", ".pq"):
        for frame, first_line in parquet_chunks(path, size):
            chunk = caseload_from_frame(frame, regions, first_line)
            del frame  # keep only the typed columns while the chunk is evaluated
            yield chunk
    else:
        yield from jsonl_chunks(path, regions, size)


@dataclass
class BulkSummary:
    """What a bulk run did, printed as JSON by the CLI."""

    households: int = 0
    evaluated: int = 0
    errors: list[RowError] = field(default_factory=list)


def run_bulk(
    evaluator: Evaluator,
    source: Path,
    out: Path,
    errors_path: Path,
    as_of: dt.date,
    *,
    chunk: int = DEFAULT_CHUNK,
    on_chunk: Callable[[int], None] | None = None,
) -> BulkSummary:
    """Evaluate a caseload file into a Parquet file of decisions and a CSV of errors.

    Decisions are held in memory up to FLUSH_ROWS, then written as a part file; parts are
    streamed into the one output at the end. The output appears whole or not at all."""
    summary = BulkSummary()
    out.parent.mkdir(parents=True, exist_ok=True)
    pending: list[pl.DataFrame] = []
    parts: list[Path] = []
    held = 0
    try:
        for caseload, lines, bad in input_chunks(source, evaluator.regions, chunk):
            frame, more_bad = evaluator.evaluate_caseload(caseload, as_of, lines=lines)
            del caseload
            pending.append(frame)
            held += frame.height
            if held >= FLUSH_ROWS:
                parts.append(_flush(out, pending, len(parts)))
                pending, held = [], 0
            summary.evaluated += frame.height
            summary.errors.extend(bad + more_bad)
            done = frame.height + len(bad) + len(more_bad)
            summary.households += done
            if on_chunk is not None:
                on_chunk(done)
        if not pending and not parts:  # an empty input still gives an (empty) decisions file
            pending.append(evaluator.evaluate_caseload(_empty(evaluator), as_of)[0])
        partial = out.with_name(out.name + ".partial")
        if parts:
            if pending:
                parts.append(_flush(out, pending, len(parts)))
            pl.scan_parquet(parts).sink_parquet(partial)
        else:
            pl.concat(pending).write_parquet(partial)
        partial.replace(out)
    finally:
        for part in parts:
            part.unlink(missing_ok=True)
    summary.errors.sort(key=lambda e: e.line)
    write_errors(errors_path, summary.errors)
    return summary


FLUSH_ROWS = 2_000_000


def _flush(out: Path, frames: list[pl.DataFrame], number: int) -> Path:
    part = out.with_name(f"{out.name}.part{number:04d}")
    pl.concat(frames).write_parquet(part)
    return part


def _empty(evaluator: Evaluator) -> Caseload:
    return from_households([], evaluator.regions)


def count_households(path: Path) -> int | None:
    """The number of households in a Parquet file (None for JSON Lines: unknown upfront)."""
    if path.suffix.lower() in (".parquet", ".pq"):
        return int(pq.ParquetFile(path).metadata.num_rows)
    return None


def write_errors(path: Path, errors: list[RowError]) -> None:
    """The errors file of a bulk run: CSV with line, ref and reason."""
    frame = pl.DataFrame(
        {
            "line": [e.line for e in errors],
            "ref": [e.ref for e in errors],
            "reason": [e.reason for e in errors],
        },
        schema={"line": pl.Int64, "ref": pl.String, "reason": pl.String},
    )
    frame.write_csv(path)
