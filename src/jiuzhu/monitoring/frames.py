"""Reads of the monitoring scan: a SQL query's rows as a typed Polars frame
(`jiuzhu.db.sql_frame`: COPY on PostgreSQL, a cursor on SQLite; dates ISO, money as
Decimal, never float)."""

from __future__ import annotations

from typing import Any

from jiuzhu.db import sql_frame as read_frame
from jiuzhu.db import sql_frames as read_frames

__all__ = ["in_list", "read_frame", "read_frames"]


def in_list(values: list[Any]) -> str:
    """`%s, %s, …` for a SQL IN list of these values (at least one placeholder)."""
    return ", ".join(["%s"] * max(len(values), 1))
