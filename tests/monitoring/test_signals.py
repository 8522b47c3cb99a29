"""The signal kinds' record schemas: docs/monitoring.md shows exactly the declarations, and
every kind stores a kind column, its date and (where it has one) its amount."""

from __future__ import annotations

from pathlib import Path

from jiuzhu.monitoring.signals import SIGNALS_LIST, signals_markdown
from jiuzhu.verification.sources import SOURCES, Column

DOC = Path(__file__).parents[2] / "docs" / "monitoring.md"


def test_docs_monitoring_shows_the_declared_record_schemas() -> None:
    assert signals_markdown() in DOC.read_text("utf-8")


def test_every_kind_names_a_person_a_kind_and_a_date() -> None:
    for kind in SIGNALS_LIST:
        assert kind.column(Column.ID) is not None, kind.code
        assert kind.column(Column.KIND) is not None, kind.code
        assert kind.column(Column.OCCURRED_ON) is not None, kind.code
        assert kind.code not in SOURCES  # never read as verification data
