"""Workflows as transition tables (STYLE.md: not scattered `if status ==`), for every
object with a lifecycle: cases, payment batches, standard adjustments, recoveries, grid
tasks and hotline calls (issue 16 item 4).

A table lists, for each (state, event), the next state, the capability the actor needs and
the guards that must hold (e.g. nobody approves what they prepared, SECURITY.md 4). The
table is data; `Workflow.apply` is the one check before a state changes, and pages and API
ask `Workflow.available` / `Workflow.may` what an actor may do — never a string compare of
their own. Refusals name the state by its label, never its code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

NOT_POSSIBLE = _("当前状态为“{state}”，不能进行“{event}”（可能已由他人处理）")
NEEDS_CAPABILITY = _("您的角色无权进行“{event}”")

Guard = Callable[[Mapping[str, Any]], str | None]  # facts → None when it holds, else why not


class TransitionRefused(Exception):
    """An event not allowed in this state, for this actor, or with these facts; the message
    says why (in the reader's language) and nothing changes."""

    def __init__(self, message: object, *, field: str | None = None) -> None:
        self.message, self.field = str(message), field
        super().__init__(self.message)


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
    state_labels: Mapping[str, Any] = field(default_factory=dict)
    not_possible: Any = NOT_POSSIBLE  # "{state}", "{event}"
    needs_capability: Any = NEEDS_CAPABILITY  # "{event}"
    field: str | None = None  # the form or API field a refusal is about

    def __post_init__(self) -> None:
        keys = [(t.state, t.event) for t in self.transitions]
        if len(keys) != len(set(keys)):
            raise ValueError(f"{self.name}: two transitions for one (state, event)")
        leaving = {t.state for t in self.transitions}
        if leaving & self.terminal:
            raise ValueError(f"{self.name}: a terminal state has transitions out of it")

    def label_of(self, state: str) -> str:
        return str(self.state_labels.get(state, state))

    def find(self, state: str, event: str) -> Transition | None:
        return next((t for t in self.transitions if t.state == state and t.event == event), None)

    def events(self) -> frozenset[str]:
        return frozenset(t.event for t in self.transitions)

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

    def may(
        self, state: str, event: str, actor: Any, facts: Mapping[str, Any] | None = None
    ) -> bool:
        """Whether `actor` may take `event` now (the pages and API ask this)."""
        t = self.find(state, event)
        return (
            t is not None
            and _can(actor, t.capability)
            and all(guard(facts or {}) is None for guard in t.guards)
        )

    def apply(
        self, state: str, event: str, capabilities: frozenset[str], facts: Mapping[str, Any]
    ) -> Transition:
        """The transition to make, or TransitionRefused saying why."""
        transition = self.find(state, event)
        if transition is None:
            label = next((t.label for t in self.transitions if t.event == event), event)
            message = str(self.not_possible).format(state=self.label_of(state), event=label)
            raise TransitionRefused(message, field=self.field)
        if transition.capability not in capabilities:
            message = str(self.needs_capability).format(event=transition.label or event)
            raise TransitionRefused(message, field=self.field)
        for guard in transition.guards:
            reason = guard(facts)
            if reason is not None:
                raise TransitionRefused(reason, field=self.field)
        return transition

    def check(
        self,
        state: str,
        event: str,
        actor: Any,
        facts: Mapping[str, Any] | None = None,
        *,
        system: bool = False,
    ) -> Transition:
        """`apply` for an actor (anything with `can(capability)`). No actor may do nothing,
        unless `system`: the platform itself (a CLI run as the operator) may do any event
        the state allows — the caller decides whether a person is required."""
        transition = self.find(state, event)
        allowed = transition is not None and (
            (actor is None and system) or _can(actor, transition.capability)
        )
        caps = frozenset({transition.capability}) if transition and allowed else frozenset()
        return self.apply(state, event, caps, facts or {})


def _can(actor: Any, capability: str) -> bool:
    return actor is not None and bool(actor.can(capability))
