"""Department records → verified facts → discrepancies, set-based (V-02, V-03, I-02, I-05).

One path for one application and for the whole caseload: members (household, member, keyed
hash) are joined with the usable records of every source in Polars; each source's records
become facts of the household or member (a monthly income, a count of vehicles, financial
assets, a death); the facts are compared with the declaration, item by item, and graded.
No Django here: the callers read the frames (selectors) and write the results (services).

What each source proves (documented in docs/verification.md):
- 户籍 hukou: a `death` → the member died; `moved_out` / `cancelled` → no longer registered;
- 税务 tax: wages and labour → wages; business; property and interest → property; other —
  each the monthly average over the income window (since the first record in it);
- 社会保险: pensions and benefits → basic pension (residents' pension) or transfer income
  (monthly average as above); contributions → the member is insured as employed;
- 住房公积金: contributions → the member is employed;
- 不动产: registered homes, shops and offices (each certificate once per household);
- 车船: registered cars, trucks, buses, vessels and others — not motorcycles, tricycles or
  trailers (each plate once per household);
- 市场主体: active entities the member represents, owns or runs (each credit code once);
- 银行, 互联网金融 (not loans), 证券, 商业保险 (cash value): financial assets, summed.
A record shows that income or property exists; its absence does not show there is none, so
a verified figure is the larger of the declared and the found one.

Flow sources (tax, social insurance, provident fund, hukou events) are read from every batch
in the window, so a department that delivers a record again in a later batch (a full
re-delivery, a correction) would count it twice: the same record (`FLOW_KEYS`: person,
kind, period and payer) is taken from the latest batch only (`latest_deliveries`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import polars as pl

INCOME_ITEMS = ("wages", "business", "property", "transfer", "basic_pension", "other")
COUNT_ITEMS = ("assets.vehicles", "assets.homes", "assets.business_registrations")
MONEY_ITEMS = (*(f"income.{k}" for k in INCOME_ITEMS), "assets.financial")
STATUS_ITEMS = ("status.deceased", "status.moved_out")
INDICATOR_ITEMS = ("employment.insured",)
TAX_KINDS = {
    "wages": "income.wages",
    "labour": "income.wages",
    "business": "income.business",
    "property": "income.property",
    "interest": "income.property",
    "other": "income.other",
}
BENEFIT_KINDS = {"pension", "unemployment_benefit", "injury_benefit"}
HOME_KINDS = ("residential", "commercial", "office")
VEHICLE_KINDS = ("car", "truck", "bus", "vessel", "other")
ENTITY_ROLES = ("legal_representative", "shareholder", "sole_proprietor")
FINANCIAL_SOURCES = ("bank", "internet_finance", "securities", "commercial_insurance")
SEVERITIES = ("high", "medium", "info", "none")
HUKOU_EVENTS = ("death", "moved_out", "cancelled")  # what a hukou record can prove here
# what makes two records of a flow source the same record delivered again: the person, the
# kind, the period, and the fields naming the period's end, the insurance and the payer
FLOW_KEYS: dict[str, tuple[str, ...]] = {
    "tax": ("period_end", "withholder_uscc"),
    "social_insurance": ("insurance", "employer_uscc"),
    "provident_fund": ("employer_uscc",),
    "hukou": (),
}

FOUND_SCHEMA: dict[str, pl.DataType] = {
    "household_id": pl.Int64(),
    "member_id": pl.Int64(),
    "item": pl.String(),
    "source": pl.String(),
    "value": pl.Int64(),  # fen, or a count
    "records": pl.UInt32(),
    "batches": pl.List(pl.Int64()),
}


@dataclass(frozen=True)
class Tolerances:
    income_ratio: Decimal
    income_fen: int
    financial_fen: int


def _month_index(day: pl.Expr) -> pl.Expr:
    return day.dt.year().cast(pl.Int64) * 12 + day.dt.month().cast(pl.Int64)


def _field(name: str) -> pl.Expr:
    return pl.col("data").str.json_path_match(f"$.{name}")


def _fen() -> pl.Expr:
    return (pl.col("amount").cast(pl.Decimal(20, 2)) * 100).cast(pl.Int64).fill_null(0)


def _summed(frame: pl.DataFrame, *, member: bool) -> pl.DataFrame:
    keys = ["household_id", "member_id", "item", "source"] if member else [
        "household_id", "item", "source"
    ]  # fmt: skip
    out = frame.group_by(keys).agg(
        pl.col("fen").sum().alias("value"),
        pl.len().cast(pl.UInt32).alias("records"),
        pl.col("batch_id").unique().sort().alias("batches"),
    )
    if not member:
        out = out.with_columns(pl.lit(None, dtype=pl.Int64).alias("member_id"))
    return out


def _counted(frame: pl.DataFrame, key: pl.Expr) -> pl.DataFrame:
    """Household counts of distinct things (a certificate, a plate, a credit code), a record
    without its key counting on its own."""
    keyed = frame.with_columns(pl.coalesce(key, pl.format("#{}", pl.col("row"))).alias("thing"))
    return (
        keyed.group_by(["household_id", "item", "source"])
        .agg(
            pl.col("thing").n_unique().cast(pl.Int64).alias("value"),
            pl.len().cast(pl.UInt32).alias("records"),
            pl.col("batch_id").unique().sort().alias("batches"),
        )
        .with_columns(pl.lit(None, dtype=pl.Int64).alias("member_id"))
    )


def proving() -> pl.Expr:
    """The records that can prove something: a hukou registration that is still in force
    (`registered`) proves nothing the declaration lacks; every other record may. Readers of
    a caseload leave the others in the database (verification/caseload.py)."""
    return ~((pl.col("source") == "hukou") & ~pl.col("kind").is_in(HUKOU_EVENTS))


def latest_deliveries(records: pl.DataFrame) -> pl.DataFrame:
    """Records of flow sources delivered again in a later batch kept once, from the latest
    batch (the highest batch id: batches are numbered as they arrive). Records of one batch
    are never merged: two payments of one month from one payer are two records. Stock
    sources pass unchanged (only their latest batch is read)."""
    flow = pl.col("source").is_in(list(FLOW_KEYS))
    person = ["source", "id_hash", "kind", "occurred_on"]
    # only records of a person, kind and date that came in more than one batch can be a
    # record delivered again: the key is read from their JSON alone
    again = flow & (pl.col("batch_id").n_unique().over(person) > 1)
    marked = records.with_columns(again.alias("_again"))
    parts = [marked.filter(~pl.col("_again"))]
    for source, fields in FLOW_KEYS.items():
        rows = marked.filter(pl.col("_again") & (pl.col("source") == source))
        if rows.height == 0:
            continue
        key = pl.concat_str([_field(n).fill_null("") for n in fields], separator="|")
        rows = rows.with_columns((key if fields else pl.lit("")).alias("_delivery"))
        latest = pl.col("batch_id") == pl.col("batch_id").max().over([*person, "_delivery"])
        parts.append(rows.filter(latest).drop("_delivery"))
    return pl.concat(parts).drop("_again")


def found_facts(
    people: pl.DataFrame,
    records: pl.DataFrame,
    as_of: dt.date,
    window_months: int,
    allowed: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """What the records say, per household (and member for incomes and status), per source.

    `people`: household_id, member_id, id_hash. `records`: source, batch_id, id_hash, kind,
    amount (Decimal yuan), quantity, occurred_on, data (JSON text). `allowed` (household_id,
    batch_id), when given, keeps for each household only the batches usable for its area."""
    joined = records.filter(proving()).join(people, on="id_hash", how="inner")
    if allowed is not None:
        joined = joined.join(allowed, on=["household_id", "batch_id"], how="semi")
    joined = latest_deliveries(joined).with_row_index("row").with_columns(_fen().alias("fen"))
    parts: list[pl.DataFrame] = []
    source = pl.col("source")
    start = _month_index(pl.lit(as_of)) - window_months
    in_window = (_month_index(pl.col("occurred_on")) >= start) & (pl.col("occurred_on") <= as_of)

    tax = joined.filter((source == "tax") & in_window).with_columns(
        pl.col("kind").replace_strict(TAX_KINDS, default="income.other").alias("item")
    )
    benefits = joined.filter(
        (source == "social_insurance") & pl.col("kind").is_in(list(BENEFIT_KINDS)) & in_window
    )
    benefits = benefits.with_columns(
        pl.when(_field("insurance") == "resident_pension")
        .then(pl.lit("income.basic_pension"))
        .otherwise(pl.lit("income.transfer"))
        .alias("item")
    )
    incomes = pl.concat([tax, benefits])
    if incomes.height:
        months = (
            incomes.group_by(["household_id", "member_id", "item"])
            .agg(pl.col("occurred_on").min().alias("first"))
            .with_columns(
                (_month_index(pl.lit(as_of)) - _month_index(pl.col("first")))
                .clip(1, window_months)
                .alias("months")
            )
            .drop("first")
        )
        summed = _summed(incomes, member=True).join(
            months, on=["household_id", "member_id", "item"]
        )
        # the monthly average, rounded half up to the fen
        parts.append(
            summed.with_columns(
                ((pl.col("value") * 2 + pl.col("months")) // (pl.col("months") * 2)).alias("value")
            ).drop("months")
        )
    insured = joined.filter(
        ((source == "social_insurance") | (source == "provident_fund"))
        & (pl.col("kind") == "contribution")
        & in_window
    ).with_columns(pl.lit("employment.insured").alias("item"), pl.lit(1, pl.Int64).alias("fen"))
    if insured.height:
        parts.append(_summed(insured, member=True).with_columns(pl.lit(1, pl.Int64).alias("value")))
    status = joined.filter(
        (source == "hukou") & pl.col("kind").is_in(HUKOU_EVENTS) & (pl.col("occurred_on") <= as_of)
    ).with_columns(
        pl.when(pl.col("kind") == "death")
        .then(pl.lit("status.deceased"))
        .otherwise(pl.lit("status.moved_out"))
        .alias("item"),
        pl.lit(1, pl.Int64).alias("fen"),
    )
    if status.height:
        parts.append(_summed(status, member=True).with_columns(pl.lit(1, pl.Int64).alias("value")))
    # the source's rows first, then their JSON (a filter reads every row it is given)
    homes = (
        joined.filter((source == "real_estate") & pl.col("kind").is_in(HOME_KINDS))
        .filter(_field("status") == "registered")
        .with_columns(pl.lit("assets.homes").alias("item"))
    )
    vehicles = (
        joined.filter((source == "vehicles") & pl.col("kind").is_in(VEHICLE_KINDS))
        .filter(_field("status") == "registered")
        .with_columns(pl.lit("assets.vehicles").alias("item"))
    )
    entities = (
        joined.filter((source == "market_entity") & pl.col("kind").is_in(ENTITY_ROLES))
        .filter(_field("status") == "active")
        .with_columns(pl.lit("assets.business_registrations").alias("item"))
    )
    for frame, key in (
        (homes, _field("certificate_no")),
        (vehicles, _field("plate_no")),
        (entities, _field("uscc")),
    ):
        if frame.height:
            parts.append(_counted(frame, key))
    financial = joined.filter(
        source.is_in(FINANCIAL_SOURCES)
        & ~((source == "internet_finance") & (pl.col("kind") == "loan"))
    ).with_columns(pl.lit("assets.financial").alias("item"))
    if financial.height:
        parts.append(_summed(financial, member=False))
    if not parts:
        return pl.DataFrame(schema=FOUND_SCHEMA)
    return pl.concat([p.select(list(FOUND_SCHEMA)).cast(dict(FOUND_SCHEMA)) for p in parts])  # type: ignore[arg-type]


def compare(
    declared: pl.DataFrame, found: pl.DataFrame, tolerances: Tolerances, *, ordered: bool = True
) -> pl.DataFrame:
    """Declared against found, per household, member and item: the found value (null when
    no source had a record), the verified value, the sources, and a severity:

    - `high`: a death or a move; a thing (car, home, business) not declared; income or
      financial assets found well above the declaration (at least 1.5 × it, or declared 0);
    - `medium`: found above the declaration beyond the tolerance; contributions as an
      employee while no wages are declared;
    - `info`: the declaration is higher than what the records show;
    - `none`: consistent.

    `declared`: household_id, member_id (null for household items), item, declared (fen
    or count). `ordered=False` leaves the rows unsorted (a caseload needs no order)."""
    keys = ["household_id", "member_id", "item"]
    # household items have no member: 0 (no member id is 0) joins faster than nulls
    no_member = pl.col("member_id").fill_null(0)
    declared = declared.with_columns(no_member)
    # most items come from one row of one source: only the others are aggregated to lists
    counted = found.with_columns(no_member, pl.len().over(keys).alias("_n"))
    single = counted.filter(pl.col("_n") == 1).select(
        *keys,
        pl.col("value").alias("found"),
        pl.concat_list("source").alias("sources"),
        "batches",
        pl.col("records").cast(pl.Int64),
    )
    several = (
        counted.filter(pl.col("_n") > 1)
        .group_by(keys)
        .agg(
            pl.col("value").sum().alias("found"),
            pl.col("source").unique().sort().alias("sources"),
            pl.col("batches")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .unique()
            .sort()
            .alias("batches"),
            pl.col("records").sum().cast(pl.Int64),
        )
    )
    by_item = pl.concat([single, several])
    wages = declared.filter(pl.col("item") == "income.wages").select(
        "household_id", "member_id", pl.col("declared").alias("declared_wages")
    )
    rows = (
        declared.join(by_item, on=keys, how="full", coalesce=True)
        .join(wages, on=["household_id", "member_id"], how="left")
        .with_columns(pl.col("declared").fill_null(0), pl.col("declared_wages").fill_null(0))
    )
    item, d, f = pl.col("item"), pl.col("declared"), pl.col("found")
    is_money = item.is_in(MONEY_ITEMS)
    tolerance = (
        pl.when(item == "assets.financial")
        .then(pl.lit(tolerances.financial_fen))
        .otherwise(
            pl.max_horizontal(
                (d * int(tolerances.income_ratio * 10_000)) // 10_000,  # exact: integer fen
                pl.lit(tolerances.income_fen),
            )
        )
    )
    above = f - d > tolerance
    far_above = (d == 0) | (f * 2 >= d * 3)
    severity = (
        pl.when(f.is_null())
        .then(pl.lit("none"))
        .when(item.is_in(STATUS_ITEMS))
        .then(pl.lit("high"))
        .when(item == "employment.insured")
        .then(
            pl.when(pl.col("declared_wages") == 0).then(pl.lit("medium")).otherwise(pl.lit("none"))
        )
        .when(item.is_in(COUNT_ITEMS))
        .then(
            pl.when(f > d)
            .then(pl.lit("high"))
            .when(f < d)
            .then(pl.lit("info"))
            .otherwise(pl.lit("none"))
        )
        .when(is_money & above)
        .then(pl.when(far_above).then(pl.lit("high")).otherwise(pl.lit("medium")))
        .when(is_money & (d - f > tolerance))
        .then(pl.lit("info"))
        .otherwise(pl.lit("none"))
    )
    verified = (
        pl.when(item.is_in([*MONEY_ITEMS, *COUNT_ITEMS]) & f.is_not_null())
        .then(pl.max_horizontal(d, f))
        .otherwise(d)
    )
    out = rows.with_columns(
        severity.alias("severity"),
        verified.alias("verified"),
        pl.when(pl.col("member_id") != 0).then(pl.col("member_id")).alias("member_id"),
    ).drop("declared_wages")
    return out.sort(keys, nulls_last=False) if ordered else out
