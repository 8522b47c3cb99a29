"""The transition table of each application kind (A-01…A-08, D-02), built from shared segments.

Ordinary procedure: accepted → materials complete → investigated (home visit) → verifying →
verified → evaluated (rules engine on the frozen snapshot) → proposed (first opinion) →
public notice (公示, skipped for a refusal or a household of minors only; objections handled,
democratic appraisal only when disputed, A-04) → ready for decision → approved / refused by
the authority the parameters name → notified → closed. Emergency temporary aid may be paid
first from the reserve fund (先行救助, A-07). A referral goes to a department's queue; an
appeal is decided by the level above. Withdrawal and extension are possible while a case is
open, and the decider may return a case for correction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from jiuzhu.cases import errors
from jiuzhu.cases.workflow import (
    Guard,
    Transition,
    Workflow,
    no_open_objections,
    not_by_those_who_prepared,
)
from jiuzhu.rules import categories


class S:
    """States."""

    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    PAID_FIRST = "paid_first"
    MATERIALS_COMPLETE = "materials_complete"
    INVESTIGATED = "investigated"
    VERIFYING = "verifying"
    VERIFIED = "verified"
    EVALUATED = "evaluated"
    PROPOSED = "proposed"
    IN_NOTICE = "in_notice"
    READY = "ready"
    REFERRED = "referred"
    APPROVED = "approved"
    REFUSED = "refused"
    NOTIFIED = "notified"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


STATE_LABELS: dict[str, Any] = {
    S.SUBMITTED: _("网上申请待受理"),
    S.ACCEPTED: _("已受理"),
    S.PAID_FIRST: _("已先行救助"),
    S.MATERIALS_COMPLETE: _("材料齐全"),
    S.INVESTIGATED: _("已入户调查"),
    S.VERIFYING: _("待核对"),
    S.VERIFIED: _("核对完成"),
    S.EVALUATED: _("已测算"),
    S.PROPOSED: _("已提出初审意见"),
    S.IN_NOTICE: _("公示中"),
    S.READY: _("待审批"),
    S.REFERRED: _("已转办"),
    S.APPROVED: _("已批准"),
    S.REFUSED: _("不予批准"),
    S.NOTIFIED: _("已告知"),
    S.CLOSED: _("已办结"),
    S.WITHDRAWN: _("已撤回"),
}
TERMINAL = frozenset({S.CLOSED, S.WITHDRAWN})
OPEN_BEFORE_DECISION = (
    S.ACCEPTED,
    S.PAID_FIRST,
    S.MATERIALS_COMPLETE,
    S.INVESTIGATED,
    S.VERIFYING,
    S.VERIFIED,
    S.EVALUATED,
    S.PROPOSED,
    S.IN_NOTICE,
    S.READY,
    S.REFERRED,
)


def _fact(name: str, message: Any) -> Guard:
    def guard(facts: Mapping[str, Any]) -> str | None:
        return None if facts.get(name) else str(message)

    guard.__name__ = f"requires_{name}"
    return guard


materials_complete = _fact("materials_complete", _("材料清单尚有缺项，请先一次性告知申请人"))
authorized = _fact("authorized", _("尚未留存家庭经济状况核对授权书（一证一书）"))
visited = _fact("visited", _("请先登记入户调查记录"))
evaluated = _fact("evaluated", _("尚无测算结果"))
verification_reported = _fact(
    "verification_reported", _("核对报告尚未出具：有数据源不可用，案件保持待核对")
)
proposal_to_post = _fact("notice_needed", _("不予批准或全部为未成年人的案件不公示"))
proposal_not_posted = _fact("notice_skippable", _("拟批准的案件须先公示"))
notice_over = _fact("notice_over", _("公示期尚未结束"))
objection_open = _fact("open_objections", _("没有待处理的异议"))
authority_matches = _fact("authority_matches", _("本案应由其他层级审批"))
proposal_approves = _fact(
    "proposal_approves",
    _("初审意见为不予批准：请选择“不予批准”，或以书面理由“改为批准”"),
)
proposal_refuses = _fact("proposal_refuses", _("初审意见为批准，请直接批准"))
committee_agrees = _fact("committee_agrees", _("一事一议须先登记协调机制成员表决，且同意票过半"))
reason_given = _fact("reason_given", _("请填写书面理由"))
not_extended = _fact("extendable", _("本案已经延期过一次"))
is_committee = _fact("is_committee", _("只有“一事一议”案件登记协调机制表决"))


def reserve_covers(facts: Mapping[str, Any]) -> str | None:
    """A-07, A-09: 先行救助 within the township's limit, saying the limit and the total."""
    if facts.get("reserve_covers"):
        return None
    limit, total = facts.get("reserve_limit"), facts.get("reserve_total")
    return str(errors.ABOVE_TOWNSHIP_LIMIT).format(
        limit=f"{limit:.2f}" if limit is not None else "—",
        total=f"{total:.2f}" if total is not None else "—",
    )


