"""The synthetic department-data generator: files consistent with the population (they
import without a bad row), every planted discrepancy in the files and the ground truth and
found by a join on the keyed hash, and no decoy (an ID number one digit away) matching
anybody (V-02, V-03; I-02, I-05)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from jiuzhu.registry.identity import id_hash, parse_id_number
from jiuzhu.synthetic.departments import (
    DECOY,
    DISCREPANCIES,
    generate_departments,
    near_id,
    population,
    write_departments,
)
from jiuzhu.verification.importing import import_file
from jiuzhu.verification.models import DepartmentRecord
from jiuzhu.verification.sources import SOURCES

AS_OF = dt.date(2024, 6, 1)


@pytest.fixture(scope="module")
def persons() -> pl.DataFrame:
    return population(600, seed=11)


def test_the_population_has_unique_valid_id_numbers(persons: pl.DataFrame) -> None:
    numbers = persons["id_number"].to_list()
    assert len(set(numbers)) == len(numbers)
    for n in numbers:
        parse_id_number(n)  # GB 11643: raises on a bad number


def test_the_planted_share_and_kinds_are_as_documented(persons: pl.DataFrame) -> None:
    data = generate_departments(persons, seed=3, discrepancy_share=0.1, decoy_share=0.02)
    households = persons["household"].n_unique()
    kinds = data.truth["discrepancy"].to_list()
    assert kinds.count(DECOY) == round(0.02 * households)
    assert len(kinds) - kinds.count(DECOY) == round(0.1 * households)
    assert set(kinds) - {DECOY} <= set(DISCREPANCIES)
    assert data.truth["household"].n_unique() == len(kinds)  # at most one per household


def test_every_planted_record_is_in_its_sources_file(persons: pl.DataFrame) -> None:
    data = generate_departments(persons, seed=5, discrepancy_share=0.2)
    for row in data.truth.iter_rows(named=True):
        frame = data.files[row["source"]]
        assert row["id_number"] in frame["id_number"].to_list(), row


def test_a_decoy_differs_from_its_member_in_one_digit_and_is_valid() -> None:
    rng = __import__("numpy").random.default_rng(1)
    number = "440104198003010028"
    decoy = near_id(number, rng)
    parse_id_number(decoy)
    assert decoy != number
    assert sum(a != b for a, b in zip(decoy[:17], number[:17], strict=True)) == 1


@pytest.mark.django_db
def test_the_files_import_cleanly_and_every_plant_is_found_and_no_decoy_matches(
    persons: pl.DataFrame, tmp_path: Path
) -> None:
    data = generate_departments(persons, seed=7, discrepancy_share=0.1, decoy_share=0.05)
    write_departments(data, tmp_path, fmt="parquet")
    assert (tmp_path / "ground_truth.csv").exists()
    for source in SOURCES:
        result = import_file(
            actor=None, source=source, path=tmp_path / f"{source}.parquet", as_of=AS_OF
        )
        assert result.batch.rows_bad == 0, (source, list(result.batch.row_errors.all()[:3]))
    members = {id_hash(n) for n in persons["id_number"].to_list()}
    declared = {(row["household"], row["id_number"]): row for row in persons.iter_rows(named=True)}
    for plant in data.truth.iter_rows(named=True):
        found = DepartmentRecord.objects.filter(
            id_hash=id_hash(plant["id_number"]), source=plant["source"]
        )
        if plant["discrepancy"] == DECOY:
            assert id_hash(plant["id_number"]) not in members
            continue
        assert id_hash(plant["id_number"]) in members
        kind = plant["discrepancy"]
        person = declared[(plant["household"], plant["member_id_number"])]
        if kind == "death":
            assert found.filter(kind="death").exists()
        elif kind == "deposits_over_limit":
            total = sum(r.amount for r in found.filter(source="bank"))
            assert total > person["financial"] + Decimal("200000")
        elif kind == "undeclared_wages":
            assert sum(r.amount for r in found.filter(kind="wages")) > person["wages"]
        elif kind == "undeclared_vehicle":
            assert found.count() > person["vehicles"]
        elif kind == "company_registration":
            assert found.filter(kind="legal_representative").exists()
        else:
            assert found.count() > person["homes"]


def test_the_cli_writes_files_for_a_generated_population(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from jiuzhu.cli.main import app

    result = CliRunner().invoke(
        app,
        ["demo", "departments", "--out", str(tmp_path), "--households", "200", "--seed", "4"],
    )
    assert result.exit_code == 0, result.output
    assert {p.name for p in tmp_path.iterdir()} >= {f"{s}.csv" for s in SOURCES}
    truth = pl.read_csv(tmp_path / "ground_truth.csv", infer_schema=False)
    assert truth.height == 10 + 2
