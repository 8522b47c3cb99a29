"""Policy parameters as data (P-01 … P-04, B-02): loading, layering, dating and the checks."""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest

from jiuzhu.rules.errors import ParameterError
from jiuzhu.rules.params import (
    LAYERS_ENV,
    ParameterSet,
    Resolved,
    default_parameters,
    load_parameters,
)
from jiuzhu.rules.validation import validate_parameters

PACKAGED = Path(str(resources.files("jiuzhu.rules") / "params"))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A writable copy of the packaged parameter folders."""
    root = tmp_path / "params"
    shutil.copytree(PACKAGED, root)
    return root


def load_checked(root: Path) -> ParameterSet:
    pset = load_parameters(root)
    validate_parameters(pset)
    return pset


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), "utf-8")


def test_the_packaged_parameters_load_and_pass_every_check() -> None:
    pset = default_parameters()
    assert "dibao_standard_urban" in pset.names()


def test_a_county_takes_its_city_value_and_the_nation_fills_the_rest() -> None:
    """P-01: 越秀区 440104 has no folder: Guangzhou's standard, Guangdong's k, the nation's rest."""
    pset = default_parameters()
    day = dt.date(2024, 6, 1)
    assert pset.resolve("dibao_standard_urban", "440104", day).region == "440100"
    assert pset.resolve("low_income_multiplier", "440104", day).region == "440000"
    assert pset.resolve("income_counted_wages", "440104", day).region == "000000"


def test_a_lower_level_overrides_the_one_above() -> None:
    """P-01: Guangdong's m = 1.6 overrides the national floor of 1.3 (B-02)."""
    pset = default_parameters()
    day = dt.date(2024, 6, 1)
    assert pset.resolve("tekun_multiplier_floor", "440104", day).value == Decimal("1.6")
    assert pset.resolve("tekun_multiplier_floor", "150102", day).value == Decimal("1.3")


def test_the_value_changes_on_its_effective_date_not_the_day_before() -> None:
    """P-02: Guangzhou 1,196 until 2022-12-31, 1,238 from 2023-01-01."""
    pset = default_parameters()
    before = pset.resolve("dibao_standard_urban", "440106", dt.date(2022, 12, 31))
    on = pset.resolve("dibao_standard_urban", "440106", dt.date(2023, 1, 1))
    assert (before.value, on.value) == (Decimal("1196.00"), Decimal("1238.00"))
    assert before.dated.end == dt.date(2022, 12, 31)


def test_amounts_are_decimal_never_float() -> None:
    """B-05: 938.25 (11,259 yuan a year ÷ 12) stays exact."""
    value = default_parameters().resolve("tekun_standard_rural", "150102", dt.date(2023, 1, 1))
    assert value.value == Decimal("938.25") and isinstance(value.value, Decimal)


def test_a_date_before_any_value_is_a_clear_error() -> None:
    with pytest.raises(ParameterError, match=r"dibao_standard_urban.*150102.*2021-06-01"):
        default_parameters().resolve("dibao_standard_urban", "150102", dt.date(2021, 6, 1))


def test_a_value_without_a_source_is_refused_naming_file_and_parameter(tree: Path) -> None:
    path = tree / "000000" / "review.yaml"
    path.write_text(
        "review_months_rigid:\n  description: x\n  unit: months\n"
        "  values: [{from: 2030-01-01, value: 12}]\n",
        "utf-8",
    )
    with pytest.raises(ParameterError, match=r"000000/review.yaml.*review_months_rigid.*source"):
        load_parameters(tree)


def test_overlapping_dates_are_refused(tree: Path) -> None:
    replace(
        tree / "440100" / "standards.yaml",
        "- {from: 2022-01-01, value: 1196}",
        "- {from: 2022-01-01, to: 2023-03-31, value: 1196}",
    )
    with pytest.raises(ParameterError, match=r"440100/standards.yaml.*overlap.*2023-01-01"):
        load_parameters(tree)


