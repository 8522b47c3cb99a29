"""Forms of the case pages: intake, and one small form per workflow event that turns into the
service's payload. Field errors from the services come back next to their field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from jiuzhu.cases.display import DOCUMENT_LABELS, STATUS_LABELS
from jiuzhu.cases.documents import checked_content, upload_read
from jiuzhu.cases.models import Channel, ReferralAid, ReviewOutcome, Vote
from jiuzhu.core.categories import choices
from jiuzhu.registry.errors import ServiceError
from jiuzhu.rules import categories

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"})
TEXT = forms.TextInput(attrs={"class": "form-control"})
AREA = forms.Textarea(attrs={"class": "form-control", "rows": 3})
SELECT = forms.Select(attrs={"class": "form-select"})
MONEY = forms.TextInput(attrs={"class": "form-control", "inputmode": "decimal"})
FILES = ".pdf,.jpg,.jpeg,.png"


def file_input() -> forms.ClearableFileInput:
    return forms.ClearableFileInput(attrs={"class": "form-control", "accept": FILES})


def amount_field(label: Any, required: bool) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        widget=MONEY,
    )


class CaseForm(forms.Form):
    """A form whose service refusal (a ServiceError naming a field) is shown on that field."""

    def add_service_error(self, exc: Exception) -> None:
        field = getattr(exc, "field", None)
        message = getattr(exc, "message", str(exc))
        key = field.split(".")[0] if field else None
        self.add_error(key if key in self.fields else None, message)

    def payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in self.cleaned_data.items():
            if isinstance(value, Decimal):
                out[key] = str(value)
            elif isinstance(value, dt.date):
                out[key] = value.isoformat()
            elif value not in (None, ""):
                out[key] = value
        return out


class IntakeForm(CaseForm):
    channel = forms.ChoiceField(label=_("申请渠道"), choices=Channel.choices, widget=SELECT)
    applicant = forms.TypedChoiceField(label=_("申请人"), coerce=int, widget=SELECT)
    applied_on = forms.DateField(label=_("申请日期"), widget=DATE)
    reason = forms.CharField(label=_("申请事由"), max_length=2000, required=False, widget=AREA)
    requested_amount = amount_field(_("申请金额（元）"), False)
    referral_aid = forms.ChoiceField(
        label=_("转介事项"),
        choices=[("", "—"), *ReferralAid.choices],
        required=False,
        widget=SELECT,
    )
    parent = forms.TypedChoiceField(
        label=_("申请复核的原决定"), coerce=int, required=False, empty_value=None, widget=SELECT
    )
    authorization_on = forms.DateField(
        label=_("核对授权书签署日期"), required=False, widget=DATE,
        help_text=_("一证一书：申请人签署的家庭经济状况核对授权书"),
    )  # fmt: skip
    authorization_scan = forms.FileField(
        label=_("授权书扫描件（PDF、JPEG 或 PNG）"), required=False,
        widget=file_input(),
    )  # fmt: skip

    def __init__(
        self,
        data: Any = None,
        files: Any = None,
        *,
        kind: str,
        members: list[tuple[int, str]],
        decided: list[tuple[int, str]],
        documents: list[str],
        committable: frozenset[str],
    ) -> None:
        super().__init__(data, files, initial={"applied_on": dt.date.today(), "channel": "window"})
        self.kind = kind
        cast(forms.ChoiceField, self.fields["applicant"]).choices = members
        cast(forms.ChoiceField, self.fields["parent"]).choices = [("", "—"), *decided]
        if kind != "appeal":
            del self.fields["parent"]
        if kind != "referral":
            del self.fields["referral_aid"]
        if kind not in categories.ONE_OFF:
            del self.fields["requested_amount"]
        self.documents = documents
        for code in documents:
            if code == "verification_authorization":
                continue
            allowed = ["received", "missing"] + (["committed"] if code in committable else [])
            self.fields[f"doc_{code}"] = forms.ChoiceField(
                label=DOCUMENT_LABELS.get(code, code),
                choices=[(s, STATUS_LABELS[s]) for s in allowed],
                initial="missing",
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            )

    def checklist(self) -> dict[str, str]:
        return {
            key[4:]: value for key, value in self.cleaned_data.items() if key.startswith("doc_")
        }

    def document_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if name.startswith("doc_")]

    def main_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if not name.startswith("doc_")]


class NoteForm(CaseForm):
    note = forms.CharField(label=_("备注"), max_length=2000, required=False, widget=AREA)


class ReasonForm(CaseForm):
    reason = forms.CharField(label=_("书面理由"), max_length=2000, widget=AREA)


class OptionalReasonForm(CaseForm):
    reason = forms.CharField(label=_("原因"), max_length=2000, required=False, widget=AREA)


class VisitForm(CaseForm):
    visited_on = forms.DateField(label=_("入户日期"), widget=DATE)
    visitors = forms.CharField(label=_("调查人员"), max_length=200, widget=TEXT)
    findings = forms.CharField(label=_("调查情况"), max_length=2000, widget=AREA)
    photo = forms.FileField(
        label=_("现场照片（JPEG、PNG 或 PDF）"), required=False,
        widget=file_input(),
    )  # fmt: skip

    def clean_photo(self) -> Any:
        """The photo checked by its content before the visit is recorded (issue 17: a text
        file named .jpg was refused only after the visit had been saved)."""
        photo = self.cleaned_data.get("photo")
        if photo is None:
            return None
        try:
            self.photo_content = upload_read(photo)
            checked_content(self.photo_content)
        except ServiceError as exc:
            raise forms.ValidationError(exc.message) from None
        return photo

    def payload(self) -> dict[str, Any]:
        out = super().payload()
        out.pop("photo", None)
        return out


class SummaryForm(CaseForm):
    summary = forms.CharField(label=_("核对结论"), max_length=2000, required=False, widget=AREA)


class ProposeForm(CaseForm):
    proposal = forms.ChoiceField(
        label=_("初审意见"),
        choices=[("approve", _("拟批准")), ("refuse", _("拟不予批准"))],
        widget=SELECT,
    )
    amount = amount_field(_("拟救助金额（元/月，临时救助为一次性金额）"), False)
    opinion = forms.CharField(label=_("意见说明"), max_length=2000, required=False, widget=AREA)
    # a review's outcome (D-01): what its approval does to the entitlement
    outcome = forms.ChoiceField(
        label=_("复核结论（仅复核案件）"),
        choices=[("", "—"), *ReviewOutcome.choices],
        required=False,
        widget=SELECT,
    )
    layer = forms.ChoiceField(
        label=_("转入类别（转换类别时）"),
        choices=[("", "—"), *choices(categories.REVIEW_TARGETS, "short")],
        required=False,
        widget=SELECT,
    )


class ObjectionForm(CaseForm):
    raised_on = forms.DateField(label=_("提出日期"), widget=DATE)
    raised_by = forms.CharField(label=_("提出人"), max_length=100, widget=TEXT)
    content = forms.CharField(label=_("异议内容"), max_length=2000, widget=AREA)


class ResolveObjectionForm(CaseForm):
    objection_id = forms.TypedChoiceField(label=_("异议"), coerce=int, widget=SELECT)
    resolution = forms.CharField(label=_("处理结果"), max_length=2000, widget=AREA)
    appraisal = forms.CharField(
        label=_("民主评议情况（有争议时）"), max_length=2000, required=False, widget=AREA
    )
    upheld = forms.BooleanField(label=_("异议成立"), required=False)


class VoteForm(CaseForm):
    member_name = forms.CharField(label=_("成员"), max_length=100, widget=TEXT)
    member_unit = forms.CharField(label=_("所在单位"), max_length=100, widget=TEXT)
    vote = forms.ChoiceField(label=_("表决"), choices=Vote.choices, widget=SELECT)


class ApproveForm(CaseForm):
    amount = amount_field(_("决定金额（元，留空为初审金额）"), False)
    reason = forms.CharField(label=_("审批意见"), max_length=2000, required=False, widget=AREA)
    instalments = forms.CharField(
        label=_("分阶段发放（每行：金额,日期）"), required=False, max_length=2000, widget=AREA,
        help_text=_("临时救助一次审批、分阶段救助时填写，例如：1000.00,2026-03-10"),
    )  # fmt: skip

    def clean_instalments(self) -> list[dict[str, str]]:
        rows = []
        for number, line in enumerate(self.cleaned_data["instalments"].splitlines(), 1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            if len(parts) != 2:
                raise forms.ValidationError(_("第 %(n)s 行应为“金额,日期”"), params={"n": number})
            rows.append({"amount": parts[0], "due_on": parts[1]})
        return rows


class ApproveOverProposalForm(ApproveForm):
    """Approving a case proposed for refusal: the amount and the written reason are required."""

    amount = amount_field(_("决定金额（元）"), True)
    reason = forms.CharField(label=_("改为批准的书面理由"), max_length=2000, widget=AREA)


class AmountForm(CaseForm):
    amount = amount_field(_("先行救助金额（元）"), True)


class AnswerForm(CaseForm):
    accepted = forms.BooleanField(label=_("已纳入救助"), required=False)
    reason = forms.CharField(label=_("办理结果"), max_length=2000, widget=AREA)


EVENT_FORMS: dict[str, type[CaseForm]] = {
    "record_visit": VisitForm,
    "complete_verification": SummaryForm,
    "propose": ProposeForm,
    "raise_objection": ObjectionForm,
    "resolve_objection": ResolveObjectionForm,
    "record_vote": VoteForm,
    "approve": ApproveForm,
    "approve_over_proposal": ApproveOverProposalForm,
    "refuse": ReasonForm,
    "return": ReasonForm,
    "extend": ReasonForm,
    "answer": AnswerForm,
    "withdraw": OptionalReasonForm,
    "pay_first": AmountForm,
}


def event_form(event: str, data: Any = None, files: Any = None, **kwargs: Any) -> CaseForm:
    form = EVENT_FORMS.get(event, NoteForm)(data, files, prefix=event)
    if isinstance(form, VisitForm) and data is None:
        form.initial["visited_on"] = dt.date.today()
    if isinstance(form, ObjectionForm) and data is None:
        form.initial["raised_on"] = dt.date.today()
    if isinstance(form, ProposeForm) and kwargs.get("kind") != "review":
        del form.fields["outcome"], form.fields["layer"]  # only a review has an outcome
    if isinstance(form, ResolveObjectionForm):
        cast(forms.ChoiceField, form.fields["objection_id"]).choices = kwargs.get("objections", [])
    return form
