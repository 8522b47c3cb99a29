"""The demo's synthetic hardship signals against its population: every planted medical
hardship and breadwinner death becomes a warning on its household, the noise (small
outpatient bills) raises none, and the signal files import without a bad row."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from jiuzhu.demo.accounts import GD_COUNTY
from jiuzhu.demo.households import seed_households
from jiuzhu.demo.signals import seed_demo_signals
from jiuzhu.monitoring.models import RiskWarning
from jiuzhu.regions.scope import system_scope
from jiuzhu.regions.services import regions_generate_subdivisions
from jiuzhu.registry.models import Household
from jiuzhu.verification.models import SourceBatch

pytestmark = pytest.mark.django_db
ALWAYS_WARNED = {"medical": "medical", "breadwinner_death": "breadwinner_death"}


def test_planted_hardships_become_warnings_and_noise_does_not(tmp_path: Path) -> None:
    today = dt.date.today()
    with system_scope("test"):
        regions_generate_subdivisions(GD_COUNTY, townships=2, villages=3)
        seed_households([GD_COUNTY], 600, seed=5)
        summary = seed_demo_signals(tmp_path, today, seed=5)
    assert not SourceBatch.unscoped.filter(rows_bad__gt=0).exists()
    truth = pl.read_csv(tmp_path / today.isoformat() / "ground_truth.csv", infer_schema=False)
    assert truth.height >= 8 and summary["warnings"] >= truth.height // 2
    number_of = dict(Household.unscoped.values_list("number", "id"))
    signal_warnings = {
        (h, k)
        for h, k in RiskWarning.unscoped.exclude(kind="policy_match").values_list(
            "household_id", "kind"
        )
    }
    expected = {
        (number_of[row["household"]], ALWAYS_WARNED[row["kind"]])
        for row in truth.iter_rows(named=True)
        if row["kind"] in ALWAYS_WARNED
    }
    assert expected and expected <= signal_warnings
    planted = {number_of[h] for h in truth.get_column("household")}
    assert {h for h, _ in signal_warnings} <= planted  # the noise warns nobody


def test_the_demo_hotline_calls_show_each_state_once(db: object) -> None:
    """M-03 in the demo: one call waiting, one answered, one past its limit; seeding twice
    adds nothing."""
    from jiuzhu.demo.signals import seed_demo_calls
    from jiuzhu.monitoring.models import HotlineCall
    from tests.factories import make_user

    today = dt.date(2026, 3, 2)
    with system_scope("test"):
        regions_generate_subdivisions(GD_COUNTY, townships=2, villages=3)
        make_user("township_caseworker", f"{GD_COUNTY}001", username="gd-caseworker")
        assert seed_demo_calls(GD_COUNTY, today) == 3
        assert seed_demo_calls(GD_COUNTY, today) == 0
    states = sorted(HotlineCall.unscoped.values_list("state", flat=True))
    assert states == ["answered", "routed", "routed"]
    assert HotlineCall.unscoped.filter(due_on__lt=today).count() == 1