def test_two_values_on_one_date_are_refused(tree: Path) -> None:
    replace(
        tree / "440100" / "standards.yaml",
        "- {from: 2022-01-01, value: 1196}",
        "- {from: 2021-01-01, value: 1196}",
    )
    with pytest.raises(ParameterError, match="two values start on 2021-01-01"):
        load_parameters(tree)


def test_a_tekun_standard_under_m_times_dibao_is_refused(tree: Path) -> None:
    """B-02: in Guangzhou 2023, 1.6 × 1,238 = 1,980.80 > 1,900."""
    replace(
        tree / "440100" / "standards.yaml",
        "- {from: 2023-01-01, value: 1981}",
        "- {from: 2023-01-01, value: 1900}",
    )
    with pytest.raises(
        ParameterError, match=r"440100/standards.yaml.*tekun_standard_urban.*1900.*1980.80"
    ):
        load_checked(tree)


def test_a_city_under_its_category_minimum_is_refused(tree: Path) -> None:
    """P-04: 汕头 (category 4) at 850 < 860 in 2024."""
    replace(
        tree / "440500" / "standards.yaml",
        "value: 860, default: assumed",
        "value: 850, default: assumed",
    )
    with pytest.raises(ParameterError, match=r"440500/standards.yaml.*850.*category-4 minimum 860"):
        load_checked(tree)


def test_an_unknown_parameter_name_is_refused(tree: Path) -> None:
    replace(tree / "000000" / "dibao.yaml", "review_months_stable:", "review_month_stable:")
    with pytest.raises(ParameterError, match=r"review_month_stable.*not read by any rule"):
        load_checked(tree)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("value: 24, default: assumed", "value: -1, default: assumed", "whole number"),
        ("value: 300\n", "value: 300.123\n", "two decimal places"),
        ("value: 300\n", "value: -300\n", "must not be negative"),
        ("unit: months\n", "unit: fortnights\n", "unknown unit"),
    ],
    ids=["negative count", "three decimals", "negative money", "unknown unit"],
)
def test_values_that_do_not_fit_their_unit_are_refused(
    tree: Path, old: str, new: str, message: str
) -> None:
    for name in ("assets.yaml", "income.yaml"):
        path = tree / "000000" / name
        if old in path.read_text("utf-8"):
            replace(path, old, new)
            break
    with pytest.raises(ParameterError, match=message):
        load_parameters(tree)


def test_a_folder_that_is_not_a_region_is_refused(tree: Path) -> None:
    (tree / "999999").mkdir()
    with pytest.raises(ParameterError, match="999999"):
        load_parameters(tree)


def test_an_unknown_key_in_a_value_is_refused(tree: Path) -> None:
    """A stray key (e.g. a note split at a comma) must not pass silently."""
    replace(
        tree / "440100" / "standards.yaml",
        "- {from: 2022-01-01, value: 1196}",
        "- {from: 2022-01-01, value: 1196, typo: 1}",
    )
    with pytest.raises(ParameterError, match="unknown keys"):
        load_parameters(tree)


# P-01: the Inner Mongolia city's measures are a named layer attached to a configurable city.

IM_CITY = "内蒙古某市"
DAYS = [dt.date(2021, 3, 1), dt.date(2021, 9, 18), dt.date(2023, 6, 1), dt.date(2026, 6, 1)]


def _in_force(pset: ParameterSet, county: str, day: dt.date) -> list[Resolved]:
    out = []
    for name in pset.names():
        with contextlib.suppress(ParameterError):
            out.append(pset.resolve(name, county, day))
    return out


def _documents(resolved: Resolved) -> str:
    return resolved.dated.reference.document + (resolved.dated.reference.article or "")


