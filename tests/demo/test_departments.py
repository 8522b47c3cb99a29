"""The demo's department deliveries against its population (issue #5): every planted
discrepancy is found where it was planted, the decoys with near-identical ID numbers match
nobody, and the households without a plant are consistent with their declarations."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from jiuzhu.demo.accounts import GD_COUNTY, demo_accounts_create
from jiuzhu.demo.departments import seed_demo_departments
from jiuzhu.demo.households import seed_households
from jiuzhu.regions.scope import system_scope
from jiuzhu.regions.services import regions_generate_subdivisions
from jiuzhu.registry.models import Household
from jiuzhu.verification.checking import verify_households
from tests.factories import subdivisions

pytestmark = pytest.mark.django_db

EXPECTED = {  # planted discrepancy → the item where it must show
    "undeclared_vehicle": "assets.vehicles",
    "undeclared_wages": "income.wages",
    "company_registration": "assets.business_registrations",
    "death": "status.deceased",
    "deposits_over_limit": "assets.financial",
    "undeclared_real_estate": "assets.homes",
}


def test_every_plant_is_found_and_nothing_else(tmp_path: Path) -> None:
    today = dt.date.today()
    subdivisions("150102")
    with system_scope("test"):
        for county in (GD_COUNTY, "150102"):
            regions_generate_subdivisions(county, townships=2, villages=3)
        demo_accounts_create()
        seed_households([GD_COUNTY], 400, seed=11)
        summary = seed_demo_departments(tmp_path, today)
        households = list(Household.unscoped.filter(synthetic=True))
        outcomes = verify_households(households, today)
    truth = pl.read_csv(tmp_path / today.isoformat() / "ground_truth.csv", infer_schema=False)
    planted = truth.filter(pl.col("discrepancy") != "decoy_near_id")
    assert planted.height >= 15 and summary["showcase"] is not None
    number_of = {h.number: h.id for h in households}
    flagged = {
        (h, item["item"])
        for h, o in outcomes.items()
        for item in (o.report or {}).get("items", [])
        if item["severity"] in ("high", "medium")
    }
    assert all(o.missing == [] for o in outcomes.values())
    expected = {
        (number_of[row["household"]], EXPECTED[row["discrepancy"]])
        for row in planted.iter_rows(named=True)
    }
    assert expected <= flagged, sorted(expected - flagged)  # recall: every plant found
    assert flagged <= expected, sorted(flagged - expected)  # precision: nothing else
