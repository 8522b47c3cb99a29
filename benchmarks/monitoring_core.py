"""The scan's core at full size, in memory (issue #7): a synthetic register of a province and
a day's signals generated as frames, then the warning rules exactly as `scan.candidates`
runs them (indicators.signal_warnings with the level join, the matched count, the sort).
Run in its own process (`python -m benchmarks.monitoring_core PEOPLE SIGNALS`) so its peak
memory is its own; prints one JSON line. No database.

The population (vectorised NumPy, seed 2024; docs/synthetic-data.md "Monitoring at scale"):
households of 1-5 members (mean ≈ 2.5) spread over the 124 county-level divisions of
Guangdong (44), 30 townships × 20 villages each; categories 特困 2 %, 低保 8 %, 低保边缘
10 %, 刚性支出困难 3 %, none 77 %; monthly incomes 0 for 40 % of members, otherwise
lognormal (median ≈ 1,500 yuan), wages for 70 % of those. ID hashes are 64 hex characters
like the keyed hashes the platform stores. The signals: `MATCH` (default 50 %) about
registered people, the rest about people outside the register (departments deliver for
everyone); sources medical 60 %, utility arrears 12 %, unemployment 8 %, disaster 6 %,
disability 4 %, death 4 %, dropout 3 %, hotline 3 %; dates uniform over the last 365 days;
amounts lognormal; 1 % delivered twice (the rules count each fact once).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import sys
import time

import numpy as np
import polars as pl

AS_OF = dt.date(2026, 3, 2)
SOURCES = {
    "medical_expense": (0.60, ["inpatient", "outpatient", "pharmacy"]),
    "utility_arrears": (0.12, ["water", "electricity", "gas", "heating"]),
    "unemployment": (0.08, ["registered", "benefit_started", "benefit_ended"]),
    "disaster_damage": (0.06, ["flood", "typhoon", "fire", "other"]),
    "disability": (0.04, ["physical", "visual", "intellectual", "multiple"]),
    "death": (0.04, ["death_certificate", "hukou_cancelled", "cremation"]),
    "school_dropout": (0.03, ["primary", "junior_secondary", "senior_secondary"]),
    "hotline_report": (0.03, ["12345", "12349", "visit"]),
}
CATEGORY_SHARES = {
    "tekun": 0.02,
    "dibao": 0.08,
    "low_income": 0.10,
    "rigid_expense": 0.03,
    "none": 0.77,
}


def _rss_gib() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**30


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def _hashes(rng: np.random.Generator, n: int) -> pl.Series:
    raw = np.frombuffer(rng.bytes(32 * n), dtype="S32")
    return pl.Series("id_hash", raw, dtype=pl.Binary).bin.encode("hex")


def counties() -> list[str]:
    from jiuzhu.rules.monitoring import default_parameters

    return sorted(c for c in default_parameters().regions.leaves if c.startswith("44"))


def population(people: int, seed: int = 2024) -> tuple[pl.DataFrame, pl.DataFrame, list[str]]:
    rng = np.random.default_rng(seed)
    sizes = rng.choice([1, 2, 3, 4, 5], size=people // 2 + 1, p=[0.25, 0.30, 0.2, 0.15, 0.10])
    sizes = sizes[: int(np.searchsorted(np.cumsum(sizes), people)) + 1]
    n_households = len(sizes)
    codes = counties()
    county = rng.integers(0, len(codes), n_households)
    township = rng.integers(1, 31, n_households)
    village = rng.integers(1, 21, n_households)
    county_codes = np.array(codes)[county]
    region = np.char.add(
        np.char.add(county_codes, np.char.zfill(township.astype(str), 3)),
        np.char.zfill(village.astype(str), 3),
    )
    categories = rng.choice(
        list(CATEGORY_SHARES), size=n_households, p=list(CATEGORY_SHARES.values())
    )
    households = pl.DataFrame(
        {
            "household_id": np.arange(1, n_households + 1, dtype=np.int64),
            "region_code": region,
            "residence": rng.choice(["urban", "rural"], size=n_households),
            "category": categories,
        }
    ).with_columns(pl.col("region_code").str.slice(0, 6).alias("county"))
    household_of = np.repeat(np.arange(1, n_households + 1, dtype=np.int64), sizes)[:people]
    earns = rng.random(people) >= 0.40
    monthly = np.where(earns, rng.lognormal(np.log(150_000), 0.6, people), 0).astype(np.int64)
    earned = np.where(rng.random(people) < 0.70, monthly, 0)
    members = pl.DataFrame(
        {
            "member_id": np.arange(1, people + 1, dtype=np.int64),
            "household_id": household_of,
            "id_hash": _hashes(rng, people),
            "monthly_fen": monthly,
            "earned_fen": earned,
        }
    )
    return households, members, codes


def signals(members: pl.DataFrame, n: int, match: float, seed: int = 2025) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    unique = int(n * 0.99)
    matched = rng.random(unique) < match
    hashes = _hashes(rng, unique)
    picks = rng.integers(0, members.height, unique)
    registered = members.get_column("id_hash").gather(picks)
    id_hash = pl.select(
        pl.when(pl.lit(pl.Series(matched))).then(pl.lit(registered)).otherwise(pl.lit(hashes))
    ).to_series()
    names = list(SOURCES)
    source = rng.choice(len(names), size=unique, p=[SOURCES[s][0] for s in names])
    kind_index = rng.integers(0, 3, unique)
    kinds = np.array([[SOURCES[s][1][i] for i in range(3)] for s in names])[source, kind_index]
    amount = rng.lognormal(np.log(30_000), 1.5, unique).astype(np.int64)
    quantity = np.where(
        np.array(names)[source] == "disability",
        rng.integers(1, 5, unique),
        rng.integers(1, 13, unique),
    )
    days = rng.integers(0, 365, unique)
    frame = pl.DataFrame(
        {
            "source": np.array(names)[source],
            "id_hash": id_hash,
            "kind": kinds,
            "amount_fen": amount,
            "quantity": quantity,
            "days": days,
        }
    ).with_columns(
        (pl.lit(AS_OF) - pl.duration(days=pl.col("days"))).cast(pl.Date).alias("occurred_on"),
        pl.col("quantity").cast(pl.Decimal(14, 2)),
        (pl.col("amount_fen").cast(pl.Decimal(16, 0)) / 100)
        .cast(pl.Decimal(16, 2))
        .alias("amount"),
        pl.concat_str(
            pl.lit('{"name": "合成*'), (pl.col("days") % 97).cast(pl.String), pl.lit('"}')
        ).alias("data"),
    )
    again = frame.sample(n - unique, seed=seed)  # the same facts delivered twice
    frame = pl.concat([frame, again])
    return frame.with_columns(
        pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias("signal_id")
    ).select(
        "signal_id", "source", "id_hash", "kind", "amount", "quantity", "occurred_on", "data",
        "amount_fen",
    )  # fmt: skip


def run(people: int, n_signals: int, match: float) -> dict[str, object]:
    from jiuzhu.monitoring.indicators import county_parameters, signal_warnings
    from jiuzhu.rules.monitoring import monitoring_parameters

    started = time.perf_counter()
    households, members, codes = population(people)
    frame = signals(members, n_signals, match)
    generated = time.perf_counter() - started
    inputs_gib = sum(f.estimated_size() for f in (households, members, frame)) / 2**30
    rss_before = _rss_gib()
    started = time.perf_counter()
    params = {c: monitoring_parameters(c, AS_OF) for c in codes}
    cp = county_parameters(params, AS_OF)
    timings = {"parameters": time.perf_counter() - started}
    at = time.perf_counter()
    found = signal_warnings(households, members, frame, cp)
    timings["signal_warnings"] = time.perf_counter() - at
    at = time.perf_counter()
    matched = frame.join(members.select("id_hash"), on="id_hash", how="semi").height
    found = found.sort("household_id", "kind", "key")
    timings["matched_and_sort"] = time.perf_counter() - at
    total = time.perf_counter() - started
    return {
        "people": members.height,
        "households": households.height,
        "signals": frame.height,
        "matched_signals": matched,
        "warnings": found.height,
        "by_kind": dict(found.group_by("kind").len().sort("kind").iter_rows()),
        "by_level": dict(found.group_by("level").len().sort("level").iter_rows()),
        "generate_seconds": round(generated, 2),
        "seconds": round(total, 2),
        "timings": {k: round(v, 2) for k, v in timings.items()},
        "inputs_gib": round(inputs_gib, 2),
        "rss_before_gib": round(rss_before, 2),
        "peak_gib": round(_peak_gib(), 2),
        "threads": pl.thread_pool_size(),
        "load": os.getloadavg(),
    }


if __name__ == "__main__":
    people, n_signals = int(sys.argv[1]), int(sys.argv[2])
    match = float(sys.argv[3]) if len(sys.argv) > 3 else 0.5
    print(json.dumps(run(people, n_signals, match)), flush=True)
