"""`jiuzhu reviews schedule`, `jiuzhu prices set`, `jiuzhu recoveries …`: the JSON contract
of docs/cli.md; bad arguments exit 2 with one `error:` line and write nothing."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from typer.testing import CliRunner

from jiuzhu.benefits.models import (
    Correction,
    PriceIndex,
    Recovery,
    Repayment,
)
from jiuzhu.cases.models import Case
from jiuzhu.cli.main import app
from tests.benefits.conftest import entitled

runner = CliRunner()


@pytest.fixture
def cli_db(transactional_db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "jiuzhu.config.settings.test")


@pytest.fixture
def county(cli_db: None, officers: dict[str, Any], gd_area: str) -> dict[str, Any]:
    entitled(officers["caseworker"], gd_area + "001", ["1238.00", "990.50"],
             start=dt.date(2025, 1, 1))  # fmt: skip
    return officers


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args))


def _refused(result: Any, option: str) -> None:
    assert result.exit_code == 2, result.output
    assert "error:" in result.stderr and option in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--as-of", "2026-02-30", "--by", "gd-county"], "--as-of"),
        (["--as-of", "tomorrow", "--by", "gd-county"], "--as-of"),
        (["--as-of", "2026-01-10"], "--by"),
        (["--as-of", "2026-01-10", "--by", "nobody"], "--by"),
        (["--as-of", "2026-01-10", "--by", "gd-county", "--region", "44x"], "--region"),
    ],
)
def test_reviews_schedule_refuses_bad_arguments_and_opens_nothing(
    county: Any, args: list[str], option: str
) -> None:
    _refused(invoke("reviews", "schedule", "--json", "--quiet", *args), option)
    assert not Case.unscoped.filter(kind="review").exists()


def test_reviews_schedule_opens_the_due_reviews_once(county: Any) -> None:
    """D-01: decided on 2024-12-12 (no evaluation: yearly), due on 2025-12-12."""
    args = ["reviews", "schedule", "--as-of", "2025-12-01", "--lead-days", "11"]
    result = invoke(*args, "--by", "gd-county", "--json", "--quiet")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["due"], data["opened"], data["already_open"]) == (2, 2, 0)
    again = json.loads(invoke(*args, "--by", "gd-county", "--json", "--quiet").stdout)
    assert (again["opened"], again["already_open"]) == (0, 2)
    assert Case.unscoped.filter(kind="review").count() == 2


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--region", "440100", "--month", "2026-13", "--cpi", "103.6"], "--month"),
        (["--region", "440100", "--month", "2026-04", "--cpi", "abc"], "cpi"),
        (["--region", "440100", "--month", "2026-04", "--cpi", "103.6", "--food", "9"], "food"),
        (["--region", "999999", "--month", "2026-04", "--cpi", "103.6"], "region"),
    ],
)
def test_prices_set_refuses_bad_arguments_and_writes_nothing(
    county: Any, args: list[str], option: str
) -> None:
    _refused(invoke("prices", "set", "--json", *args), option)
    assert not PriceIndex.unscoped.exists()


def test_prices_set_records_the_index_and_says_whether_p05_fires(county: Any) -> None:
    result = invoke("prices", "set", "--region", "440100", "--month", "2026-04",
                    "--cpi", "103.6", "--food", "104.0", "--by", "gd-county", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data == {"region": "440100", "month": "2026-04", "cpi": "103.60", "food": "104.00",
                    "triggered": True, "trigger_on": ["cpi"]}  # fmt: skip


@pytest.fixture
def recovery(county: Any) -> Recovery:
    from jiuzhu.benefits.models import Entitlement

    entitlement = Entitlement.unscoped.first()
    assert entitlement is not None
    correction = Correction.unscoped.create(
        entitlement=entitlement, household_id=entitlement.household_id,
        region_code=entitlement.region_code, cause="concealment", month_from=dt.date(2025, 1, 1),
        month_to=dt.date(2025, 1, 1), correct_amount=Decimal("0"), overpaid=Decimal("100.00"),
        underpaid=Decimal("0"), credit_flag=True, note="隐瞒收入", actor_name="gd-county",
        at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )  # fmt: skip
    return Recovery.unscoped.create(
        correction=correction, household_id=entitlement.household_id,
        region_code=entitlement.region_code, amount_owed=Decimal("100.00"),
        created_at=correction.at, updated_at=correction.at,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--amount", "100.00"], "--by"),
        (["--amount", "abc", "--by", "gd-county"], "amount"),
        (["--amount", "100.01", "--by", "gd-county"], "amount"),
        (["--amount", "10", "--by", "gd-county", "--paid-on", "2026-02-31"], "--paid-on"),
    ],
)
def test_record_repayment_refuses_bad_arguments_and_writes_nothing(
    recovery: Recovery, args: list[str], option: str
) -> None:
    result = invoke("recoveries", "record-repayment", "--recovery", str(recovery.pk), *args)
    _refused(result, option)
    assert not Repayment.unscoped.exists()


def test_recoveries_list_shows_the_cause_and_a_repayment_is_recorded(recovery: Recovery) -> None:
    """F-04: the cause is shown, concealment is not the staff member's."""
    listed = json.loads(invoke("recoveries", "list", "--by", "gd-county", "--json").stdout)
    assert listed[0]["cause"] == "concealment" and listed[0]["staff_at_fault"] is False
    assert listed[0]["credit_flag"] is True
    _refused(invoke("recoveries", "list", "--status", "lost"), "--status")
    result = invoke("recoveries", "record-repayment", "--recovery", str(recovery.pk),
                    "--amount", "40.00", "--by", "gd-county", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["status"] == "partial"
    missing = invoke("recoveries", "write-off", "--recovery", "999999", "--reason", "x",
                     "--by", "gd-county")  # fmt: skip
    _refused(missing, "recovery")


def test_prices_import_stores_every_line_or_none(county: Any, tmp_path: Any) -> None:
    good = tmp_path / "cpi.csv"
    good.write_text(
        "region,month,cpi,food,source\n440100,2026-03,102.10,,统计局\n440000,2026-04,103.60,106.10,\n",
        "utf-8",
    )
    result = invoke("prices", "import", str(good), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["stored"] == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("region,month,cpi,food,source\n440100,2026-05,103.0,,\n440100,2026-06,x,,\n")
    result = invoke("prices", "import", str(bad))
    _refused(result, "line 3")
    assert PriceIndex.unscoped.count() == 2  # the good line of the bad file is not stored
    _refused(invoke("prices", "import", str(tmp_path / "missing.csv")), "FILE")
