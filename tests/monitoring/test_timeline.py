"""一户一档 (M-01, 国办发〔2023〕39号): one household's whole assistance record — its
application and decision, payments, warnings and hotline calls — newest first, and nothing
of it for a reader of another area."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from jiuzhu.benefits.payments import payments_run
from jiuzhu.cases.models import Case
from jiuzhu.monitoring.models import HotlineCall, RiskWarning
from jiuzhu.monitoring.timeline import household_timeline, timeline_totals
from jiuzhu.regions.scope import Scope, using_scope
from tests.benefits.conftest import COUNTY, entitled
from tests.factories import make_user, signed_in

pytestmark = pytest.mark.django_db


def test_a_households_record_gathers_every_layer_newest_first(
    caseworker: Any, im_caseworker: Any, gd_area: str
) -> None:
    (entitlement,) = entitled(caseworker, gd_area + "001", ["990.50"])
    household = entitlement.household
    Case.unscoped.create(
        number="T-1", kind="dibao", state="closed", household=household,
        region_code=household.region_code, township_code=gd_area, channel="window",
        applied_on=dt.date(2025, 11, 3), decided_on=dt.date(2025, 12, 10), outcome="approved",
        decided_amount=Decimal("990.50"),
    )  # fmt: skip
    officer = make_user("county_officer", COUNTY, username="gd-county")
    with using_scope(Scope(COUNTY)):
        payments_run(actor=officer, county=COUNTY, month=dt.date(2026, 1, 1))
    RiskWarning.unscoped.create(
        household=household, region_code=household.region_code, kind="medical", rule="M-02",
        level="yellow", rank=2, key="k", category="dibao", raised_on=dt.date(2026, 2, 1),
        amount=Decimal("6200.00"),
    )  # fmt: skip
    HotlineCall.unscoped.create(
        number="12345-X", line="12345", received_on=dt.date(2026, 2, 3), caller_name="王某",
        caller_phone="13800001234", subject="hardship", request="困难", household=household,
        region_code=household.region_code, assigned_area=gd_area, due_on=dt.date(2026, 2, 10),
    )  # fmt: skip
    with using_scope(Scope(gd_area)):
        events = household_timeline(household)
    kinds = [e.kind for e in events]
    assert kinds == ["hotline", "warning", "payment", "decision", "case"]
    assert events[2].amount == Decimal("990.50") and events[2].status == "pending"
    assert timeline_totals(events) == {"paid": Decimal("0.00"), "waiting": Decimal("990.50")}
    with using_scope(Scope("150102")):
        assert household_timeline(household) == []
    page = signed_in(caseworker).get(f"/monitoring/households/{household.id}/")
    assert page.status_code == 200 and "12345-X" in page.content.decode()
    assert (
        signed_in(im_caseworker).get(f"/monitoring/households/{household.id}/").status_code == 404
    )
