"""Hotline pages (M-03): the area's open calls, registering a call, and a call's page with
the answer and feedback forms. The caller's phone number is masked; showing it in full (to
call back) writes an access-log row. A call outside the user's area is a 404."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from jiuzhu.accounts.roles import Can
from jiuzhu.audit.services import access_record
from jiuzhu.monitoring import flows
from jiuzhu.monitoring.hotline import (
    call_get,
    calls_visible,
    hotline_answer,
    hotline_feedback,
    hotline_register,
    mask_phone,
)
from jiuzhu.monitoring.models import CallState, CallSubject, Feedback, HotlineCall, HotlineLine
from jiuzhu.registry.errors import ServiceError
from jiuzhu.registry.views import _user, requires

TEXT = {"class": "form-control"}


class CallForm(forms.Form):
    number = forms.CharField(
        label=gettext_lazy("工单编号"), max_length=40, widget=forms.TextInput(TEXT)
    )
    line = forms.ChoiceField(
        label=gettext_lazy("热线"),
        choices=HotlineLine.choices,
        widget=forms.Select({"class": "form-select"}),
    )
    received_on = forms.DateField(
        label=gettext_lazy("来电日期"), widget=forms.DateInput({**TEXT, "type": "date"})
    )
    caller_name = forms.CharField(
        label=gettext_lazy("来电人"), max_length=50, widget=forms.TextInput(TEXT)
    )
    caller_phone = forms.CharField(
        label=gettext_lazy("联系电话"),
        max_length=20,
        widget=forms.TextInput({**TEXT, "inputmode": "tel"}),
    )
    subject = forms.ChoiceField(
        label=gettext_lazy("诉求类型"),
        choices=CallSubject.choices,
        widget=forms.Select({"class": "form-select"}),
    )
    urgent = forms.BooleanField(
        label=gettext_lazy("紧急诉求"),
        required=False,
        widget=forms.CheckboxInput({"class": "form-check-input"}),
    )
    request = forms.CharField(
        label=gettext_lazy("诉求内容"), max_length=2000, widget=forms.Textarea({**TEXT, "rows": 3})
    )
    region_code = forms.CharField(
        label=gettext_lazy("诉求所在区划代码"),
        max_length=12,
        required=False,
        widget=forms.TextInput(TEXT),
        help_text=gettext_lazy("村（社区）、乡镇（街道）或县（区）代码；填写了身份证号时可不填"),
    )
    id_number = forms.CharField(
        label=gettext_lazy("家庭成员身份证号（可选）"),
        max_length=18,
        required=False,
        widget=forms.TextInput({**TEXT, "autocomplete": "off"}),
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=gettext_lazy("答复内容"), max_length=2000, widget=forms.Textarea({**TEXT, "rows": 3})
    )


class FeedbackForm(forms.Form):
    feedback = forms.ChoiceField(
        label=gettext_lazy("回访评价"),
        choices=Feedback.choices,
        widget=forms.Select({"class": "form-select"}),
    )
    note = forms.CharField(
        label=gettext_lazy("回访意见"), max_length=500, required=False, widget=forms.TextInput(TEXT)
    )


def _call(call_id: int) -> HotlineCall:
    call = call_get(call_id)
    if call is None:
        raise Http404
    return call


def _row(call: HotlineCall, today: Any) -> dict[str, Any]:
    return {
        "call": call,
        "phone": mask_phone(call.caller_phone),
        "overdue": call.state == CallState.ROUTED and call.due_on < today,
    }


@requires(Can.HANDLE_WARNINGS)
@require_GET
def call_list(request: HttpRequest) -> HttpResponse:
    """The area's calls still open (answer due first), or all with ?all=1."""
    today = timezone.localdate()
    show_all = request.GET.get("all") == "1"
    rows = [_row(c, today) for c in calls_visible(open_only=not show_all)[:200]]
    return render(
        request, "monitoring/hotline.html", {"rows": rows, "show_all": show_all, "today": today}
    )


@requires(Can.HANDLE_WARNINGS)
@require_http_methods(["GET", "POST"])
def call_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    today = timezone.localdate()
    form = CallForm(request.POST or None, initial={"received_on": today, "line": "12345"})
    if request.method == "POST" and form.is_valid():
        try:
            call = hotline_register(actor=user, today=today, **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("已登记热线工单并派至责任单位"))
            return redirect("monitoring:hotline_call", call.pk)
    return render(request, "monitoring/hotline_new.html", {"form": form})


@requires(Can.HANDLE_WARNINGS)
@require_http_methods(["GET", "POST"])
def call_detail(request: HttpRequest, call_id: int) -> HttpResponse:
    call = _call(call_id)
    user = _user(request)
    today = timezone.localdate()
    answer = AnswerForm(request.POST if "answer" in request.POST else None)
    feedback = FeedbackForm(request.POST if "feedback" in request.POST else None)
    try:
        if answer.is_bound and answer.is_valid():
            hotline_answer(actor=user, call=call, answer=answer.cleaned_data["answer"], today=today)
            messages.success(request, _("已答复"))
            return redirect("monitoring:hotline_call", call.pk)
        if feedback.is_bound and feedback.is_valid():
            data = feedback.cleaned_data
            hotline_feedback(
                actor=user, call=call, feedback=data["feedback"], note=data["note"], today=today
            )
            messages.success(request, _("已记录回访评价"))
            return redirect("monitoring:hotline_call", call.pk)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    reveal = request.GET.get("phone") == "1"
    if reveal:  # to call back: the full number, logged
        with transaction.atomic():
            access_record(
                actor=user,
                subject_type="hotline_call",
                subject_id=call.pk,
                field="caller_phone",
                purpose=_("热线回复来电人"),
                region_code=call.region_code,
            )
    return render(
        request,
        "monitoring/hotline_call.html",
        {
            **_row(call, today),
            "full_phone": call.caller_phone if reveal else "",
            "answer_form": answer,
            "feedback_form": feedback,
            "can_answer": flows.CALL.may(call.state, "answer", user),
            "can_feedback": flows.CALL.may(call.state, "close", user),
        },
    )
