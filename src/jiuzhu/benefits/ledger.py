"""The ledger: append-only double-entry postings in Decimal, and the control report.

Each posting moves an amount from one account to another (`MOVES`: accrual fund → payable,
payment payable → paid, failure payable → held, reissue held → payable, cancellation held →
fund, recovery paid → fund), so every posting balances by construction and a payment's
money sits in exactly one account: payable (pending or at the bank), paid or held, or back
in the fund (cancelled). The control report checks, to the cent, that the ledger and the
payments' states agree for each batch and for each household (SECURITY.md 13).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import polars as pl
from django.db.models import Count, Sum
from django.utils import timezone

from jiuzhu.benefits.models import (
    MOVES,
    Account,
    Payment,
    PaymentBatch,
    PaymentStatus,
    Posting,
    PostingKind,
)
from jiuzhu.db import bulk_insert, query_frame

ZERO = Decimal("0.00")
RECOVERED = "recovered"  # not an account: the recovery postings' total, beside the balances
# where a payment's money is, by its status
ACCOUNT_OF_STATUS = {
    PaymentStatus.PENDING: Account.PAYABLE,
    PaymentStatus.EXPORTED: Account.PAYABLE,
    PaymentStatus.PAID: Account.PAID,
    PaymentStatus.HELD: Account.HELD,
    PaymentStatus.CANCELLED: Account.FUND,
}


def posting(kind: str, payment: Payment, batch_id: int, at: dt.datetime) -> Posting:
    credit, debit = MOVES[kind]  # (from, to)
    return Posting(
        kind=kind,
        debit=debit,
        credit=credit,
        amount=payment.amount,
        payment_id=payment.pk,
        batch_id=batch_id,
        household_id=payment.household_id,
        region_code=payment.region_code,
        month=payment.month,
        at=at,
    )


def post(kind: str, payments: Iterable[Payment], batch_id: int) -> None:
    """One posting of `kind` per payment, inserted together (inside the caller's
    transaction)."""
    now = timezone.now()
    bulk_insert([posting(kind, p, batch_id, now) for p in payments])


def balances(moves: Iterable[tuple[str, str, Decimal]]) -> dict[str, Decimal]:
    """Account balances of (debit, credit, amount) movements; they always sum to zero."""
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for debit, credit, amount in moves:
        out[debit] += amount
        out[credit] -= amount
    return dict(out)


def _ledger_by(key: str, postings: Any) -> dict[Any, dict[str, Decimal]]:
    out: dict[Any, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for side, sign in (("debit", 1), ("credit", -1)):
        for row in postings.values(key, side).annotate(s=Sum("amount")):
            out[row[key]][row[side]] += sign * row["s"]
    # what was recovered (F-02) moved from paid back to the fund: kept apart to compare
    for row in postings.filter(kind=PostingKind.RECOVERY).values(key).annotate(s=Sum("amount")):
        out[row[key]][RECOVERED] += row["s"]
    return out


def _states_by(key: str, payments: Any) -> dict[Any, dict[str, Decimal]]:
    out: dict[Any, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for row in payments.values(key, "status").annotate(s=Sum("amount")):
        out[row[key]][ACCOUNT_OF_STATUS[row["status"]]] += row["s"]
    return out


def _agrees(ledger: dict[str, Decimal], states: dict[str, Decimal]) -> bool:
    """The ledger's payable, paid and held balances are the payments in those states, and
    the fund gave out exactly what was not cancelled."""
    outstanding = sum(
        (v for k, v in states.items() if k != Account.FUND), ZERO
    )  # accrued − cancelled
    recovered = ledger.get(RECOVERED, ZERO)  # paid, then repaid: back in the fund
    return (
        all(
            ledger.get(a, ZERO) + (recovered if a == Account.PAID else ZERO) == states.get(a, ZERO)
            for a in (Account.PAYABLE, Account.PAID, Account.HELD)
        )
        and ledger.get(Account.FUND, ZERO) - recovered == -outstanding
    )


MONEY = pl.Decimal(18, 2)
HELD_BY = [Account.PAYABLE, Account.PAID, Account.HELD]  # where a payment's money can sit


def _sums(name: str, *grouped: Any) -> pl.DataFrame:
    """Grouped `values_list(household_id, label).annotate(s=Sum(...))` querysets, added up,
    as a frame with one money column `{name}_{label}` per label."""
    schema = {"household_id": pl.Int64, "label": pl.String, "s": pl.String}
    frame = pl.concat([query_frame(rows.order_by(), schema) for rows in grouped])
    wide = (
        frame.with_columns(pl.col("s").cast(MONEY))
        .group_by("household_id", "label")
        .agg(pl.col("s").sum())
    )
    if wide.height == 0:
        return pl.DataFrame(schema={"household_id": pl.Int64})
    return wide.pivot(on="label", index="household_id", values="s").rename(
        lambda c: c if c == "household_id" else f"{name}_{c}"
    )


def _households_checked(postings: Any, payments: Any) -> tuple[int, list[int]]:
    """`_agrees` for every household at once (Polars over grouped sums, no Python per
    household): how many households, and the ids of those whose ledger disagrees."""
    frames = [
        _sums(  # balances: debits in, credits out
            "l",
            postings.values_list("household_id", "debit").annotate(s=Sum("amount")),
            postings.values_list("household_id", "credit").annotate(s=-Sum("amount")),
        ),
        _sums(
            "r",
            postings.filter(kind=PostingKind.RECOVERY)
            .values_list("household_id", "kind")
            .annotate(s=Sum("amount")),
        ),
        _sums("s", payments.values_list("household_id", "status").annotate(s=Sum("amount"))),
    ]
    joined = frames[0]
    for frame in frames[1:]:
        joined = joined.join(frame, on="household_id", how="full", coalesce=True)
    zero = pl.lit(0).cast(MONEY)

    def total(*names: str) -> pl.Expr:
        present = [pl.col(n).fill_null(zero) for n in names if n in joined.columns]
        return pl.sum_horizontal(present).cast(MONEY) if present else zero

    ledger = {a: total(f"l_{a}") for a in Account.values}  # debits and (negative) credits
    recovered = total(f"r_{PostingKind.RECOVERY}")
    state = {
        a: total(*(f"s_{st}" for st, at in ACCOUNT_OF_STATUS.items() if at == a))
        for a in Account.values
    }
    outstanding = total(*(f"s_{st}" for st, at in ACCOUNT_OF_STATUS.items() if at != Account.FUND))
    agrees = pl.all_horizontal(
        *((ledger[a] + (recovered if a == Account.PAID else zero)) == state[a] for a in HELD_BY),
        (ledger[Account.FUND] - recovered) == (zero - outstanding),
    )
    checked = joined.select("household_id", agrees.alias("agrees"))
    bad = checked.filter(~pl.col("agrees"))["household_id"].sort().to_list()
    return checked.height, bad


def batch_control(batch: PaymentBatch) -> dict[str, Any]:
    """One batch's totals by payment status and its ledger balances, and whether they
    agree to the cent (for the payments accrued in it)."""
    payments = Payment.unscoped.filter(batch=batch)
    by_status = {
        row["status"]: {"count": row["n"], "amount": row["s"]}
        for row in payments.values("status").annotate(n=Count("id"), s=Sum("amount"))
    }
    ledger = _ledger_by("payment__batch_id", Posting.unscoped.filter(payment__batch=batch)).get(
        batch.pk, {}
    )
    states = _states_by("batch_id", payments).get(batch.pk, {})
    accrued = sum((v["amount"] for v in by_status.values()), ZERO)
    return {
        "batch_id": batch.pk,
        "kind": batch.kind,
        "status": batch.status,
        "payments": sum(v["count"] for v in by_status.values()),
        "accrued": f"{accrued:.2f}",
        "by_status": {
            s: {
                "count": by_status.get(s, {}).get("count", 0),
                "amount": f"{by_status.get(s, {}).get('amount', ZERO):.2f}",
            }
            for s in PaymentStatus.values
        },
        "ledger": {a: f"{ledger.get(a, ZERO):.2f}" for a in Account.values},
        "balanced": _agrees(ledger, states),
    }


def control_report(county: str, month: dt.date) -> dict[str, Any]:
    """The county-month's batches, their totals by status and ledger balances, and the
    households whose ledger does not agree with their payments (none, when all is well)."""
    batches = list(PaymentBatch.unscoped.filter(region_code=county, month=month).order_by("id"))
    monthly = [b for b in batches if b.kind == "monthly"]
    payments = Payment.unscoped.filter(batch__in=monthly)
    postings = Posting.unscoped.filter(payment__batch__in=monthly)
    households, unbalanced = _households_checked(postings, payments)
    reports = [batch_control(b) for b in monthly]
    sums = dict(postings.order_by().values_list("kind").annotate(s=Sum("amount")))
    total = sum((Decimal(r["accrued"]) for r in reports), ZERO)
    totals = {
        s: f"{sum((Decimal(r['by_status'][s]['amount']) for r in reports), ZERO):.2f}"
        for s in PaymentStatus.values
    }
    return {
        "county": county,
        "month": f"{month:%Y-%m}",
        "batches": reports,
        "reissue_batches": [
            {
                "batch_id": b.pk,
                "status": b.status,
                "payments": b.payment_count,
                "total": f"{b.total_amount:.2f}",
            }
            for b in batches
            if b.kind == "reissue"
        ],
        "accrued": f"{total:.2f}",
        "by_status": totals,
        "households": households,
        "households_unbalanced": unbalanced[:100],
        "balanced": all(r["balanced"] for r in reports) and not unbalanced,
        "postings": {k: f"{sums.get(k) or ZERO:.2f}" for k in PostingKind.values},
    }
