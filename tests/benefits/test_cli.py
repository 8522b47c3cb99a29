"""`jiuzhu payments …`: the JSON contract of docs/cli.md; bad input (a malformed month, an
unknown county, a missing approver) exits 2 with one `error:` line and writes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from jiuzhu.benefits import bankfile
from jiuzhu.benefits.models import Payment, PaymentBatch
from jiuzhu.cli.main import app
from tests.benefits.conftest import COUNTY, account_number, entitled

runner = CliRunner()


@pytest.fixture
def cli_db(transactional_db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI calls django.setup() again: harmless, the test database stays."""
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "jiuzhu.config.settings.test")


@pytest.fixture
def county(cli_db: None, officers: dict[str, Any], gd_area: str) -> dict[str, Any]:
    entitled(officers["caseworker"], gd_area + "001", ["1238.00", "990.50"])
    return officers


def invoke(*args: str) -> Any:
    return runner.invoke(app, ["payments", *args])


def month_now() -> str:
    import datetime as dt

    return f"{dt.date.today():%Y-%m}"


@pytest.mark.parametrize("month", ["2026-13", "2026-4", "april", ""])
def test_a_malformed_month_exits_2_and_writes_nothing(county: Any, month: str) -> None:
    result = invoke("run", "--county", COUNTY, "--month", month, "--json", "--quiet")
    assert result.exit_code == 2
    assert "error:" in result.stderr and "--month" in result.stderr
    assert "Traceback" not in result.output
    assert not PaymentBatch.unscoped.exists()


def test_an_unknown_county_exits_2_and_writes_nothing(county: Any) -> None:
    result = invoke("run", "--county", "449999", "--month", month_now(), "--json", "--quiet")
    assert result.exit_code == 2 and "county" in result.stderr
    assert not PaymentBatch.unscoped.exists()


def test_a_township_code_is_not_a_county(county: Any) -> None:
    result = invoke("run", "--county", "440104001", "--month", month_now(), "--quiet")
    assert result.exit_code == 2 and "县级区划代码不存在" in result.stderr


def test_run_approve_export_reconcile_control_end_to_end(county: Any, tmp_path: Path) -> None:
    """The whole month on the command line, each step's JSON as documented."""
    month = month_now()
    ran = invoke("run", "--county", COUNTY, "--month", month, "--by", "gd-county", "--json",
                 "--quiet")  # fmt: skip
    assert ran.exit_code == 0, ran.output
    summary = json.loads(ran.stdout)
    assert summary["added"] == 2 and summary["batch"]["status"] == "prepared"
    assert summary["batch"]["total"] == "2228.50"
    batch = str(summary["batch"]["batch_id"])
    rerun = invoke("run", "--county", COUNTY, "--month", month, "--json")
    assert rerun.exit_code == 0, rerun.output
    again = json.loads(rerun.stdout)
    assert again["added"] == 0 and again["batch"]["batch_id"] == int(batch)
    refused = invoke("approve", "--batch", batch, "--by", "gd-county")
    assert refused.exit_code == 2 and "编制人以外" in refused.stderr
    assert invoke("approve", "--batch", batch).exit_code == 2  # --by is required
    approved = invoke("approve", "--batch", batch, "--by", "gd-county2", "--json")
    assert json.loads(approved.stdout)["status"] == "approved"
    out = tmp_path / "bank.txt"
    exported = invoke("export", "--batch", batch, "--format", "fixed", "--out", str(out),
                      "--json")  # fmt: skip
    assert exported.exit_code == 0, exported.output
    shown = json.loads(exported.stdout)
    assert shown["records"] == 2 and shown["file_total"] == "2228.50"
    assert out.read_bytes()[:1] == b"H"
    lines = ["reference,account_number,amount,result,reason,bank_reference"]
    for p in Payment.unscoped.order_by("id"):
        result = "paid" if p.amount > 1000 else "failed,账户冻结"
        lines.append(
            f"{bankfile.reference_of(p.pk)},{account_number(p.household_id)},{p.amount:.2f},"
            + (result if "," in result else result + ",")
            + ",B1"
        )
    returned = tmp_path / "return.csv"
    returned.write_bytes(("\r\n".join(lines) + "\r\n").encode("gb18030"))
    reconciled = invoke("reconcile", str(returned), "--batch", batch, "--json")
    assert reconciled.exit_code == 0, reconciled.output
    report = json.loads(reconciled.stdout)
    assert (report["paid"], report["failed"], report["status"]) == (1, 1, "reconciled")
    control = invoke("control", "--county", COUNTY, "--month", month, "--json")
    assert control.exit_code == 0, control.output
    totals = json.loads(control.stdout)
    assert totals["balanced"] and totals["by_status"]["held"] == "990.50"
    assert totals["accrued"] == "2228.50"


def test_export_of_an_unapproved_batch_exits_2(county: Any, tmp_path: Path) -> None:
    ran = json.loads(invoke("run", "--county", COUNTY, "--month", month_now(), "--json").stdout)
    out = tmp_path / "bank.csv"
    result = invoke("export", "--batch", str(ran["batch"]["batch_id"]), "--format", "csv",
                    "--out", str(out))  # fmt: skip
    assert result.exit_code == 2 and "待审核" in result.stderr
    assert not out.exists()
    assert invoke("export", "--batch", "999", "--format", "xml", "--out", str(out)).exit_code == 2
