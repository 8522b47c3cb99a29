"""Every entry point reads through the scoped managers (SECURITY.md 1; issue 16 item 5): no
router, page view or template tag queries `unscoped` or opens a cursor of its own, so what
a user may see is decided in the data layer alone, never by a view."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "jiuzhu"
FORBIDDEN = re.compile(r"\.unscoped\b|connection\.cursor\(|\.raw\(")


def entry_points() -> list[Path]:
    files = [*(SRC / "api" / "routers").glob("*.py"), *(SRC / "web").rglob("*.py")]
    files += [*(SRC / "portal").rglob("*.py")]
    files += [p for p in SRC.rglob("*.py") if p.name == "views.py" or p.name.endswith("_views.py")]
    return sorted({p for p in files if "migrations" not in p.parts})


def test_the_entry_points_are_found() -> None:
    names = {p.relative_to(SRC).as_posix() for p in entry_points()}
    assert {"api/routers/monitoring.py", "cases/views.py", "monitoring/hotline_views.py"} <= names


def test_no_entry_point_reads_around_the_area_scope() -> None:
    found = [
        f"{path.relative_to(SRC)}:{number}: {line.strip()}"
        for path in entry_points()
        for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1)
        if FORBIDDEN.search(line)
    ]
    assert found == []
