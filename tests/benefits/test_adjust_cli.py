"""`jiuzhu adjust` (P-05 动态调整): the JSON contract of docs/cli.md; bad input (a malformed
date, an unknown region, an output file it cannot write) exits 2 with one `error:` line and
writes nothing; approval by a second person (F-01)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from jiuzhu.benefits.models import Adjustment, AdjustmentStatus, Entitlement
from jiuzhu.cli.main import app
from tests.benefits.conftest import COUNTY, entitled

runner = CliRunner()


@pytest.fixture
def county(transactional_db: None, monkeypatch: pytest.MonkeyPatch, officers: Any,
           gd_area: str) -> Any:  # fmt: skip
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "jiuzhu.config.settings.test")
    entitled(officers["caseworker"], gd_area + "001", ["1238.00", "1500.00"],
             start=dt.date(2024, 1, 1))  # fmt: skip
    return officers


def invoke(*args: str) -> Any:
    return runner.invoke(app, ["adjust", *args])


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--region", COUNTY, "--from", "2025-13-01"], "--from"),
        (["--region", COUNTY, "--from", "soon"], "--from"),
        (["--region", "449999", "--from", "2025-01-01"], "region"),
        (["--region", "440104001", "--from", "2025-01-01"], "region"),
        (
            ["--region", COUNTY, "--from", "2025-01-01", "--first-payment", "2025-6"],
            "--first-payment",
        ),
        (
            ["--region", COUNTY, "--from", "2025-06-01", "--first-payment", "2025-01"],
            "first_payment",
        ),
        (["--region", COUNTY, "--from", "2025-01-01", "--out", "diff.txt"], "--out"),
        (["--from", "2025-01-01"], "--region"),
    ],
)
def test_p05_bad_input_exits_2_and_writes_nothing(
    county: Any, args: list[str], field: str, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke(*args, "--json", "--quiet")
    assert result.exit_code == 2, result.output
    assert "error:" in result.stderr and field in result.stderr
    assert "Traceback" not in result.output
    assert not Adjustment.unscoped.exists() and list(tmp_path.iterdir()) == []


def test_p05_prepare_approve_apply_json(county: Any, tmp_path: Path) -> None:
    """The JSON contract: prepare (with the spreadsheet), approve by another user (F-01),
    apply; applying again exits 2 and changes nothing."""
    out = tmp_path / "diff.xlsx"
    result = invoke("--region", COUNTY, "--from", "2025-01-01", "--first-payment", "2025-06",
                    "--out", str(out), "--json", "--quiet", "--by", "gd-county")  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["status"] == "prepared" and data["households"] == 2
    assert data["summary"]["totals"]["gains"] == 1 and data["summary"]["totals"]["loses"] == 1
    assert data["summary"]["totals"]["back_pay"] == "355.00" and out.is_file()
    number = str(data["adjustment_id"])
    refused = invoke("approve", number, "--by", "gd-county", "--json")
    assert refused.exit_code == 2 and "编制人以外" in refused.stderr
    approved = invoke("approve", number, "--by", "gd-county2", "--json")
    assert json.loads(approved.stdout)["status"] == AdjustmentStatus.APPROVED
    applied = invoke("apply", number, "--by", "gd-county2", "--json")
    assert applied.exit_code == 0, applied.output
    assert json.loads(applied.stdout)["households_changed"] == 2
    count = Entitlement.unscoped.count()
    again = invoke("apply", number, "--json")
    assert again.exit_code == 2 and Entitlement.unscoped.count() == count
