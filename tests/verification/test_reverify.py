"""Re-verifying the caseload (V-01, V-03, I-02, I-05): recipients whose verified situation no
longer fits their category are listed with the reasons; the others are not; the bulk path
decides as one application's verification does."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest

from jiuzhu.benefits.entitlements import entitlement_change_status
from jiuzhu.benefits.models import Entitlement
from jiuzhu.cases.models import Case
from jiuzhu.regions.scope import Scope, system_scope, using_scope
from jiuzhu.registry.evaluation import households_evaluate
from jiuzhu.synthetic.departments import near_id
from jiuzhu.verification.checking import verify_households
from jiuzhu.verification.reverify import reverify
from tests.cases import conftest as cases_conftest
from tests.cases.conftest import TODAY
from tests.factories import decided_case, make_household, subdivisions
from tests.verification.conftest import record
from tests.verification.test_checking import deliver, numbers

pytestmark = pytest.mark.django_db

people = cases_conftest.people  # the fixture, visible here
DECIDED = dt.date(2025, 6, 30)


def grant(household: Any, kind: str = "dibao", *, on: dt.date = DECIDED, **fields: Any) -> Case:
    """A decided case of the household, with the entitlement its approval makes."""
    return decided_case(  # type: ignore[no-any-return]
        household, kind, on=on, number=f"T-{household.id}-{kind}-{on:%Y%m%d}", **fields
    )


@pytest.fixture
def caseload(people: dict[str, Any], gd_area: str) -> dict[str, Any]:
    """Five dibao households of a township: one consistent, one with an undeclared car, one
    whose head is a company's legal representative, one with high wages, and one with a
    deposit of a person whose ID number is one digit away from the head's."""
    cw = people["caseworker"]
    made = {
        name: make_household(cw, gd_area + "001", members=3)
        for name in ("fits", "car", "company", "wages", "decoy")
    }
    for household in made.values():
        grant(household)
    head = {name: numbers(h)[0] for name, h in made.items()}
    deliver("vehicles", [record("vehicles", head["car"], vehicle_kind="car", status="registered")])
    deliver("market_entity", [record("market_entity", head["company"],
            role="legal_representative", status="active")])  # fmt: skip
    deliver("tax", [record("tax", head["wages"], income_kind="wages", period_start="2026-02-01",
            period_end="2026-02-28", income="9000.00")])  # fmt: skip
    near = near_id(head["decoy"], np.random.default_rng(3))
    deliver("bank", [record("bank", near, balance="300000.00")])
    return made


def run(region: str = "") -> Any:
    with system_scope("test"):
        return reverify(TODAY, region)


def listed(result: Any) -> dict[str, list[str]]:
    return {row["household"]: row["reasons"] for row in result.listed.iter_rows(named=True)}


def test_planted_findings_are_listed_with_their_reasons_and_the_rest_is_not(
    caseload: dict[str, Any],
) -> None:
    """V-01, V-03: a car, a company and wages above the line end the dibao category; the
    consistent household and the near-identical ID number's deposit do not."""
    result = run()
    assert result.recipients == 5 and result.verified == 5 and result.waiting == []
    got = listed(result)
    assert set(got) == {caseload[k].number for k in ("car", "company", "wages")}
    assert got[caseload["car"].number] == ["vehicle"]
    assert got[caseload["company"].number] == ["business_registration"]
    assert got[caseload["wages"].number] == ["income_above_line"]
    row = result.listed.filter(result.listed["household"] == caseload["car"].number).row(
        0, named=True
    )
    assert row["category"] == "dibao" and row["decided_on"] == DECIDED
    assert row["sources"] == ["vehicles"] and row["high"] == 1
    assert "dibao" not in row["verified_categories"]
    assert result.by_category == {"dibao": {"recipients": 5, "no_longer_fit": 3}}


def test_only_households_with_a_granted_latest_decision_are_recipients(
    caseload: dict[str, Any], people: dict[str, Any], gd_area: str
) -> None:
    """Recipients are those whose entitlements run (issue 16): a terminated entitlement ends
    the category, a refused application or review does not; an earlier refusal followed by
    an approval makes a recipient."""
    cw = people["caseworker"]
    grant(caseload["car"], on=dt.date(2025, 12, 1), outcome="refused")  # changes nothing
    grant(caseload["company"], "review", on=dt.date(2025, 12, 1), outcome="refused")
    ended = Entitlement.unscoped.get(household=caseload["decoy"])
    with system_scope("test: a terminated entitlement"):
        entitlement_change_status(
            actor=people["leader"],
            entitlement=ended,
            status="terminated",
            reason="termination",
            effective_month=dt.date(2025, 12, 1),
        )
    later = make_household(cw, gd_area + "001", members=1)
    grant(later, on=dt.date(2025, 1, 5), outcome="refused")
    grant(later, "low_income", on=dt.date(2025, 8, 1))
    result = run()
    assert result.recipients == 5  # fits, car, company, wages and the later low-income one
    assert result.by_category["low_income"] == {"recipients": 1, "no_longer_fit": 0}


