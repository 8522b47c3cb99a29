"""Blocks of whole lines of a JSON Lines file, read and parsed by pyarrow ahead of the reader.

A thread cuts the file into runs of whole lines (about BLOCK_BYTES each, never across a
boundary of the reader's chunks) and hands each to a small pool of parsing threads; the
consumer takes the blocks in file order. pyarrow parses without the GIL, so on two cores the
parsing of the next blocks runs beside the checks and the engine's run on the chunk before.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import struct
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from jiuzhu.rules.jsonrows import ARROW_SCHEMA

BLOCK_BYTES = 16 << 20
AHEAD = 24  # blocks read (and parsed, or being parsed) ahead of the consumer
PARSERS = max(1, min(4, os.cpu_count() or 1))  # threads parsing blocks side by side
# a number with an exponent: pyarrow would read "1e2" as 100, the model refuses an amount
# written so (money.parse_yuan); lines that hold one go to the model
EXPONENT = r"[0-9.][eE][+-]?[0-9]"
_EXPONENT = re.compile(EXPONENT.encode())
_PARSE = pj.ParseOptions(explicit_schema=ARROW_SCHEMA, unexpected_field_behavior="ignore")


def has_exponent(data: bytes | memoryview) -> bool:
    """Whether the text matches EXPONENT: by RE2 over a block (Python's re scanned one as
    slowly as pyarrow parses it, holding the GIL), by re over a line."""
    if len(data) < 4096:
        return _EXPONENT.search(data) is not None
    text = pa.py_buffer(data)
    offsets = pa.py_buffer(struct.pack("<qq", 0, len(data)))
    one = pa.LargeBinaryArray.from_buffers(pa.large_binary(), 1, [None, offsets, text])
    return bool(pc.match_substring_regex(one, EXPONENT)[0].as_py())


def parse(data: bytes | memoryview, lines: int, *, ascii: bool = False) -> pa.Table | None:
    """The table of `lines` lines, each one object, or None when pyarrow cannot take them all
    (or the rows do not match the lines one to one: blank lines, two objects on a line)."""
    # the whole block as one piece, on the calling thread: pyarrow's own threads on 1 MiB
    # pieces are slower, and only contend with the parsing threads and the engine
    whole = pj.ReadOptions(use_threads=False, block_size=max(len(data), 1))
    try:
        table = pj.read_json(pa.py_buffer(data), read_options=whole, parse_options=_PARSE)
        if not ascii:
            table.validate(full=True)  # the reader does not check UTF-8 inside strings
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return table if table.num_rows == lines else None


@dataclass
class Block:
    """A run of whole lines: parsed (`table`), or its `text` when pyarrow could not."""

    first: int
    offset: int
    length: int
    lines: int
    table: pa.Table | None
    text: bytes = b""


def _block(first: int, offset: int, data: memoryview, lines: int, objects: bool) -> Block:
    ascii = isinstance(data.obj, bytes) and data.obj.isascii()
    plain = objects and not has_exponent(data)
    table = parse(data, lines, ascii=ascii) if plain else None
    text = b"" if table is not None else bytes(data)
    return Block(first, offset, len(data), lines, table, text)


class Ahead:
    """The blocks of a file in order, read by a thread and parsed by PARSERS more."""

    def __init__(self, path: Path, size: int) -> None:
        self.queue: queue.Queue[Future[Block] | BaseException | None] = queue.Queue(AHEAD)
        self.stop = threading.Event()
        self.pool = ThreadPoolExecutor(PARSERS, thread_name_prefix="jsonl-parse")
        self.thread = threading.Thread(target=self._run, args=(path, size), daemon=True)

    def __enter__(self) -> Iterator[Block]:
        self.thread.start()
        return self._take()

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        while self.thread.is_alive():  # unblock a producer waiting for room
            with contextlib.suppress(queue.Empty):
                self.queue.get(timeout=0.05)
        self.thread.join()
        self.pool.shutdown(wait=True, cancel_futures=True)

    def _take(self) -> Iterator[Block]:
        while (item := self.queue.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item.result()

    def _run(self, path: Path, size: int) -> None:
        try:
            with path.open("rb") as handle:
                for piece in _blocks(handle, size):
                    if not self._put(self.pool.submit(_block, *piece)):
                        return
            self._put(None)
        except BaseException as exc:  # handed to the consumer, raised there
            self._put(exc)

    def _put(self, item: Future[Block] | BaseException | None) -> bool:
        while not self.stop.is_set():
            try:
                self.queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False


def _blocks(handle: BinaryIO, size: int) -> Iterator[tuple[int, int, memoryview, int, bool]]:
    """(first line number, offset, bytes, lines, whether every line starts with `{`) of runs of
    whole lines, about BLOCK_BYTES each, never crossing a boundary of `size` lines. The text
    is read once: a block ends at a newline and the next read starts after it."""
    offset, first, in_chunk = 0, 1, 0
    while True:
        handle.seek(offset)
        want = BLOCK_BYTES
        data = handle.read(want)
        while len(data) == want and data.rfind(b"\n") < 0:  # a line longer than a block
            want *= 2
            handle.seek(offset)
            data = handle.read(want)
        if not data:
            return
        cut = len(data) if len(data) < want else data.rfind(b"\n") + 1
        cut, lines, objects = _lines(data, cut, size - in_chunk)
        yield first, offset, memoryview(data)[:cut], lines, objects
        offset, first = offset + cut, first + lines
        in_chunk = (in_chunk + lines) % size


def _lines(data: bytes, cut: int, room: int) -> tuple[int, int, bool]:
    """(end, lines, every line starts with `{`) of at most `room` lines of data[:cut]: one
    memchr per line, as fast as counting the newlines alone."""
    find = data.find
    pos, lines, objects = 0, 0, data[0] == 0x7B
    while lines < room and pos < cut:
        newline = find(b"\n", pos, cut)
        lines += 1
        pos = cut if newline < 0 else newline + 1
        if lines < room and pos < cut and data[pos] != 0x7B:
            objects = False
    return pos, lines, objects
