"""`jiuzhu monitor`: importing a signal file (row errors with line and reason), the scan's
JSON contract (docs/cli.md), escalation, and argument validation — a bad date, an unknown
kind or region exits 2 with a clear line and writes nothing."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from jiuzhu.audit.models import AuditEvent
from jiuzhu.cli.main import app
from jiuzhu.monitoring.models import RiskWarning, Task
from jiuzhu.verification.models import DepartmentRecord, SourceBatch
from tests.factories import members
from tests.monitoring.conftest import id_of, registered

runner = CliRunner()


@pytest.fixture
def cli_db(transactional_db: None, settings: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI calls django.setup() again: harmless, the test database stays."""
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "jiuzhu.config.settings.test")


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_kinds_lists_every_signal_kind() -> None:
    result = runner.invoke(app, ["monitor", "kinds", "--json"])
    assert result.exit_code == 0
    assert [k["code"] for k in json.loads(result.stdout)][:2] == ["medical_expense", "unemployment"]


def test_import_then_scan_then_escalate(tmp_path: Path, cli_db: None, caseworker: Any) -> None:
    household = registered(caseworker, "440104001001", "dibao", wages=["2000"])
    good = {
        "id_number": id_of(members(household)[0]),
        "care": "inpatient",
        "out_of_pocket": "6200.50",
        "settled_on": "2026-02-20",
    }
    bad = {**good, "id_number": "4401041980030100", "out_of_pocket": "12.345"}
    path = write_csv(tmp_path / "medical.csv", [good, bad])
    args = ["monitor", "import", "medical_expense", str(path), "--as-of", "2026-03-01"]
    result = runner.invoke(app, [*args, "--json", "--quiet"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["rows_ok"], summary["rows_bad"]) == (1, 1)
    assert {(e["line"], e["field"]) for e in summary["errors"]} == {
        (3, "id_number"),
        (3, "out_of_pocket"),
    }
    assert "4401041980030100" not in result.stdout  # reasons never echo the value

    scan = runner.invoke(app, ["monitor", "scan", "--as-of", "2026-03-02", "--json", "--quiet"])
    assert scan.exit_code == 0, scan.output
    data = json.loads(scan.stdout)
    assert data["new_warnings"] >= 1 and data["by_kind"]["medical"] == 1
    warning = next(w for w in data["warnings"] if w["kind"] == "medical")
    assert (warning["rule"], warning["level"], warning["amount"]) == ("M-02", "yellow", "6200.50")
    assert warning["task"]["assigned_area"] == "440104001001"
    assert warning["task"]["due_on"] == "2026-03-09"
    assert set(warning) == {"id", "household_id", "region_code", "kind", "rule", "level",
                            "category", "amount", "signal_ids", "evidence", "task"}  # fmt: skip
    assert set(warning["task"]) == {"id", "assigned_level", "assigned_area", "due_on"}
    assert warning["signal_ids"] and all(isinstance(i, int) for i in warning["signal_ids"])
    assert isinstance(warning["evidence"], dict) and warning["evidence"]
    again = json.loads(
        runner.invoke(app, ["monitor", "scan", "--as-of", "2026-03-02", "--json", "--quiet"]).stdout
    )
    assert again["new_warnings"] == 0

    escalated = runner.invoke(app, ["monitor", "escalate", "--as-of", "2026-03-10"])
    assert escalated.exit_code == 0, escalated.output
    assert json.loads(escalated.stdout)["to_township"] == data["new_warnings"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["scan", "--as-of", "2026-02-30"], "--as-of: '2026-02-30' is not a date"),
        (["scan", "--as-of", "2999-01-01"], "--as-of: 2999-01-01 is after today"),
        (["scan", "--as-of", "2026-03-02", "--region", "44x"], "--region: '44x'"),
        (["escalate", "--as-of", "yesterday"], "--as-of: 'yesterday' is not a date"),
        (["import", "lottery_win", "f.csv"], "unknown signal kind 'lottery_win'"),
        (["import", "death", "f.csv", "--as-of", "03/01/2026"], "is not a date"),
    ],
)
def test_bad_arguments_exit_2_with_a_clear_line_and_write_nothing(
    cli_db: None, args: list[str], message: str
) -> None:
    before = (AuditEvent.objects.count(), SourceBatch.unscoped.count())
    result = runner.invoke(app, ["monitor", *args])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert before == (AuditEvent.objects.count(), SourceBatch.unscoped.count())
    assert not RiskWarning.unscoped.exists() and not Task.unscoped.exists()


def test_a_file_with_a_header_of_another_kind_is_refused_whole(
    tmp_path: Path, cli_db: None
) -> None:
    path = write_csv(tmp_path / "x.csv", [{"id_number": "1", "loss": "1"}])
    result = runner.invoke(app, ["monitor", "import", "death", str(path), "--as-of", "2026-03-01"])
    assert result.exit_code == 2
    assert "died_on" in result.output
    assert not DepartmentRecord.objects.exists() and not SourceBatch.unscoped.exists()