@pytest.mark.parametrize("county", ["440106", "440511", "441900", "150202", "152502"])
def test_no_figure_of_the_inner_mongolia_city_reaches_another_city(county: str) -> None:
    """P-01: a Guangdong county and counties of other Inner Mongolia cities (Baotou, Xilinhot)
    never take a value from the IM city's layer, nor one whose source is the IM measures."""
    pset = default_parameters()
    for day in DAYS:
        for resolved in _in_force(pset, county, day):
            where = f"{resolved.name} for {county} on {day} ({resolved.file})"
            assert resolved.layer is None, where
            assert IM_CITY not in _documents(resolved), where
            if county.startswith("44"):
                assert "内蒙古" not in _documents(resolved) and resolved.region != "150000", where


def test_the_national_layer_cites_no_local_document() -> None:
    """P-01: what sits at 000000 is fixed by national documents (or a neutral placeholder)."""
    pset = default_parameters()
    for name, per_region in pset.by_name.items():
        national = per_region.get("000000")
        if national is None:
            continue
        for dated in national.values:
            text = dated.reference.document + (dated.reference.article or "")
            for local in ("内蒙古", "广东", "广州", "市《"):
                assert local not in text, f"{name} from {dated.start}: {text}"


@pytest.mark.parametrize(
    "name",
    [
        "emp_older_age_female",
        "emp_long_term_months",
        "temporary_aid_township_multiplier",
        "temporary_aid_county_ceiling",
        "gradual_exit_months",
    ],
)
def test_what_no_source_fixes_is_unset_in_baotou(name: str) -> None:
    """P-01: S-04 ages, temporary-aid tiers and the gradual exit are unset for Baotou."""
    with pytest.raises(ParameterError, match=f"{name}.*150202"):
        default_parameters().resolve(name, "150202", dt.date(2023, 6, 1))


def test_the_inner_mongolia_city_measures_apply_from_their_publication_date() -> None:
    """P-01, P-02: in 新城区 (of 呼和浩特市, where the layer is attached) the S-04 age is the
    measures' 40 from 2021-09-18, unset the day before; the determination level changes too."""
    pset = default_parameters()
    with pytest.raises(ParameterError, match="emp_older_age_female"):
        pset.resolve("emp_older_age_female", "150102", dt.date(2021, 9, 17))
    on = pset.resolve("emp_older_age_female", "150102", dt.date(2021, 9, 18))
    assert on.value == 40 and on.region == "150100" and on.file == "im-city-2021/employment.yaml"
    assert on.layer is not None and on.layer.assumed
    assert on.as_dict()["layer"]["region"] == "150100"
    before = pset.resolve("determination_authority", "150102", dt.date(2021, 9, 17))
    after = pset.resolve("determination_authority", "150102", dt.date(2021, 9, 18))
    assert (before.value, after.value) == ("county", "township")


def test_care_allowances_are_the_regions_in_inner_mongolia_and_neutral_elsewhere() -> None:
    """B-02, P-01: Baotou takes the autonomous region's 494 (assumed for the city); Guangzhou
    takes the national neutral 0, never Inner Mongolia's figure."""
    pset = default_parameters()
    day = dt.date(2023, 6, 1)
    baotou = pset.resolve("care_allowance_partial", "150202", day)
    assert (baotou.value, baotou.region) == (Decimal("494.00"), "150000")
    assert baotou.dated.assumed
    guangzhou = pset.resolve("care_allowance_partial", "440106", day)
    assert (guangzhou.value, guangzhou.region) == (Decimal("0.00"), "000000")
    assert guangzhou.dated.assumed and "neutral" in (guangzhou.dated.note or "").lower()


def test_the_layer_follows_its_layer_yaml(tree: Path) -> None:
    """P-01: an administrator attaches the measures to another city by editing one line."""
    replace(tree / "im-city-2021" / "layer.yaml", 'region: "150100"', 'region: "150200"')
    pset = load_checked(tree)
    day = dt.date(2023, 6, 1)
    assert pset.resolve("emp_older_age_female", "150202", day).region == "150200"
    with pytest.raises(ParameterError, match="emp_older_age_female"):
        pset.resolve("emp_older_age_female", "150102", day)
    assert pset.layers["im-city-2021"].region == "150200"


