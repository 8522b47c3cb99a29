"""Scoped queries compiled once, run with a plain cursor (PostgreSQL hot reads).

On the busiest reads, building the SQL of a queryset each time cost more than running it
(docs/benchmarks.md). `CompiledQuery` builds the queryset through the scoped managers, so
the area filter is the one of scope.py, compiles it once per area, and afterwards only
substitutes the arguments. Arguments are marked with sentinel values when compiling; a query
whose parameters do not contain each sentinel is refused at compile time.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from jiuzhu.regions.scope import current_scope

# distinct, impossible values standing for the arguments while compiling, by type
SENTINELS: dict[type, tuple[Any, ...]] = {
    int: (-918_273_645, -918_273_646, -918_273_647),
    dt.date: (dt.date(1111, 1, 11), dt.date(1111, 2, 22), dt.date(1111, 3, 13)),
}


class CompiledQuery:
    """`build(*args)` returns a scoped `values()` queryset; `rows(*args)` runs it."""

    def __init__(self, build: Callable[..., QuerySet[Any]], *types: type) -> None:
        used: dict[type, int] = {}
        self.sentinels = []
        for kind in types:
            self.sentinels.append(SENTINELS[kind][used.get(kind, 0)])
            used[kind] = used.get(kind, 0) + 1
        self.build = build
        self._cache: dict[str | None, tuple[str, list[Any], list[list[int]], list[str]]] = {}
        self._lock = threading.Lock()

    def _compile(self) -> tuple[str, list[Any], list[list[int]], list[str]]:
        queryset = self.build(*self.sentinels)
        sql, raw_params = queryset.query.sql_with_params()
        params: list[Any] = list(raw_params)
        positions = []
        for sentinel in self.sentinels:
            found = [i for i, p in enumerate(params) if p == sentinel]
            if not found:
                raise ValueError(f"argument {sentinel} does not appear in the query")
            positions.append(found)
        columns = [
            str(c) for c in (*queryset.query.values_select, *queryset.query.annotation_select)
        ]
        return sql, params, positions, columns

    def rows(self, *args: Any) -> list[dict[str, Any]]:
        """The rows as dicts; on other databases than PostgreSQL, the ORM as usual."""
        if connection.vendor != "postgresql":
            return list(self.build(*args))
        scope = current_scope()
        if scope is None:
            return []
        key = scope.prefix
        compiled = self._cache.get(key)
        if compiled is None:
            with self._lock:
                compiled = self._cache.setdefault(key, self._compile())
        sql, template, positions, columns = compiled
        params = list(template)
        for places, value in zip(positions, args, strict=True):
            for place in places:
                params[place] = value
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
