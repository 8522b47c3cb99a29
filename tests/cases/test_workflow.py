"""The transition-table mechanism: only listed transitions happen, for the capability they
name, when their guards hold; terminal states stay terminal; the approver is never the one
who entered or investigated (SECURITY.md 4) — a stateful property test over random actions."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from jiuzhu.cases.workflow import (
    Transition,
    TransitionRefused,
    Workflow,
    no_open_objections,
    not_by_those_who_prepared,
)

FLOW = Workflow(
    name="example",
    initial="accepted",
    terminal=frozenset({"closed", "withdrawn", "refused"}),
    transitions=(
        Transition("accepted", "investigate", "investigated", "edit", "调查"),
        Transition("accepted", "withdraw", "withdrawn", "edit", "撤回"),
        Transition("investigated", "notice", "noticed", "edit", "公示"),
        Transition(
            "noticed",
            "approve",
            "approved",
            "approve",
            "审批",
            (not_by_those_who_prepared, no_open_objections),
        ),
        Transition(
            "noticed", "refuse", "refused", "approve", "不予批准", (not_by_those_who_prepared,)
        ),
        Transition("approved", "close", "closed", "edit", "办结"),
    ),
)
ACTORS = {1: frozenset({"edit"}), 2: frozenset({"edit", "approve"}), 3: frozenset({"approve"})}


def test_two_transitions_for_one_state_and_event_are_refused() -> None:
    with pytest.raises(ValueError, match="two transitions"):
        Workflow(
            "x", "a", (Transition("a", "go", "b", "c", ""), Transition("a", "go", "c", "c", ""))
        )


def test_the_refusal_says_why() -> None:
    facts = {"actor_id": 2, "entered_by": 2}
    with pytest.raises(TransitionRefused, match="不能审批本人"):
        FLOW.apply("noticed", "approve", ACTORS[2], facts)
    with pytest.raises(TransitionRefused, match="不能进行"):
        FLOW.apply("accepted", "approve", ACTORS[3], {})
    with pytest.raises(TransitionRefused, match="无权"):
        FLOW.apply("noticed", "approve", ACTORS[1], {"actor_id": 1})


class RandomActions(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.state = FLOW.initial
        self.facts: dict[str, Any] = {"entered_by": 1, "investigated_by": None}
        self.approved_by: int | None = None
        self.history: list[str] = [self.state]

    @rule(
        event=st.sampled_from(sorted({t.event for t in FLOW.transitions})),
        actor=st.sampled_from(sorted(ACTORS)),
        objections=st.integers(0, 1),
    )
    def act(self, event: str, actor: int, objections: int) -> None:
        facts = {**self.facts, "actor_id": actor, "open_objections": objections}
        allowed = {t.event for t in FLOW.available(self.state, ACTORS[actor], facts)}
        try:
            transition = FLOW.apply(self.state, event, ACTORS[actor], facts)
        except TransitionRefused:
            assert event not in allowed
            return
        assert event in allowed and self.state not in FLOW.terminal
        if event == "investigate":
            self.facts["investigated_by"] = actor
        if event == "approve":
            self.approved_by = actor
        self.state = transition.target
        self.history.append(self.state)

    @invariant()
    def the_approver_is_never_who_entered_or_investigated(self) -> None:
        if self.approved_by is not None:
            assert self.approved_by not in {self.facts["entered_by"], self.facts["investigated_by"]}

    @invariant()
    def terminal_states_stay_terminal(self) -> None:
        terminal = [i for i, s in enumerate(self.history) if s in FLOW.terminal]
        assert not terminal or terminal[0] == len(self.history) - 1


TestRandomActions = RandomActions.TestCase
TestRandomActions.settings = settings(max_examples=400, stateful_step_count=12, deadline=None)