def _t(
    state: str, event: str, target: str, capability: str, label: Any, *guards: Guard
) -> Transition:
    return Transition(state, event, target, capability, label, tuple(guards))


def _investigation() -> list[Transition]:
    return [
        _t(
            S.MATERIALS_COMPLETE, "record_visit", S.INVESTIGATED, "investigate",
            _("入户调查"), visited,
        ),
        _t(
            S.INVESTIGATED, "request_verification", S.VERIFYING, "handle_cases",
            _("提请核对"), authorized,
        ),
        _t(
            S.VERIFYING, "obtain_verification", S.VERIFYING, "verify",
            _("重新获取核对数据"),
        ),
        _t(
            S.VERIFYING, "complete_verification", S.VERIFIED, "verify",
            _("核对完成"), verification_reported,
        ),
        _t(S.VERIFIED, "evaluate", S.EVALUATED, "handle_cases", _("测算")),
        _t(S.EVALUATED, "evaluate", S.EVALUATED, "handle_cases", _("重新测算")),
        _t(S.EVALUATED, "propose", S.PROPOSED, "handle_cases", _("提出初审意见"), evaluated),
    ]  # fmt: skip


def _notice() -> list[Transition]:
    return [
        _t(S.PROPOSED, "post_notice", S.IN_NOTICE, "handle_cases", _("张榜公示"), proposal_to_post),
        _t(S.IN_NOTICE, "raise_objection", S.IN_NOTICE, "handle_cases", _("登记异议")),
        _t(
            S.IN_NOTICE, "resolve_objection", S.IN_NOTICE, "handle_cases",
            _("处理异议"), objection_open,
        ),
        _t(
            S.IN_NOTICE, "close_notice", S.READY, "handle_cases",
            _("结束公示"), notice_over, no_open_objections,
        ),
    ]  # fmt: skip


def _decision(capability: str = "decide") -> list[Transition]:
    guards = (authority_matches, not_by_those_who_prepared)
    return [
        _t(
            S.READY,
            "approve",
            S.APPROVED,
            capability,
            _("批准"),
            *guards,
            proposal_approves,
            committee_agrees,
        ),
        # approving what was proposed for refusal is its own act, with its written reason
        _t(
            S.READY,
            "approve_over_proposal",
            S.APPROVED,
            capability,
            _("改为批准（须书面理由）"),
            *guards,
            proposal_refuses,
            committee_agrees,
            reason_given,
        ),
        _t(S.READY, "refuse", S.REFUSED, capability, _("不予批准"), *guards, reason_given),
        _t(S.READY, "return", S.EVALUATED, capability, _("退回修改"), reason_given),
        _t(S.READY, "record_vote", S.READY, capability, _("登记一事一议表决"), is_committee),
        _t(S.APPROVED, "notify", S.NOTIFIED, "handle_cases", _("送达决定书")),
        _t(S.REFUSED, "notify", S.NOTIFIED, "handle_cases", _("送达不予批准通知书")),
        _t(S.NOTIFIED, "close", S.CLOSED, "handle_cases", _("办结")),
    ]


