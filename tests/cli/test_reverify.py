"""`jiuzhu verify-all` and `jiuzhu verify export` (V-01, V-03): the JSON contract of
docs/cli.md, the list and export files readable back with their documented columns, review
cases opened once, and exit code 2 with nothing written for a bad option."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from jiuzhu.cases.models import Case
from jiuzhu.cli.main import app
from jiuzhu.verification.reverify import LISTED_SCHEMA
from jiuzhu.verification.sharing import EXPORT_SCHEMA
from tests.cases.conftest import COMPLETE, TODAY, accept, act
from tests.factories import make_household
from tests.verification import test_reverify as reverify_tests
from tests.verification.conftest import record
from tests.verification.test_checking import deliver, numbers

people = reverify_tests.people  # the fixtures, visible here
caseload = reverify_tests.caseload
runner = CliRunner()
DAY = TODAY.isoformat()


@pytest.fixture(autouse=True)
def cli_db(transactional_db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI calls django.setup() again: harmless, the test database stays."""
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "jiuzhu.config.settings.test")


def to_ready(people: dict[str, Any], household: Any, amount: str) -> Any:
    """A dibao case driven to 'ready for decision', whatever the evaluation proposes."""
    cw = people["caseworker"]
    case = accept(cw, household, "dibao", checklist=COMPLETE, authorization_on=TODAY)
    case = act(case, cw, "complete_materials")
    case = act(case, people["assistant"], "record_visit", visitors="村协理员", findings="属实")
    case = act(case, cw, "request_verification")
    case = act(case, people["verifier"], "complete_verification", summary="已核对")
    case = act(case, cw, "evaluate")
    case = act(case, cw, "propose", proposal="approve", opinion="按实际情况", amount=amount)
    case = act(case, cw, "post_notice")
    return act(case, cw, "close_notice", today=case.notice_to)


def run(*args: str) -> Any:
    return runner.invoke(app, list(args))


def test_verify_all_prints_the_listed_households_and_writes_the_list(
    caseload: dict[str, Any], tmp_path: Path
) -> None:
    """V-01: the JSON names each household that no longer fits, with its reasons."""
    out = tmp_path / "unfit.parquet"
    result = run("verify-all", "--as-of", DAY, "--out", str(out), "--json", "--quiet")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["recipients"], summary["verified"], summary["no_longer_fit"]) == (5, 5, 3)
    assert summary["by_reason"] == {
        "business_registration": 1, "income_above_line": 1, "vehicle": 1,
    }  # fmt: skip
    car = next(h for h in summary["households"] if h["household"] == caseload["car"].number)
    assert car["reasons"] == ["vehicle"] and car["category"] == "dibao"
    assert car["decided_on"] == "2025-06-30" and car["sources"] == ["vehicles"]
    assert re.fullmatch(r"\d+\.\d{2}", car["per_capita_income"])  # a decimal string, yuan
    assert summary["reviews"] is None and summary["out"] == str(out)
    written = pl.read_parquet(out)
    assert written.columns == [c for c in LISTED_SCHEMA if c != "household_id"]
    assert written.height == 3


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_list_is_readable_as_csv_and_xlsx(
    caseload: dict[str, Any], tmp_path: Path, suffix: str
) -> None:
    out = tmp_path / f"unfit{suffix}"
    assert run("verify-all", "--as-of", DAY, "--out", str(out), "--quiet").exit_code == 0
    frame = pl.read_csv(out) if suffix == ".csv" else pl.read_excel(out, engine="openpyxl")
    assert frame.columns == [c for c in LISTED_SCHEMA if c != "household_id"]
    reasons = dict(zip(frame["household"], frame["reasons"], strict=True))
    assert reasons[caseload["car"].number] == "vehicle"


