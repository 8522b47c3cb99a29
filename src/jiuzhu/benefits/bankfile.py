"""The bank disbursement file (CSV or fixed width) and the bank's return file.

Pure functions over plain rows, no database: docs/payments.md describes both formats byte
by byte. Encoding GB18030 (GB 18030-2022, the mandatory Chinese character set: a superset
of GBK that every Chinese bank's batch interface reads, and which encodes every Unicode
character, so no rare character in a name — 生僻字 — is lost; fixed-width fields are counted
in bytes, two for a common Hanzi). Lines end CRLF. Amounts are fen in the fixed format and
yuan with two decimals in CSV; the control total, the record count and a SHA-256 over the
detail records let the bank check the file.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

import polars as pl

from jiuzhu.rules.money import parse_yuan

ENCODING = "gb18030"
EOL = b"\r\n"
CSV_COLUMNS = (  # the detail columns of both formats, in file order
    "reference",
    "account_number",
    "account_name",
    "bank_name",
    "amount",  # decimal text, two places
    "category",
    "month",  # YYYY-MM
    "household",
)
RECORD_LENGTH = 160
RETURN_COLUMNS = ("reference", "account_number", "amount", "result", "reason", "bank_reference")
RESULTS = {"paid": "paid", "成功": "paid", "failed": "failed", "失败": "failed"}


class Line(NamedTuple):
    """One payment as the bank sees it (a fixed-width record)."""

    reference: str  # P + payment id, 12 digits
    account_number: str
    account_name: str
    bank_name: str
    amount: Decimal
    category: str
    month: str  # YYYY-MM
    household: str


@dataclass(frozen=True)
class Header:
    batch_id: int
    county: str
    month: str  # YYYY-MM


def reference_of(payment_id: int) -> str:
    return f"P{payment_id:012d}"


def fen(amount: Decimal) -> int:
    return int((amount * 100).to_integral_exact())


def _fit(text: str, width: int) -> bytes:
    """Left-aligned, space-padded to `width` bytes; cut at a whole character."""
    whole = text.encode(ENCODING)
    if len(whole) <= width:
        return whole.ljust(width)
    out = b""
    for char in text:
        encoded = char.encode(ENCODING)
        if len(out) + len(encoded) > width:
            break
        out += encoded
    return out + b" " * (width - len(out))


def _number(value: int, width: int) -> bytes:
    text = f"{value:0{width}d}"
    if len(text) != width:
        raise ValueError(f"{value} does not fit {width} digits")
    return text.encode("ascii")


def fixed_detail(line: Line) -> bytes:
    record = (
        b"D"
        + _fit(line.reference, 20)
        + _fit(line.account_number, 30)
        + _fit(line.account_name, 40)
        + _number(fen(line.amount), 12)
        + _fit(line.category, 16)
        + line.month.replace("-", "").encode("ascii")
        + b" " * 35
    )
    assert len(record) == RECORD_LENGTH
    return record


def fixed_file(header: Header, details: pl.DataFrame) -> bytes:
    """The fixed-width file of `details` (CSV_COLUMNS, in file order)."""
    lines = [
        Line(ref, number, name, bank, Decimal(amount), category, month, household)
        for ref, number, name, bank, amount, category, month, household in details.select(
            CSV_COLUMNS
        ).iter_rows()
    ]
    records = [fixed_detail(line) + EOL for line in lines]
    digest = hashlib.sha256(b"".join(records)).hexdigest()
    head = (
        b"H"
        + _number(header.batch_id, 12)
        + header.county.encode("ascii")[:6].ljust(6)
        + header.month.replace("-", "").encode("ascii")
        + _number(len(lines), 8)
        + _number(sum(fen(line.amount) for line in lines), 18)
        + digest.encode("ascii")
    )
    head += b" " * (RECORD_LENGTH - len(head))
    return head + EOL + b"".join(records)


def _csv_line(values: list[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(values)
    return buffer.getvalue().encode(ENCODING)


def csv_file(header: Header, details: pl.DataFrame) -> bytes:
    """The CSV file of `details` (CSV_COLUMNS, in file order). The detail lines are
    written by Polars at once, byte for byte what Python's csv module writes (minimal
    quoting; an empty text is written as nothing, which Polars does for a null), and
    encoded at once (GB18030 is stateless: the bytes are those of each line apart)."""
    body = details.select(
        pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in CSV_COLUMNS
    )
    text = body.write_csv(
        include_header=False, line_terminator="\r\n", quote_style="necessary", null_value=""
    )
    records = text.encode(ENCODING)
    digest = hashlib.sha256(records).hexdigest()
    total = sum((Decimal(a) for a in details["amount"].to_list()), Decimal("0.00"))
    trailer = _csv_line(["TOTAL", str(details.height), "", "", f"{total:.2f}", "", "", digest])
    return _csv_line(list(CSV_COLUMNS)) + records + trailer


@dataclass(frozen=True)
class ReturnLine:
    line: int  # 1-based line number in the file (the header is line 1)
    reference: str
    account_number: str
    amount: Decimal
    result: str  # paid | failed
    reason: str
    bank_reference: str


class ReturnFileError(ValueError):
    """The return file as a whole is unreadable: nothing is applied."""


def parse_return(content: bytes | str) -> list[ReturnLine]:
    """The bank's return file: CSV (GB18030 or UTF-8 with or without BOM) with the header
    `reference,account_number,amount,result,reason,bank_reference`. A bad line refuses the
    file (a half-read return file would leave payments in doubt)."""
    if isinstance(content, bytes):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = content.decode(ENCODING)
            except UnicodeDecodeError:
                raise ReturnFileError("not GB18030 or UTF-8 text") from None
    else:
        text = content.lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or tuple(c.strip() for c in rows[0]) != RETURN_COLUMNS:
        raise ReturnFileError("the first line must be " + ",".join(RETURN_COLUMNS))
    out = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(RETURN_COLUMNS):
            raise ReturnFileError(f"line {number}: {len(RETURN_COLUMNS)} fields expected")
        reference, account, raw_amount, result, reason, bank_ref = (c.strip() for c in row)
        try:  # the one amount parser: finite, no exponent, in range, two places at most
            amount = parse_yuan(raw_amount)
        except ValueError:
            raise ReturnFileError(f"line {number}: amount") from None
        if result not in RESULTS:
            raise ReturnFileError(f"line {number}: result must be paid or failed")
        out.append(
            ReturnLine(
                number, reference, account, amount, RESULTS[result], reason[:200], bank_ref[:64]
            )
        )
    return out
