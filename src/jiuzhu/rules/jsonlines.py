"""JSON Lines households read column-wise: pyarrow's JSON reader, the model only for the rest.

Blocks of whole lines are parsed by pyarrow with the household schema (jsonrows.py), ahead of
the reader and side by side (jsonblocks.py), and validated by the Parquet path's column checks
(parquet.py). Amounts are read as decimal(18, 2) from the text of the number or string itself,
never through float. A line pyarrow cannot take (malformed JSON, a string where a number
belongs, three decimals, …) makes its block fail: the block is halved until those lines are
found. They, and every line the column checks flag
(with `strict`: also what only the model can judge), then go through the Pydantic model one by
one exactly as before this reader existed, so an error row has the same line and reason, and
a lenient form the model accepts (`"grade": "2"`, `"landless": "true"`) is still accepted.
The column path only accepts what the model accepts, with the same values.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import polars as pl
import pyarrow as pa

from jiuzhu.rules.caseload import RowError, from_households
from jiuzhu.rules.engine import Caseload
from jiuzhu.rules.errors import InputError
from jiuzhu.rules.household import Household, parse_household
from jiuzhu.rules.jsonblocks import Ahead, Block, has_exponent, parse
from jiuzhu.rules.jsonrows import ARROW_SCHEMA, arrow_row, check_size
from jiuzhu.rules.parquet import caseload_from_frame
from jiuzhu.rules.regions import RegionTable, UnknownRegion

Chunk = tuple[Caseload, np.ndarray, list[RowError]]

SMALL = 16  # a failing run of lines this short is read line by line
JSON_SPACE = b" \t\r"


@dataclass
class _Pieces:
    """What the lines of one chunk gave: parsed tables, households from the model, errors."""

    tables: list[pa.Table] = field(default_factory=list)
    lines: list[np.ndarray] = field(default_factory=list)
    models: list[tuple[int, Household]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    spans: list[tuple[int, int, int]] = field(default_factory=list)  # first line, offset, bytes

    def read_lines(self, texts: list[tuple[int, bytes]], regions: RegionTable) -> None:
        for number, text in texts:
            household = read_line(number, text, regions, self.errors)
            if household is not None:
                self.models.append((number, household))

    def add_run(self, texts: list[tuple[int, bytes]], regions: RegionTable) -> None:
        """Lines that each start with `{`: parsed at once, else halved, else one by one."""
        if len(texts) <= SMALL:
            self.read_lines(texts, regions)
            return
        table = parse(b"\n".join(t for _, t in texts), len(texts))
        if table is not None:
            self.tables.append(table)
            self.lines.append(np.fromiter((n for n, _ in texts), np.int64, len(texts)))
            return
        half = len(texts) // 2
        self.add_run(texts[:half], regions)
        self.add_run(texts[half:], regions)


def read_line(
    number: int, text: bytes, regions: RegionTable, errors: list[RowError]
) -> Household | None:
    """One line through the model: the household, or None with its error row added (a blank
    line gives neither)."""
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError as exc:
        errors.append(RowError(number, None, f"not valid UTF-8: {exc.reason}"))
        return None
    if not decoded.strip():
        return None
    try:
        raw = json.loads(decoded, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        errors.append(RowError(number, None, f"not valid JSON: {exc.msg}"))
        return None
    except RecursionError:
        errors.append(RowError(number, None, "not valid JSON: nested too deeply"))
        return None
    try:
        household = parse_household(raw)
        regions.leaf_of(household.region)
        check_size(household)
    except InputError as exc:
        errors.append(
            RowError(number, exc.ref, f"{exc.field}: {exc.reason}" if exc.field else exc.reason)
        )
        return None
    except UnknownRegion as exc:
        errors.append(RowError(number, household.ref, f"region: {exc}"))
        return None
    except (ArithmeticError, RecursionError) as exc:  # e.g. 1e999999 as an amount
        errors.append(RowError(number, _ref(raw), f"not a usable value: {type(exc).__name__}"))
        return None
    return household


def _ref(raw: Any) -> str | None:
    ref = raw.get("ref") if isinstance(raw, dict) else None
    return ref if isinstance(ref, str) and ref else None


class JsonLinesReader:
    """Chunks of households from a JSON Lines file; `position` is the bytes read so far."""

    def __init__(self, path: Path, regions: RegionTable) -> None:
        self.path = path
        self.regions = regions
        self.position = 0

    def chunks(self, size: int) -> Iterator[Chunk]:
        """`size` lines at a time (blank and bad lines count): caseload, line numbers, errors.

        Threads read and parse the blocks ahead (jsonblocks.py; pyarrow releases the GIL), so
        parsing overlaps the checks and the engine's run on the chunk before; they stay at
        most AHEAD blocks ahead, which bounds the memory they hold."""
        with self.path.open("rb") as handle, Ahead(self.path, size) as blocks:
            pieces = _Pieces()
            in_chunk = 0
            for block in blocks:
                pieces.spans.append((block.first, block.offset, block.length))
                if block.table is not None:
                    pieces.tables.append(block.table)
                    pieces.lines.append(np.arange(block.first, block.first + block.lines))
                else:
                    self._read_slowly(block, pieces)
                in_chunk += block.lines
                self.position = block.offset + block.length
                if in_chunk == size:
                    chunk = self._finish(pieces, handle)
                    pieces, in_chunk = _Pieces(), 0  # the parsed tables go before the engine runs
                    yield chunk
            if in_chunk:
                chunk = self._finish(pieces, handle)
                del pieces
                yield chunk

    def _read_slowly(self, block: Block, pieces: _Pieces) -> None:
        """A block pyarrow could not take whole (or not one row per line): its lines that
        start with `{` are parsed in halves, the others read by the model one by one."""
        starting: list[tuple[int, bytes]] = []
        others: list[tuple[int, bytes]] = []
        for number, text in enumerate(block.text.split(b"\n")[: block.lines], start=block.first):
            bare = text.strip(JSON_SPACE)
            whole = bare[:1] == b"{" and not has_exponent(bare)
            (starting if whole else others).append((number, bare or text))
        pieces.read_lines(others, self.regions)
        pieces.add_run(starting, self.regions)

    def _finish(self, pieces: _Pieces, handle: BinaryIO, *, again: bool = True) -> Chunk:
        tables, numbers = list(pieces.tables), list(pieces.lines)
        if pieces.models:
            models = [arrow_row(h) for _, h in pieces.models]
            tables.append(pa.Table.from_pylist(models, schema=ARROW_SCHEMA))
            numbers.append(np.array([n for n, _ in pieces.models], dtype=np.int64))
        errors = pieces.errors
        if not tables:
            return from_households([], self.regions), np.zeros(0, np.int64), _by_line(errors)
        table = pa.concat_tables(tables)
        line = np.concatenate(numbers)
        if pieces.models:
            order = np.argsort(line, kind="stable")
            table, line = table.take(order), line[order]
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        caseload, kept, bad = caseload_from_frame(frame, self.regions, first_line=0, strict=True)
        del frame
        if not bad:
            return caseload, line[kept], _by_line(errors)
        if not again:  # the model accepted these lines but the columns did not: keep the reason
            errors += [RowError(int(line[e.line]), e.ref, e.reason) for e in bad]
            return caseload, line[kept], _by_line(errors)
        retry = _Pieces(errors=errors)
        retry.read_lines(
            _reread(handle, pieces.spans, [int(line[e.line]) for e in bad]), self.regions
        )
        if not retry.models:
            return caseload, line[kept], _by_line(errors)
        retry.tables = [table.take(kept)]
        retry.lines = [line[kept]]
        return self._finish(retry, handle, again=False)


def _by_line(errors: list[RowError]) -> list[RowError]:
    return sorted(errors, key=lambda e: e.line)


def _reread(
    handle: BinaryIO, spans: list[tuple[int, int, int]], numbers: list[int]
) -> list[tuple[int, bytes]]:
    """The text of the given lines (sorted), read again from the blocks that hold them."""
    firsts = [first for first, _, _ in spans]
    out: list[tuple[int, bytes]] = []
    cached: tuple[int, list[bytes]] = (-1, [])
    for number in numbers:
        index = bisect.bisect_right(firsts, number) - 1
        if cached[0] != index:
            _, offset, length = spans[index]
            handle.seek(offset)
            cached = (index, handle.read(length).split(b"\n"))
        out.append((number, cached[1][number - spans[index][0]]))
    return out


def jsonl_chunks(path: Path, regions: RegionTable, size: int) -> Iterator[Chunk]:
    """Households from JSON Lines, `size` lines at a time: caseload, line numbers, errors."""
    yield from JsonLinesReader(path, regions).chunks(size)
