"""The registry read set-based for the rules engine (registry/frames.py): the same facts as
the per-household snapshots, so a bulk run over the registry and a case's evaluation cannot
disagree (ARCHITECTURE.md: one evaluation path)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest

from jiuzhu.demo.accounts import GD_COUNTY, demo_accounts_create
from jiuzhu.demo.households import seed_households
from jiuzhu.regions.scope import Scope, system_scope, using_scope
from jiuzhu.regions.services import regions_generate_subdivisions
from jiuzhu.registry.evaluation import evaluator
from jiuzhu.registry.frames import households_frame
from jiuzhu.registry.models import Household, IncomeFact, Member
from jiuzhu.registry.selectors import household_snapshots
from jiuzhu.rules.household import parse_household
from jiuzhu.rules.parquet import caseload_from_frame
from tests.factories import subdivisions

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 3, 2)


@pytest.fixture
def population() -> list[Household]:
    subdivisions("150102")  # the demo accounts' other province
    with system_scope("test"):
        for county in (GD_COUNTY, "150102"):
            regions_generate_subdivisions(county, townships=2, villages=3)
        demo_accounts_create()
        seed_households([GD_COUNTY], 150, seed=5)
        return list(Household.unscoped.filter(synthetic=True).order_by("id"))


def _decisions_by_frame(households: list[Household], **chosen: object) -> pl.DataFrame:
    with system_scope("test"):
        frame = households_frame(AS_OF, **chosen)  # type: ignore[arg-type]
    caseload, _, errors = caseload_from_frame(frame.drop("household_id"), evaluator().regions)
    assert errors == []
    decisions, row_errors = evaluator().evaluate_caseload(caseload, AS_OF)
    assert row_errors == []
    return decisions


def _decisions_by_snapshot(households: list[Household]) -> list[dict[str, object]]:
    with system_scope("test"):
        snapshots = household_snapshots(households, AS_OF)
    parsed = [parse_household(snapshots[h.id]) for h in households]
    return evaluator().evaluate_many(parsed, AS_OF)  # type: ignore[return-value]


def test_the_frame_decides_every_household_as_its_snapshot_does(
    population: list[Household],
) -> None:
    """Categories, amounts and per-capita income agree household by household (I-01…C-08)."""
    decisions = _decisions_by_frame(population, household_ids=[h.id for h in population])
    singles = _decisions_by_snapshot(population)
    assert decisions.height == len(population)
    assert decisions["primary_category"].n_unique() >= 3  # a population worth comparing
    assert (decisions["monthly_benefit"] > 0).sum() >= 10
    with system_scope("test"):
        members = households_frame(AS_OF, region_prefix=GD_COUNTY)["members"].explode()
    assert members.struct.field("supporters").list.len().sum() > 0
    assert members.struct.field("disability").is_not_null().sum() > 0
    for row, single in zip(decisions.iter_rows(named=True), singles, strict=True):
        assert row["ref"] == single["ref"]
        assert f"{row['monthly_benefit']:.2f}" == single["monthly_benefit"]
        assert f"{row['per_capita_income']:.2f}" == single["per_capita_income"]
        assert str(row["primary_category"]) == single["primary_category"]


def test_an_area_reads_its_open_households_and_the_facts_of_the_day(
    population: list[Household],
) -> None:
    """Members who left before the day and incomes no longer in force are not read; a
    closed household is not in its area's frame."""
    first, second = population[0], population[1]
    with system_scope("test"):
        member = Member.unscoped.filter(household=first).order_by("id").first()
        assert member is not None
        IncomeFact.objects.filter(member=member).delete()
        IncomeFact.objects.create(
            member=member, region_code=member.region_code, kind="wages",
            amount=Decimal("1234.50"), valid_from=dt.date(2025, 1, 1),
            valid_to=dt.date(2025, 12, 31),
        )  # fmt: skip
        IncomeFact.objects.create(
            member=member, region_code=member.region_code, kind="wages",
            amount=Decimal("987.65"), valid_from=dt.date(2026, 1, 1),
        )  # fmt: skip
        Household.unscoped.filter(id=second.id).update(closed_on=dt.date(2026, 1, 1))
        frame = households_frame(AS_OF, region_prefix=GD_COUNTY)
    assert second.id not in frame["household_id"].to_list()
    row = frame.filter(pl.col("household_id") == first.id).row(0, named=True)
    head = next(m for m in row["members"] if m["ref"] == str(member.id))
    assert head["income"]["wages"] == "987.65"
    assert frame.height == len(population) - 1


def test_no_households_give_an_empty_frame(db: object) -> None:
    with system_scope("test"):
        assert households_frame(AS_OF, household_ids=[]).height == 0


def test_households_outside_the_callers_area_are_not_read(population: list[Household]) -> None:
    """SECURITY.md 1: the frame reads through the scoped managers."""
    with using_scope(Scope("150102")):
        assert households_frame(AS_OF, household_ids=[h.id for h in population]).height == 0
    with using_scope(Scope(GD_COUNTY)):
        assert households_frame(AS_OF, region_prefix="").height == len(population)


def test_a_query_of_ids_chooses_the_households_in_the_database(
    population: list[Household],
) -> None:
    """A million ids are a subquery, not a million query parameters."""
    ids = Household.unscoped.filter(id__in=[h.id for h in population[:3]]).values("id")
    with system_scope("test"):
        frame = households_frame(AS_OF, household_ids=ids)
    assert sorted(frame["household_id"].to_list()) == sorted(h.id for h in population[:3])


def test_chosen_households_read_by_their_area_are_the_same_households(
    population: list[Household],
) -> None:
    """With the area given too, the members and facts are read by area and kept for the
    chosen households: the same frame as joining every query to the choice."""
    chosen = Household.unscoped.filter(id__in=[h.id for h in population[::7]]).values("id")
    with system_scope("test"):
        joined = households_frame(AS_OF, household_ids=chosen)
        by_area = households_frame(AS_OF, household_ids=chosen, region_prefix=GD_COUNTY)
        elsewhere = households_frame(AS_OF, household_ids=chosen, region_prefix="150102")
    assert joined.height == len(population[::7]) and elsewhere.height == 0
    assert joined["members"].list.len().sum() > joined.height  # members were read
    assert by_area.to_dicts() == joined.to_dicts()


@pytest.mark.django_db(transaction=True)
def test_a_batch_job_reads_the_same_frame_outside_a_transaction(
    population: list[Household],
) -> None:
    """A batch job (no transaction open) reads the registry through ADBC, five queries side
    by side; a service inside a transaction through COPY: the same nested frame."""
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("ADBC reads PostgreSQL")
    with system_scope("test"):
        by_arrow = households_frame(AS_OF, region_prefix=GD_COUNTY)
        with transaction.atomic():
            by_copy = households_frame(AS_OF, region_prefix=GD_COUNTY)
    assert by_arrow.height == len(population)
    assert by_arrow.schema == by_copy.schema
    assert by_arrow.to_dicts() == by_copy.to_dicts()