def test_the_layer_can_be_moved_by_the_environment(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """P-01: JIUZHU_PARAM_LAYERS=im-city-2021=150200 overrides layer.yaml (and is not assumed)."""
    monkeypatch.setenv(LAYERS_ENV, "im-city-2021=150200")
    pset = load_checked(tree)
    resolved = pset.resolve("temporary_aid_county_ceiling", "150202", dt.date(2023, 6, 1))
    assert resolved.layer is not None
    assert (resolved.layer.region, resolved.layer.configured_by) == ("150200", LAYERS_ENV)
    assert not resolved.layer.assumed
    with pytest.raises(ParameterError, match="temporary_aid_county_ceiling"):
        pset.resolve("temporary_aid_county_ceiling", "150102", dt.date(2023, 6, 1))


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        ({"im-city-2021": "999999"}, "not a region code"),
        ({"im-city-2021": "000000"}, "not a region code"),
        ({"no-such-layer": "150200"}, "no named layer 'no-such-layer'"),
        ({"im-city-2021": "440000"}, "low_income_multiplier.*also declared in"),
    ],
    ids=["unknown code", "the nation", "unknown layer", "clash with Guangdong's own"],
)
def test_a_bad_layer_attachment_is_refused(
    tree: Path, layers: dict[str, str], message: str
) -> None:
    with pytest.raises(ParameterError, match=message):
        load_parameters(tree, layers=layers)


def test_a_malformed_environment_variable_is_refused(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(LAYERS_ENV, "im-city-2021:150200")
    with pytest.raises(ParameterError, match=f"{LAYERS_ENV}.*name=region-code"):
        load_parameters(tree)


def test_a_layer_without_its_region_or_document_is_refused(tree: Path) -> None:
    replace(tree / "im-city-2021" / "layer.yaml", 'region: "150100"\n', "")
    with pytest.raises(ParameterError, match=r"im-city-2021/layer.yaml.*'region'"):
        load_parameters(tree)


def test_a_named_layer_sits_at_the_region_its_layer_yaml_names(tree: Path) -> None:
    """P-01: a folder with a layer.yaml holds one document's figures at the region it names."""
    layer = tree / "gz-measures"
    layer.mkdir()
    (layer / "layer.yaml").write_text(
        'region: "440100"\ndefault: assumed\ndocument: 某市措施\nnote: which city is assumed\n',
        "utf-8",
    )
    (layer / "income.yaml").write_text(
        "employment_cost_cap_per_employed:\n  description: x\n  unit: yuan_per_month\n"
        "  reference: {document: 某市措施, article: 第一条}\n"
        "  values: [{from: 2022-01-01, value: 500}]\n",
        "utf-8",
    )
    pset = load_checked(tree)
    resolved = pset.resolve("employment_cost_cap_per_employed", "440106", dt.date(2023, 6, 1))
    assert (resolved.value, resolved.region) == (Decimal("500.00"), "440100")
    assert resolved.file == "gz-measures/income.yaml"
    assert resolved.as_dict()["layer"] == {
        "name": "gz-measures",
        "region": "440100",
        "document": "某市措施",
        "configured_by": "layer.yaml",
        "default": "assumed",
        "note": "which city is assumed",
    }
    other = pset.resolve("employment_cost_cap_per_employed", "440511", dt.date(2023, 6, 1))
    assert other.layer is None and other.region == "000000"
    moved = load_parameters(tree, layers={"gz-measures": "440500"})
    assert moved.resolve("employment_cost_cap_per_employed", "440511", dt.date(2023, 6, 1)).layer


def test_a_layer_folder_named_like_a_region_code_is_refused(tree: Path) -> None:
    (tree / "440100" / "layer.yaml").write_text('region: "440100"\ndocument: x\n', "utf-8")
    with pytest.raises(ParameterError, match="must not be named like a region code"):
        load_parameters(tree)
