"""The 12345 / 12349 hotline (M-03; IM 20 快速响应): a call routed to the responsible
township, answered within its working-day limit across holidays, closed with the caller's
feedback or reopened, escalated to the county when unanswered; a hardship report about a
registered household becomes a signal the scan turns into a visit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from jiuzhu.audit.models import AccessEvent, AuditEvent
from jiuzhu.monitoring.hotline import (
    hotline_answer,
    hotline_escalate,
    hotline_feedback,
    hotline_register,
    mask_phone,
)
from jiuzhu.monitoring.models import HotlineCall
from jiuzhu.monitoring.scan import monitoring_scan
from jiuzhu.regions.scope import Scope, system_scope, using_scope
from jiuzhu.registry.errors import ServiceError
from jiuzhu.registry.identity import decrypt
from tests.factories import make_household, make_user, members, signed_in

pytestmark = pytest.mark.django_db

SPRING = dt.date(2026, 2, 13)  # the Friday before Spring Festival 2026 (holiday 15-23 Feb)


def register(actor: Any, **fields: Any) -> HotlineCall:
    values: dict[str, Any] = {
        "number": "12345-20260213-0001",
        "line": "12345",
        "received_on": SPRING,
        "caller_name": "王某",
        "caller_phone": "13800005678",
        "subject": "inquiry",
        "request": "咨询低保申请条件",
        "region_code": "440104001001",
        "today": SPRING,
        **fields,
    }
    with using_scope(Scope(actor.area.scope_prefix)):
        return hotline_register(actor=actor, **values)


def test_m03_a_call_is_routed_to_the_township_and_due_in_working_days_after_the_holiday(
    caseworker: Any,
) -> None:
    """Five working days from Friday 13 Feb 2026: the Spring Festival holiday (15-23 Feb)
    and the adjusted working Saturdays (14 and 28 Feb) counted as the calendar has them."""
    call = register(caseworker)
    assert (call.assigned_level, call.assigned_area) == ("township", "440104001")
    assert call.due_on == dt.date(2026, 2, 27)
    urgent = register(caseworker, number="12345-2", urgent=True)
    assert urgent.due_on == dt.date(2026, 2, 14)  # the adjusted working Saturday
    logged = AuditEvent.objects.get(action="monitoring.hotline_register", object_id=str(call.pk))
    assert "13800005678" not in str(logged.new) and logged.new["phone"] == "138****5678"


def test_bad_input_is_refused_with_its_field_and_nothing_is_written(caseworker: Any) -> None:
    cases = [
        ({"number": ""}, "number"),
        ({"line": "110"}, "line"),
        ({"subject": "x"}, "subject"),
        ({"received_on": SPRING + dt.timedelta(days=1)}, "received_on"),
        ({"caller_phone": "abc"}, "caller_phone"),
        ({"request": " "}, "request"),
        ({"region_code": ""}, "region_code"),
        ({"region_code": "150102001"}, "region_code"),  # another province: not this area
        ({"region_code": "", "id_number": "11010519491231002X"}, "id_number"),
    ]
    for fields, field in cases:
        with pytest.raises(ServiceError) as refused:
            register(caseworker, **fields)
        assert refused.value.field == field, fields
    register(caseworker)
    with pytest.raises(ServiceError) as taken:
        register(caseworker)
    assert taken.value.field == "number"
    assert HotlineCall.unscoped.count() == 1


def test_answer_then_feedback_closes_and_an_unsatisfied_caller_reopens_it(
    caseworker: Any,
) -> None:
    call = register(caseworker)
    with using_scope(Scope("440104001")):
        with pytest.raises(ServiceError):
            hotline_feedback(actor=caseworker, call=call, feedback="satisfied", today=SPRING)
        call = hotline_answer(actor=caseworker, call=call, answer="已告知申请条件", today=SPRING)
        assert call.state == "answered"
        with pytest.raises(ServiceError):
            hotline_answer(actor=caseworker, call=call, answer="again", today=SPRING)
        reopened = hotline_feedback(
            actor=caseworker, call=call, feedback="unsatisfied", note="未解决", today=SPRING
        )
        assert (reopened.state, reopened.reopened) == ("routed", 1)
        assert reopened.due_on == dt.date(2026, 2, 27)
        again = hotline_answer(actor=caseworker, call=reopened, answer="已上门", today=SPRING)
        closed = hotline_feedback(actor=caseworker, call=again, feedback="satisfied", today=SPRING)
    assert (closed.state, closed.closed_on) == ("closed", SPRING)


def test_unanswered_calls_go_up_to_the_county_once(caseworker: Any) -> None:
    call = register(caseworker)
    register(caseworker, number="12345-late-answered")
    with using_scope(Scope("440104001")):
        hotline_answer(
            actor=caseworker,
            call=HotlineCall.unscoped.get(number="12345-late-answered"),
            answer="已答复",
            today=SPRING,
        )
    day = dt.date(2026, 3, 2)
    with system_scope("test"):
        assert hotline_escalate(actor=None, as_of=day) == {
            "calls_to_county": 1,
            "calls_overdue_at_county": 0,
        }
        assert hotline_escalate(actor=None, as_of=day)["calls_to_county"] == 0
    call.refresh_from_db()
    assert (call.assigned_level, call.assigned_area, call.escalations) == ("county", "440104", 1)
    assert call.due_on == dt.date(2026, 3, 5)


def test_a_hardship_report_about_a_household_raises_a_warning_at_the_next_scan(
    caseworker: Any, gd_area: str
) -> None:
    """M-03 → M-02: the report is stored as a hotline_report signal; the scan warns."""
    household = make_household(caseworker, gd_area + "001", members=2)
    head = decrypt(members(household)[0].id_cipher)
    today = dt.date(2026, 3, 2)
    call = register(caseworker, subject="hardship", region_code="", id_number=head,
                    received_on=today, today=today, request="家中老人重病，无力支付")  # fmt: skip
    assert call.household_id == household.id and call.region_code == household.region_code
    with system_scope("test"):
        result = monitoring_scan(actor=None, as_of=today, policy=False)
    assert any(w.kind == "hotline" and w.household_id == household.id for w in result.new_warnings)


def test_the_phone_is_masked_and_showing_it_is_logged(caseworker: Any) -> None:
    call = register(caseworker)
    assert mask_phone("13800005678") == "138****5678" and mask_phone("123") == "***"
    client = signed_in(caseworker)
    page = client.get(f"/monitoring/hotline/{call.pk}/")
    assert b"138****5678" in page.content and b"13800005678" not in page.content
    assert not AccessEvent.objects.filter(field="caller_phone").exists()
    shown = client.get(f"/monitoring/hotline/{call.pk}/?phone=1")
    assert b"13800005678" in shown.content
    assert AccessEvent.objects.filter(field="caller_phone", subject_id=str(call.pk)).count() == 1


def test_the_pages_register_answer_and_close_a_call(caseworker: Any, gd_area: str) -> None:
    client = signed_in(caseworker)
    today = dt.date.today()
    form = {
        "number": "12349-A1", "line": "12349", "received_on": today.isoformat(),
        "caller_name": "李某", "caller_phone": "020-12345678", "subject": "application",
        "request": "想申请临时救助", "region_code": gd_area + "001",
    }  # fmt: skip
    bad = client.post("/monitoring/hotline/new/", {**form, "caller_phone": "x"})
    assert bad.status_code == 200 and "联系电话格式不正确" in bad.content.decode()
    assert not HotlineCall.unscoped.exists()
    made = client.post("/monitoring/hotline/new/", form)
    call = HotlineCall.unscoped.get(number="12349-A1")
    assert made.status_code == 302 and made["Location"].endswith(f"/hotline/{call.pk}/")
    assert "12349-A1" in client.get("/monitoring/hotline/").content.decode()
    client.post(f"/monitoring/hotline/{call.pk}/", {"answer": "已受理，请携带材料到乡镇窗口"})
    client.post(f"/monitoring/hotline/{call.pk}/", {"feedback": "satisfied", "note": ""})
    call.refresh_from_db()
    assert call.state == "closed" and call.answered_by == caseworker


def test_a_caseworker_of_another_area_does_not_see_the_call(
    caseworker: Any, im_caseworker: Any
) -> None:
    call = register(caseworker)
    client = signed_in(im_caseworker)
    assert client.get(f"/monitoring/hotline/{call.pk}/").status_code == 404
    assert "12345-20260213-0001" not in client.get("/monitoring/hotline/").content.decode()
    officer = make_user("county_officer", "440104", username="gd-county-officer")
    assert signed_in(officer).get(f"/monitoring/hotline/{call.pk}/").status_code == 200
