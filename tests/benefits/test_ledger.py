"""The ledger balances (SECURITY.md 13): whatever sequence of postings a payment goes
through — paid, failed and held, reissued, cancelled, recovered — every account balance
is, to the cent, the sum of the payments whose money is there, and all balances sum to
zero, per household and in total (hypothesis)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from jiuzhu.benefits.ledger import balances
from jiuzhu.benefits.models import MOVES, Account, PostingKind

# the state machine of one payment's money: the posting kinds allowed from where it is
NEXT = {
    Account.PAYABLE: (PostingKind.PAYMENT, PostingKind.FAILURE),
    Account.HELD: (PostingKind.REISSUE, PostingKind.CANCELLATION),
    Account.PAID: (PostingKind.RECOVERY,),
    Account.FUND: (),
}
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)


@settings(max_examples=300, deadline=None)
@given(
    payments=st.lists(st.tuples(st.integers(0, 4), amounts), min_size=1, max_size=30),
    choices=st.lists(st.integers(0, 10_000), max_size=200),
)
def test_any_sequence_of_postings_balances_to_the_cent(
    payments: list[tuple[int, Decimal]], choices: list[int]
) -> None:
    where = [Account.PAYABLE] * len(payments)  # each payment accrued: fund → payable
    postings = [(MOVES[PostingKind.ACCRUAL], i) for i in range(len(payments))]
    for choice in choices:
        i = choice % len(payments)
        allowed = NEXT[where[i]]
        if not allowed:
            continue
        kind = allowed[choice // len(payments) % len(allowed)]
        source, target = MOVES[kind]
        assert source == where[i]  # a posting moves money from where it is
        where[i] = target
        postings.append((MOVES[kind], i))
    moves = [(to, frm, payments[i][1]) for (frm, to), i in postings]
    total = balances(moves)
    assert sum(total.values(), Decimal(0)) == 0
    expected: dict[str, Decimal] = defaultdict(Decimal)
    for i, (_, amount) in enumerate(payments):
        if where[i] != Account.FUND:
            expected[where[i]] += amount
            expected[Account.FUND] -= amount
    for account in Account.values:
        assert total.get(account, Decimal(0)) == expected.get(account, Decimal(0))
    households: dict[int, list[tuple[str, str, Decimal]]] = defaultdict(list)
    for (frm, to), i in postings:
        households[payments[i][0]].append((to, frm, payments[i][1]))
    for rows in households.values():
        assert sum(balances(rows).values(), Decimal(0)) == 0