def test_open_reviews_opens_one_review_case_per_listed_household_once(
    caseload: dict[str, Any], people: dict[str, Any]
) -> None:
    """Idempotent: run again, no household gets a second open review case."""
    args = ["verify-all", "--as-of", DAY, "--open-reviews", "--as", "gd-caseworker", "--json"]
    first = json.loads(run(*args, "--quiet").stdout)["reviews"]
    assert len(first["opened"]) == 3 and first["already_open"] == [] and first["refused"] == []
    again = json.loads(run(*args, "--quiet").stdout)["reviews"]
    assert again["opened"] == [] and len(again["already_open"]) == 3
    reviews = Case.unscoped.filter(kind="review")
    assert reviews.count() == 3
    unfit = {caseload[k].id for k in ("car", "company", "wages")}
    assert {c.household_id for c in reviews} == unfit
    assert all(c.channel == "proactive" and "V-01" in c.reason for c in reviews)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "2026-02-30"], "not a date"),
        (["--region", "999999"], "not a known region"),
        (["--region", "44x"], "not a known region"),
        (["--out", "list.txt"], ".csv, .xlsx or .parquet"),
        (["--open-reviews"], "needs --as"),
        (["--as", "nobody"], "no active user"),
        (["--as", "gd-caseworker", "--region", "150102"], "outside the area"),
    ],
)
def test_verify_all_refuses_a_bad_option_with_exit_2_and_writes_nothing(
    caseload: dict[str, Any], tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "unfit.csv"
    if "--out" in args:
        args = [a if a != "list.txt" else str(tmp_path / a) for a in args]
    else:
        args = [*args, "--out", str(out)]
    result = run("verify-all", "--quiet", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert list(tmp_path.iterdir()) == []
    assert not Case.unscoped.filter(kind="review").exists()


def test_export_shares_each_decision_with_the_department_whose_record_it_read(
    people: dict[str, Any], gd_area: str, tmp_path: Path
) -> None:
    """V-03: the vehicles department gets the masked ID of the member its record concerned,
    the household, the case, the category decided and whether its record was decisive; the
    hukou department's consistent record is shared as not decisive."""
    cw = people["caseworker"]
    with_car, plain = (make_household(cw, gd_area + "001", members=2) for _ in range(2))
    head_car, head_plain = numbers(with_car)[0], numbers(plain)[0]
    deliver("vehicles", [record("vehicles", head_car, vehicle_kind="car", status="registered")])
    deliver("hukou", [record("hukou", head_plain, event="registered", event_date="2015-01-01")])
    for household in (with_car, plain):
        case = to_ready(people, household, amount="100.00")
        act(case, people["leader"], "approve", today=case.notice_to)
    day = (TODAY.replace(month=TODAY.month + 1)).isoformat()
    out = tmp_path / "vehicles.csv"
    result = run("verify", "export", "--department", "vehicles", "--as-of", day,
                 "--out", str(out), "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows"] == 1
    frame = pl.read_csv(out, infer_schema=False)
    assert frame.columns == list(EXPORT_SCHEMA)
    row = frame.row(0, named=True)
    assert row["household"] == with_car.number and row["decisive"] == "true"
    assert row["id_masked"] == head_car[:6] + "********" + head_car[-4:]
    assert row["kind"] == "dibao" and row["outcome"] == "approved" and row["category"] == "dibao"
    assert row["items"] == "assets.vehicles"
    parquet = tmp_path / "hukou.parquet"
    assert run("verify", "export", "--department", "hukou", "--as-of", day,
               "--out", str(parquet)).exit_code == 0  # fmt: skip
    hukou = pl.read_parquet(parquet)
    assert hukou["household"].to_list() == [plain.number]
    assert hukou["decisive"].to_list() == [False] and hukou["items"].to_list() == [[]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--department", "astrology"], "unknown source"),
        (["--department", "bank", "--as-of", "yesterday"], "not a date"),
        (["--department", "bank", "--region", "12"], "not a known region"),
    ],
)
def test_export_refuses_a_bad_option_with_exit_2_and_writes_nothing(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = run("verify", "export", *args, "--out", str(tmp_path / "x.csv"))
    assert result.exit_code == 2 and message in result.output
    assert list(tmp_path.iterdir()) == []