def _housekeeping(states: tuple[str, ...]) -> list[Transition]:
    out = [
        # an application made online waits for a township caseworker to accept it
        _t(S.SUBMITTED, "accept", S.ACCEPTED, "handle_cases", _("受理网上申请")),
        _t(S.SUBMITTED, "decline", S.WITHDRAWN, "handle_cases", _("不予受理"), reason_given),
        _t(S.ACCEPTED, "notify_missing", S.ACCEPTED, "handle_cases", _("一次性告知缺件")),
        _t(
            S.ACCEPTED, "complete_materials", S.MATERIALS_COMPLETE, "handle_cases",
            _("材料齐全"), materials_complete,
        ),
    ]  # fmt: skip
    for state in states:
        out.append(_t(state, "withdraw", S.WITHDRAWN, "handle_cases", _("申请人撤回")))
        out.append(
            _t(
                state,
                "extend",
                state,
                "handle_cases",
                _("延长办理时限"),
                not_extended,
                reason_given,
            )
        )
    return out


def _ordinary(name: str, *, notice: bool, pay_first: bool = False) -> Workflow:
    transitions = _investigation() + _decision()
    states = [s for s in OPEN_BEFORE_DECISION if s not in (S.REFERRED,)]
    if notice:
        transitions += _notice()
    else:
        states.remove(S.IN_NOTICE)
    transitions.append(
        _t(S.PROPOSED, "skip_notice", S.READY, "handle_cases", _("提交审批"), proposal_not_posted)
    )
    if pay_first:
        transitions += [
            _t(S.ACCEPTED, "pay_first", S.PAID_FIRST, "pay_reserve", _("先行救助"), reserve_covers),
            _t(
                S.PAID_FIRST, "complete_materials", S.MATERIALS_COMPLETE, "handle_cases",
                _("补充材料"), materials_complete,
            ),
        ]  # fmt: skip
    else:
        states.remove(S.PAID_FIRST)
    return Workflow(name, S.ACCEPTED, tuple(transitions + _housekeeping(tuple(states))), TERMINAL)


def _referral() -> Workflow:
    transitions = [
        _t(S.ACCEPTED, "refer", S.REFERRED, "handle_cases", _("转办相关部门")),
        _t(S.REFERRED, "answer", S.NOTIFIED, "handle_referrals", _("部门办理答复"), reason_given),
        _t(S.NOTIFIED, "close", S.CLOSED, "handle_cases", _("办结")),
    ]
    housekeeping = [
        t for t in _housekeeping((S.ACCEPTED, S.REFERRED)) if t.event != "complete_materials"
    ]
    return Workflow("referral", S.ACCEPTED, tuple(transitions + housekeeping), TERMINAL)


def _appeal() -> Workflow:
    states = (S.ACCEPTED, S.MATERIALS_COMPLETE)
    transitions = [
        _t(
            S.MATERIALS_COMPLETE, "approve", S.APPROVED, "decide_appeals",
            _("复核：撤销原决定"), authority_matches, reason_given,
        ),
        _t(
            S.MATERIALS_COMPLETE, "refuse", S.REFUSED, "decide_appeals",
            _("复核：维持原决定"), authority_matches, reason_given,
        ),
        *[t for t in _decision() if t.state != S.READY],
    ]  # fmt: skip
    return Workflow("appeal", S.ACCEPTED, tuple(transitions + _housekeeping(states)), TERMINAL)


FLOWS: dict[str, Workflow] = {
    # each category of the catalogue: the recipients' decisions are posted (A-05), emergency
    # aid is paid first
    **{
        c.code: _ordinary(c.code, notice=c.recipient, pay_first=c.paid_first)
        for c in categories.CATALOGUE
    },
    "review": _ordinary("review", notice=False),
    "referral": _referral(),
    "appeal": _appeal(),
}
EVENTS_NEEDING_REASON = frozenset(
    {"refuse", "return", "extend", "answer", "decline", "approve_over_proposal"}
)


def flow_of(kind: str) -> Workflow:
    return FLOWS[kind]


def all_events() -> list[str]:
    return sorted({t.event for flow in FLOWS.values() for t in flow.transitions})
