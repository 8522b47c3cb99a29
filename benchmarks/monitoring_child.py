"""Run inside the bench database's Django (see monitoring_pg.py). Prints JSON lines.

`prepare DAY FOLDER`: give the bench population its categories (approved 特困, 低保, 低保边缘,
刚性支出困难 cases for 2 %, 8 %, 10 %, 3 % of the households, decided a month before DAY), then
write the synthetic signals with planted hardships for it (synthetic/signals.py: 3 %
planted, 10 % noise) into FOLDER, one CSV per kind and ground_truth.csv.
`scale SIGNALS MATCH`: the same categories, then SIGNALS records drawn as the in-memory core
draws them, written straight into the database (see `scale`).
`truth FOLDER`: precision and recall of the open signal warnings against ground_truth.csv.
`dashboard N`: top the open warnings up to N (with their tasks, spread over the
population), then render the `/monitoring/` page and `GET /api/v1/monitoring/dashboard`
50 times each as a province-level user (county officer whose area is 广东省)."""

from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import django

SHARES = {"tekun": 0.02, "dibao": 0.08, "low_income": 0.10, "rigid_expense": 0.03}
RENDERS = 50


def categorise(day: dt.date) -> tuple[int, int]:
    """Approved cases giving SHARES of the households their category, decided a month
    before DAY (COPY, `jiuzhu.db.bulk_insert`); (households, cases)."""
    import numpy as np
    from django.db import transaction

    from jiuzhu.benefits.entitlements import entitlements_from_decisions
    from jiuzhu.cases.models import PAID_KINDS, Case
    from jiuzhu.db import bulk_insert
    from jiuzhu.registry.models import Household

    rng = np.random.default_rng(2024)
    decided = day - dt.timedelta(days=30)
    households = list(Household.unscoped.order_by("id").values_list("id", "region_code"))
    draws = rng.random(len(households))
    edges = np.cumsum(list(SHARES.values()))
    picks = np.searchsorted(edges, draws, side="right")  # len(SHARES): no category
    kinds = list(SHARES)
    cases = [
        Case(
            number=f"BENCH-M-{household_id:08d}", kind=kinds[pick], state="closed",
            household_id=household_id, region_code=region, township_code=region[:9],
            channel="window", applied_on=decided - dt.timedelta(days=20),
            outcome="approved", decided_on=decided, synthetic=True,
            decided_amount=Decimal("500.00") if kinds[pick] in PAID_KINDS else None,
        )
        for (household_id, region), pick in zip(households, picks.tolist(), strict=True)
        if pick < len(kinds)
    ]  # fmt: skip
    for at in range(0, len(cases), 50_000):  # with the entitlements their approval makes
        chunk = cases[at : at + 50_000]
        with transaction.atomic():
            bulk_insert(chunk, with_ids=True)
            entitlements_from_decisions(actor=None, cases=chunk, today=decided)
    return len(households), len(cases)


def prepare(day: dt.date, folder: Path) -> None:
    from django.db import connection

    from jiuzhu.demo.departments import demo_population
    from jiuzhu.regions.scope import system_scope
    from jiuzhu.synthetic.signals import generate_signals, write_signals

    started = time.perf_counter()
    with system_scope("bench"):
        households, cases = categorise(day)
        persons = demo_population(day)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    data = generate_signals(persons, seed=2024, as_of=day)
    counts = write_signals(data, folder)
    print(json.dumps({
        "households": households, "members": persons.height, "categorised": cases,
        "signals": counts, "planted": data.truth.height,
        "seconds": time.perf_counter() - started,
    }))  # fmt: skip