def test_the_region_limits_the_run_and_the_scope_is_the_callers(
    caseload: dict[str, Any],
) -> None:
    assert run("440104").recipients == 5
    assert run("150102").recipients == 0
    with using_scope(Scope("150102")):
        assert reverify(TODAY).recipients == 0  # another area's households do not exist


def test_an_area_without_a_usable_batch_waits_and_is_not_judged(
    caseload: dict[str, Any],
) -> None:
    """SECURITY.md 28: long after the last deliveries every source is missing."""
    with system_scope("test"):
        result = reverify(TODAY + dt.timedelta(days=400))
    assert result.verified == 0 and result.listed.height == 0
    assert result.waiting[0]["households"] == 5 and "bank" in result.waiting[0]["missing"]


def test_the_bulk_path_decides_as_one_applications_verification_does(
    caseload: dict[str, Any],
) -> None:
    """One evaluation path: the verified figures of `verify_households`, evaluated one by
    one, give the same layers as the bulk run for every household."""
    households = list(caseload.values())
    with system_scope("test"):
        outcomes = verify_households(households, TODAY)
        one_by_one = households_evaluate(
            actor=None,
            households=households,
            as_of=TODAY,
            explain=False,
            snapshots={h.id: outcomes[h.id].snapshot for h in households},  # type: ignore[misc]
        )
    result = run()
    unfit = set(listed(result))
    for household in households:
        decision = one_by_one[household.id]
        assert isinstance(decision, dict)
        assert ("dibao" not in decision["categories"]) == (household.number in unfit)


PLANT_REASONS = {  # planted discrepancy → the reason it must give when it ends a category
    "undeclared_vehicle": {"vehicle"},
    "undeclared_wages": {"income_above_line", "income_undeclared", "employment_undeclared"},
    "company_registration": {"business_registration"},
    "death": {"member_died"},
    "deposits_over_limit": {"financial_assets"},
    "undeclared_real_estate": {"property"},
}
LAYER_KIND = {"tekun": "tekun", "dibao": "dibao", "low_income": "low_income",
              "rigid_expenditure": "rigid_expense"}  # fmt: skip


def test_the_synthetic_departments_planted_discrepancies_are_what_ends_a_category(
    tmp_path: Any,
) -> None:
    """V-01, V-03 against the generator's ground truth: every household granted the layer its
    declaration meets, then re-verified. Only planted households are listed (no consistent
    household, no decoy with a near-identical ID number), each with its plant's reason; and
    a planted household is listed exactly when its one-application verification, evaluated,
    no longer meets the layer."""
    import polars as pl

    from jiuzhu.demo.accounts import GD_COUNTY, demo_accounts_create
    from jiuzhu.demo.departments import seed_demo_departments
    from jiuzhu.demo.households import seed_households
    from jiuzhu.regions.services import regions_generate_subdivisions
    from jiuzhu.registry.models import Household

    today = dt.date.today()
    subdivisions("150102")
    with system_scope("test"):
        for county in (GD_COUNTY, "150102"):
            regions_generate_subdivisions(county, townships=2, villages=3)
        demo_accounts_create()
        seed_households([GD_COUNTY], 300, seed=7)
        seed_demo_departments(tmp_path, today)
        households = list(Household.unscoped.filter(synthetic=True))
        declared = households_evaluate(
            actor=None, households=households, as_of=today, explain=False
        )
        granted = {}
        for household in households:
            decision = declared[household.id]
            if isinstance(decision, dict) and decision["primary_category"] != "none":
                kind = LAYER_KIND[decision["primary_category"]]
                granted[household.number] = (household, decision["primary_category"])
                grant(household, kind, on=today - dt.timedelta(days=200))
        result = reverify(today)
        outcomes = verify_households([h for h, _ in granted.values()], today)
        verified = households_evaluate(
            actor=None,
            households=[h for h, _ in granted.values()],
            as_of=today,
            explain=False,
            snapshots={h.id: outcomes[h.id].snapshot for h, _ in granted.values()},  # type: ignore[misc]
        )
    truth = pl.read_csv(tmp_path / today.isoformat() / "ground_truth.csv", infer_schema=False)
    plants = {
        row["household"]: row["discrepancy"]
        for row in truth.iter_rows(named=True)
        if row["discrepancy"] != "decoy_near_id"
    }
    assert len(granted) >= 100 and result.verified == len(granted)
    got = listed(result)
    assert set(got) <= set(plants), sorted(set(got) - set(plants))  # precision
    for number, reasons in got.items():
        assert PLANT_REASONS[plants[number]] & set(reasons), (number, plants[number], reasons)
    expected = {
        number
        for number, (household, layer) in granted.items()
        if layer not in verified[household.id]["categories"]  # type: ignore[call-overload]
    }
    assert set(got) == expected
    assert len(got) >= 5  # the plants end categories: the test would notice a blind run
