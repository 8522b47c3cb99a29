"""People of a township and its county, a household, and a helper that drives a case."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from jiuzhu.cases import services
from jiuzhu.regions.scope import Scope, using_scope
from tests.factories import department_batches, make_household, make_user

TODAY = dt.date(2026, 3, 2)  # a Monday after Spring Festival 2026


@pytest.fixture
def people(caseworker: Any, gd_area: str) -> dict[str, Any]:
    """The people of a township and its county; the departments have delivered their data
    (empty) for the test days, so verifications can finish."""
    department_batches(TODAY, timezone.localdate())
    return {
        "caseworker": caseworker,
        "caseworker2": make_user("township_caseworker", gd_area, username="gd-caseworker2"),
        "leader": make_user("township_leader", gd_area, username="gd-leader"),
        "assistant": make_user("village_assistant", gd_area + "001", username="gd-assistant"),
        "verifier": make_user("verification_officer", "440104", username="gd-verifier"),
        "county": make_user("county_officer", "440104", username="gd-county"),
        "city": make_user("county_officer", "440100", username="gz-city"),
        "department": make_user(
            "department_officer", "440104", username="gd-medical", department="medical"
        ),
    }


@pytest.fixture
def im_people(im_area: str) -> dict[str, Any]:
    """The people of a township of the Inner Mongolia city (新城区, 呼和浩特市), whose measures
    set temporary-aid tiers (A-06, IM （十四）): 5 × the urban standard, 15,000 yuan."""
    department_batches(TODAY, timezone.localdate())
    return {
        "caseworker": make_user("township_caseworker", im_area, username="im-caseworker"),
        "caseworker2": make_user("township_caseworker", im_area, username="im-caseworker2"),
        "leader": make_user("township_leader", im_area, username="im-leader"),
        "assistant": make_user("village_assistant", im_area + "001", username="im-assistant"),
        "verifier": make_user("verification_officer", "150102", username="im-verifier"),
        "county": make_user("county_officer", "150102", username="im-county"),
        "city": make_user("county_officer", "150100", username="hhht-city"),
        "department": make_user(
            "department_officer", "150102", username="im-medical", department="medical"
        ),
    }


@pytest.fixture
def im_household(im_people: dict[str, Any], im_area: str) -> Any:
    """A mother without income and two children in 新城区 (Inner Mongolia city)."""
    return make_household(im_people["caseworker"], im_area + "001", members=3)


@pytest.fixture
def poor_household(caseworker: Any, gd_area: str) -> Any:
    """A mother without income and two children in Guangzhou: dibao-eligible."""
    return make_household(caseworker, gd_area + "001", members=3)


@pytest.fixture
def scope() -> Iterator[None]:
    with using_scope(Scope("")):
        yield


def act(case: Any, actor: Any, event: str, today: dt.date = TODAY, **payload: Any) -> Any:
    with using_scope(Scope(actor.area.scope_prefix)):
        return services.case_act(actor=actor, case=case, event=event, payload=payload, today=today)


def accept(actor: Any, household: Any, kind: str = "dibao", **fields: Any) -> Any:
    fields.setdefault("today", TODAY)
    with using_scope(Scope(actor.area.scope_prefix)):
        return services.case_create(actor=actor, household=household, kind=kind, **fields)


COMPLETE = {
    "application_form": "received",
    "id_card": "received",
    "hukou_book": "committed",
    "income_statement": "received",
}


def to_ready(people: dict[str, Any], household: Any, kind: str = "dibao") -> Any:
    """A case driven to 'ready for decision' by the township, the notice over."""
    cw = people["caseworker"]
    case = accept(cw, household, kind, checklist=COMPLETE, authorization_on=TODAY)
    case = act(case, cw, "complete_materials")
    case = act(case, people["assistant"], "record_visit", visitors="村协理员", findings="属实")
    case = act(case, cw, "request_verification")
    case = act(case, people["verifier"], "complete_verification", summary="无异常")
    case = act(case, cw, "evaluate")
    case = act(case, cw, "propose", proposal="approve", opinion="")
    case = act(case, cw, "post_notice")
    return act(case, cw, "close_notice", today=case.notice_to)
