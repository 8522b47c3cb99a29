"""Workflows as transition tables (STYLE.md: not scattered `if status ==`).

A table lists, for each (state, event), the next state, the capability the actor needs and
the guards that must hold (e.g. nobody approves a case they entered or investigated, A-03 and
SECURITY.md 4). The table is data; `Workflow.apply` is the only way a state changes, and it
returns the transition to log. The same table drives pages, API and tests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

NOT_POSSIBLE = _("案件当前状态为“{state}”，不能进行“{event}”（案件可能已由他人处理）")
NEEDS_CAPABILITY = _("您的角色无权进行“{event}”")
SELF_APPROVAL = _("不能审批本人受理或调查的案件")
OBJECTIONS_OPEN = _("公示期内的异议尚未处理完毕")

Guard = Callable[[Mapping[str, Any]], str | None]  # facts → None when it holds, else why not


class TransitionRefused(Exception):
    """An event not allowed in this state, for this actor, or with these facts; the message
    says why and nothing changes."""


@dataclass(frozen=True)
class Transition:
    state: str
    event: str
    target: str
    capability: str
    label: Any  # a lazy translation: rendered in the reader's language when shown
    guards: tuple[Guard, ...] = ()


@dataclass(frozen=True)
class Workflow:
    name: str
    initial: str
    transitions: tuple[Transition, ...]
    terminal: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        keys = [(t.state, t.event) for t in self.transitions]
        if len(keys) != len(set(keys)):
            raise ValueError(f"{self.name}: two transitions for one (state, event)")
        leaving = {t.state for t in self.transitions}
        if leaving & self.terminal:
            raise ValueError(f"{self.name}: a terminal state has transitions out of it")

    def find(self, state: str, event: str) -> Transition | None:
        return next((t for t in self.transitions if t.state == state and t.event == event), None)

    def available(
        self, state: str, capabilities: frozenset[str], facts: Mapping[str, Any]
    ) -> list[Transition]:
        """The events this actor may take now (the pages show only these)."""
        return [
            t
            for t in self.transitions
            if t.state == state
            and t.capability in capabilities
            and all(guard(facts) is None for guard in t.guards)
        ]

    def apply(
        self, state: str, event: str, capabilities: frozenset[str], facts: Mapping[str, Any]
    ) -> Transition:
        """The transition to make, or TransitionRefused saying why."""
        transition = self.find(state, event)
        if transition is None:
            raise TransitionRefused(str(NOT_POSSIBLE).format(state=state, event=event))
        if transition.capability not in capabilities:
            raise TransitionRefused(str(NEEDS_CAPABILITY).format(event=transition.label or event))
        for guard in transition.guards:
            reason = guard(facts)
            if reason is not None:
                raise TransitionRefused(reason)
        return transition


def not_by_those_who_prepared(facts: Mapping[str, Any]) -> str | None:
    """Nobody approves a case they entered or investigated (SECURITY.md 4)."""
    actor = facts.get("actor_id")
    if actor is not None and actor in {facts.get("entered_by"), facts.get("investigated_by")}:
        return str(SELF_APPROVAL)
    return None


def no_open_objections(facts: Mapping[str, Any]) -> str | None:
    if facts.get("open_objections", 0):
        return str(OBJECTIONS_OPEN)
    return None