def scale(n_signals: int, match: float) -> None:
    """The full-size scan's database: categories as in `prepare`, then N_SIGNALS department
    records drawn as benchmarks/monitoring_core.py draws them (MATCH of them about the
    registered members, by their stored keyed hashes) written straight into the
    verification tables by COPY, one complete batch per source dated the core's day (the
    import path is measured on its own, docs/benchmarks.md "Verification")."""
    import polars as pl
    from django.db import connection
    from django.utils import timezone

    from benchmarks.monitoring_core import AS_OF, signals
    from jiuzhu.db import copy_frame, sql_frame
    from jiuzhu.regions.scope import system_scope
    from jiuzhu.verification.models import DepartmentRecord, SourceBatch

    started = time.perf_counter()
    with system_scope("bench"):
        households, cases = categorise(AS_OF)
        members = sql_frame("SELECT id_hash FROM registry_member", [], {"id_hash": pl.String})
        frame = signals(members, n_signals, match)
        now = timezone.now()
        for source in sorted(frame["source"].unique().to_list()):
            rows = frame.filter(pl.col("source") == source)
            batch = SourceBatch.unscoped.create(
                source=source, batch_key=f"bench-{source}", content_sha256="0" * 64,
                as_of=AS_OF, channel="file", status="complete", rows_total=rows.height,
                rows_done=rows.height, rows_ok=rows.height, started_at=now, finished_at=now,
                imported_by_name="bench",
            )  # fmt: skip
            out = rows.select(
                pl.lit(batch.pk).alias("batch_id"), "source", pl.lit("").alias("region_code"),
                pl.int_range(1, rows.height + 1).alias("line"), pl.lit(AS_OF).alias("as_of"),
                "id_hash", pl.lit("******************").alias("id_masked"), "kind",
                pl.col("amount").cast(pl.String), pl.col("quantity").cast(pl.String),
                "occurred_on", "data",
            )  # fmt: skip
            copy_frame(DepartmentRecord, out)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(json.dumps({
        "households": households, "members": members.height, "categorised": cases,
        "signals": frame.height, "day": AS_OF.isoformat(),
        "seconds": time.perf_counter() - started,
    }))  # fmt: skip


def truth(folder: Path) -> None:
    """Precision: signal warnings on a household planted with a hardship of the warning's
    kind / all signal warnings (政策找人 is not a signal rule and is left out). Recall:
    planted hardships with such a warning / planted."""
    import polars as pl

    from jiuzhu.monitoring.indicators import county_parameters
    from jiuzhu.monitoring.models import RiskWarning
    from jiuzhu.monitoring.register import households_frame
    from jiuzhu.regions.scope import system_scope
    from jiuzhu.registry.models import Household
    from jiuzhu.rules.monitoring import monitoring_parameters

    planted = pl.read_csv(folder / "ground_truth.csv", schema_overrides={"amount": pl.String})
    day = dt.date.today()
    with system_scope("bench"):
        register = households_frame(day)
        numbers = pl.DataFrame(
            list(Household.unscoped.values_list("number", "id")),
            schema={"household": pl.String, "household_id": pl.Int64}, orient="row",
        )  # fmt: skip
        counties = sorted(set(register.get_column("county").to_list()))
        cp = county_parameters({c: monitoring_parameters(c, day) for c in counties}, day)
        rows = list(
            RiskWarning.unscoped.exclude(kind="policy_match").values_list(
                "household__number", "kind", "category"
            )
        )
        policy = RiskWarning.unscoped.filter(kind="policy_match").count()
    warned = pl.DataFrame(
        rows, schema={"household": pl.String, "kind": pl.String, "category": pl.String},
        orient="row",
    )  # fmt: skip
    hits = warned.join(planted.select("household", "kind"), on=["household", "kind"], how="semi")
    found = planted.join(warned.select("household", "kind").unique(), on=["household", "kind"],
                         how="semi")  # fmt: skip
    # in scope: the rules warn of a disaster or a dropout only for the categories the
    # parameters name (the low-income population); the other plants always are
    scope = (
        planted.join(numbers, on="household")
        .join(register.select("household_id", "county", "category"), on="household_id")
        .join(cp.categories, on=["county", "category"])
        .filter(
            ((pl.col("kind") != "disaster") | pl.col("disaster"))
            & ((pl.col("kind") != "school_dropout") | pl.col("dropout"))
        )
    )
    in_scope_found = scope.join(found.select("household", "kind"), on=["household", "kind"],
                                how="semi").height  # fmt: skip
    by_kind = {}
    for kind in sorted(set(planted.get_column("kind").to_list())):
        n = planted.filter(pl.col("kind") == kind).height
        got = found.filter(pl.col("kind") == kind).height
        by_kind[kind] = {"planted": n, "warned": got, "recall": got / n if n else 0.0}
    print(json.dumps({
        "signal_warnings": warned.height, "true_warnings": hits.height,
        "precision": hits.height / warned.height if warned.height else 0.0,
        "planted": planted.height, "found": found.height,
        "recall": found.height / planted.height if planted.height else 0.0,
        "by_kind": by_kind, "policy_warnings": policy,
        "in_scope": scope.height, "in_scope_found": in_scope_found,
        "in_scope_recall": in_scope_found / scope.height if scope.height else 0.0,
    }))  # fmt: skip


