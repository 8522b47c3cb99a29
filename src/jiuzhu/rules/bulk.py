"""Bulk evaluation of a caseload file, in chunks: JSON Lines (jsonlines.py) or Parquet
(parquet.py), both read and validated column-wise.

Every chunk gives a Caseload plus the households that could not be read, each with its line
and reason; a bad household never stops the others. Decisions are appended to one Parquet
file chunk by chunk, so memory stays bounded whatever the caseload's size.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq

from jiuzhu.rules.caseload import RowError, from_households
from jiuzhu.rules.engine import Caseload
from jiuzhu.rules.evaluate import Evaluator
from jiuzhu.rules.jsonlines import Chunk, JsonLinesReader, jsonl_chunks
from jiuzhu.rules.parquet import caseload_from_frame, open_parquet, parquet_chunks
from jiuzhu.rules.regions import RegionTable

DEFAULT_CHUNK = 500_000
# JSON Lines: a quarter, as the parsed blocks ahead of a chunk (jsonblocks.AHEAD, parsed side
# by side) are held while it is evaluated; a smaller chunk also waits less for the first
DEFAULT_JSONL_CHUNK = 125_000


def read_jsonl(path: Path, regions: RegionTable) -> Chunk:
    """Every household of a JSON Lines file at once."""
    chunks = list(jsonl_chunks(path, regions, size=10**12))
    return chunks[0] if chunks else (from_households([], regions), np.zeros(0, np.int64), [])


class InputFile:
    """A caseload file by its suffix (.parquet/.pq, else JSON Lines) and how far it is read:
    `done` of `total` households for Parquet, bytes for JSON Lines (whose count of households
    is only known once read)."""

    def __init__(self, path: Path, regions: RegionTable) -> None:
        self.path = path
        self.regions = regions
        self.parquet = path.suffix.lower() in (".parquet", ".pq")
        self.total = _parquet_rows(path) if self.parquet else path.stat().st_size
        self.default_chunk = DEFAULT_CHUNK if self.parquet else DEFAULT_JSONL_CHUNK
        self.done = 0

    def chunks(self, size: int) -> Iterator[Chunk]:
        if self.parquet:
            for frame, first_line in parquet_chunks(self.path, size):
                chunk = caseload_from_frame(frame, self.regions, first_line)
                self.done = first_line - 1 + frame.height
                del frame  # keep only the typed columns while the chunk is evaluated
                yield chunk
        else:
            reader = JsonLinesReader(self.path, self.regions)
            for chunk in reader.chunks(size):
                self.done = reader.position
                yield chunk


def input_chunks(path: Path, regions: RegionTable, size: int) -> Iterator[Chunk]:
    """Chunks of a caseload file, by its suffix: .parquet/.pq or JSON Lines."""
    yield from InputFile(path, regions).chunks(size)


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
    chunk: int | None = None,
    on_chunk: Callable[[int], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> BulkSummary:
    """Evaluate a caseload file into a Parquet file of decisions and a CSV of errors.

    Decisions are held in memory up to FLUSH_ROWS, then written as a part file; parts are
    streamed into the one output at the end. The output appears whole or not at all.
    `chunk` households are read at a time (default: the input's `default_chunk`).
    `on_chunk` gets the households of each chunk; `on_progress` the households so far and
    how much of the input is read (InputFile.done)."""
    summary = BulkSummary()
    source_file = InputFile(source, evaluator.regions)
    out.parent.mkdir(parents=True, exist_ok=True)
    pending: list[pl.DataFrame] = []
    parts: list[Path] = []
    held = 0
    try:
        for caseload, lines, bad in source_file.chunks(chunk or source_file.default_chunk):
            done = caseload.size("household") + len(bad)
            if caseload.size("household"):  # a chunk of only bad lines has nothing to decide
                frame, more_bad = evaluator.evaluate_caseload(caseload, as_of, lines=lines)
                del caseload
                pending.append(frame)
                held += frame.height
                if held >= FLUSH_ROWS:
                    parts.append(_flush(out, pending, len(parts)))
                    pending, held = [], 0
                summary.evaluated += frame.height
                bad = bad + more_bad
            summary.errors.extend(bad)
            summary.households += done
            _report(on_chunk, on_progress, done, summary, source_file)
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


def _report(
    on_chunk: Callable[[int], None] | None,
    on_progress: Callable[[int, int], None] | None,
    done: int,
    summary: BulkSummary,
    source: InputFile,
) -> None:
    if on_chunk is not None:
        on_chunk(done)
    if on_progress is not None:
        on_progress(summary.households, source.done)


def _flush(out: Path, frames: list[pl.DataFrame], number: int) -> Path:
    part = out.with_name(f"{out.name}.part{number:04d}")
    pl.concat(frames).write_parquet(part)
    return part


def _empty(evaluator: Evaluator) -> Caseload:
    return from_households([], evaluator.regions)


def _parquet_rows(path: Path) -> int:
    return int(open_parquet(path).select(pl.len()).collect().item())


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
