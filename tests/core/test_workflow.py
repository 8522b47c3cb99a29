"""The transition tables (issue 16 item 4; STYLE.md): every object with a lifecycle — a
payment batch, a standard adjustment, a recovery, a grid task, a hotline call — changes
state only as its table says, and a refusal names the state by its label, not its code."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from jiuzhu.accounts.roles import Can
from jiuzhu.benefits import flows as benefits
from jiuzhu.core.workflow import TransitionRefused, Workflow
from jiuzhu.monitoring import flows as monitoring

TABLES = [benefits.BATCH, benefits.ADJUSTMENT, benefits.RECOVERY, monitoring.TASK, monitoring.CALL]


def actor(*caps: str, pk: int = 7) -> Any:
    return SimpleNamespace(pk=pk, can=lambda c: c in caps)


@pytest.mark.parametrize("flow", TABLES, ids=lambda f: f.name)
def test_every_state_is_reachable_and_labelled(flow: Workflow) -> None:
    reached, frontier = {flow.initial}, [flow.initial]
    while frontier:
        state = frontier.pop()
        for t in flow.transitions:
            if t.state == state and t.target not in reached:
                reached.add(t.target)
                frontier.append(t.target)
    assert set(flow.state_labels) == reached
    assert all(flow.label_of(s) != s for s in reached)


def test_f01_whoever_prepared_a_batch_does_not_approve_it() -> None:
    approver = actor(Can.APPROVE_PAYMENTS, pk=7)
    facts = {"actor_id": 7, "preparers": {7}}
    assert not benefits.BATCH.may("prepared", "approve", approver, facts)
    with pytest.raises(TransitionRefused, match="编制人以外"):
        benefits.BATCH.check("prepared", "approve", approver, facts)
    assert benefits.BATCH.may("prepared", "approve", approver, {"actor_id": 7, "preparers": {3}})


def test_a_refusal_names_the_state_in_words_and_the_field() -> None:
    exporter = actor(Can.EXPORT_PAYMENTS)
    with pytest.raises(TransitionRefused) as refused:
        benefits.BATCH.check("prepared", "export", exporter)
    assert "待审核" in refused.value.message and "prepared" not in refused.value.message
    assert refused.value.field == "batch"
    with pytest.raises(TransitionRefused, match="无权"):
        benefits.BATCH.check("approved", "export", actor(Can.APPROVE_PAYMENTS))
    with pytest.raises(TransitionRefused):
        benefits.BATCH.check("approved", "export", None)


def test_a_call_is_answered_then_closed_or_reopened_and_a_closed_one_is_done() -> None:
    officer = actor(Can.HANDLE_WARNINGS)
    caps = frozenset({Can.HANDLE_WARNINGS})
    after = monitoring.CALL.available("answered", caps, {})
    assert [t.event for t in after] == ["close", "reopen"]
    assert not monitoring.CALL.may("routed", "close", officer)
    assert not monitoring.CALL.may("closed", "answer", officer)
    assert not monitoring.TASK.may("closed", "close", officer)
    assert monitoring.TASK.may("open", "close", officer)


def test_a_closed_recovery_takes_no_repayment() -> None:
    officer = actor(Can.DECIDE)
    for state in ("repaid", "written_off"):
        assert not any(benefits.RECOVERY.may(state, e, officer) for e in benefits.RECOVERY.events())
    assert benefits.RECOVERY.may("partial", "repay_all", officer)