def _top_up(n: int, day: dt.date) -> int:
    """Open warnings (with their tasks) up to n: copies of the kinds and levels the scan
    raised, on households spread over the population, keys `bench-…`."""
    from jiuzhu.db import bulk_insert
    from jiuzhu.monitoring.models import AssignedLevel, RiskWarning, Task
    from jiuzhu.registry.models import Household
    from jiuzhu.rules.monitoring import LEVEL_RANK

    have = RiskWarning.unscoped.filter(closed=False).count()
    kinds = [
        ("medical", "yellow"), ("utility_arrears", "blue"), ("hotline", "yellow"),
        ("disaster", "orange"), ("job_loss", "orange"), ("breadwinner_death", "red"),
        ("school_dropout", "yellow"), ("disability", "yellow"), ("policy_match", "blue"),
    ]  # fmt: skip
    households = list(Household.unscoped.order_by("id").values_list("id", "region_code"))
    added = 0
    while have + added < n:
        chunk = min(20_000, n - have - added)
        warnings, tasks = [], []
        for i in range(added, added + chunk):
            household_id, region = households[i % len(households)]
            kind, level = kinds[i % len(kinds)]
            warning = RiskWarning(
                household_id=household_id, region_code=region, kind=kind, rule="M-02",
                level=level, rank=LEVEL_RANK[level], key=f"bench-{i}", category="none",
                evidence={"bench": True}, raised_on=day - dt.timedelta(days=i % 40),
            )  # fmt: skip
            warnings.append(warning)
            tasks.append(
                Task(
                    warning=warning, household_id=household_id, region_code=region,
                    assigned_level=AssignedLevel.VILLAGE, assigned_area=region[:12],
                    rank=LEVEL_RANK[level], opened_on=warning.raised_on,
                    due_on=warning.raised_on + dt.timedelta(days=10),
                )
            )  # fmt: skip
        bulk_insert(warnings, with_ids=True)
        for task, warning in zip(tasks, warnings, strict=True):
            task.warning_id = warning.pk
        bulk_insert(tasks)
        added += chunk
    return have + added


def _province_user() -> Any:
    from jiuzhu.accounts.models import User
    from jiuzhu.regions.models import Region

    found = User.objects.filter(username="bench-province").first()
    return found or User.objects.create_user(
        username="bench-province", password="bench-password-0123", role="county_officer",
        area=Region.objects.get(code="440000"),
    )  # fmt: skip


def _times(get: Any) -> dict[str, float]:
    times = []
    for _ in range(RENDERS + 5):
        started = time.perf_counter()
        response = get()
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    times = sorted(times[5:])  # the first few warm the caches
    return {
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": times[int(len(times) * 0.95) - 1] * 1000,
    }


def dashboard(n: int) -> None:
    from django.db import connection
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from jiuzhu.monitoring.models import RiskWarning, Task
    from jiuzhu.regions.scope import system_scope

    day = dt.date.today()
    with system_scope("bench"):
        open_warnings = _top_up(n, day)
        tasks = Task.unscoped.count()
        households = RiskWarning.unscoped.filter(closed=False).values("household").distinct()
        warned = households.count()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    user = _province_user()
    device = TOTPDevice.objects.get_or_create(
        user=user, name="bench", defaults={"confirmed": True}
    )[0]
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    page = _times(lambda: client.get("/monitoring/"))
    from jiuzhu.accounts.services import api_token_create

    with system_scope("bench"):
        _, token = api_token_create(actor=user, user=user, name="bench-monitoring")
    api = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")
    api_times = _times(lambda: api.get("/api/v1/monitoring/dashboard"))
    print(json.dumps({
        "open_warnings": open_warnings, "tasks": tasks, "warned_households": warned,
        "page": page, "api": api_times,
    }))  # fmt: skip


if __name__ == "__main__":
    django.setup()
    if sys.argv[1] == "prepare":
        prepare(dt.date.fromisoformat(sys.argv[2]), Path(sys.argv[3]))
    elif sys.argv[1] == "scale":
        scale(int(sys.argv[2]), float(sys.argv[3]))
    elif sys.argv[1] == "truth":
        truth(Path(sys.argv[2]))
    else:
        dashboard(int(sys.argv[2]))
