"""The applicant's forms: an application or a change report, signed electronically."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jiuzhu.cases.display import kind_label
from jiuzhu.cases.forms import AREA, TEXT, CaseForm, amount_field
from jiuzhu.cases.online import ONLINE_KINDS

APPLY_KINDS = [k for k in ONLINE_KINDS if k != "review"]


class ApplyForm(CaseForm):
    kind = forms.ChoiceField(
        label=_("申请事项"),
        choices=[(k, kind_label(k)) for k in APPLY_KINDS],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    reason = forms.CharField(label=_("家庭困难情况"), max_length=2000, widget=AREA)
    requested_amount = amount_field(_("临时救助申请金额（元，可不填）"), False)
    authorize = forms.BooleanField(
        label=_("本人及家庭成员授权民政部门核对家庭经济状况（一证一书）"), required=False
    )
    signed_name = forms.CharField(label=_("电子签名：请输入您的姓名"), max_length=50, widget=TEXT)


class ChangeReportForm(CaseForm):
    reason = forms.CharField(label=_("发生了什么变化"), max_length=2000, widget=AREA)
    signed_name = forms.CharField(label=_("电子签名：请输入您的姓名"), max_length=50, widget=TEXT)
