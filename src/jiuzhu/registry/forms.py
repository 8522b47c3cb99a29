"""Forms of the registry pages: types, lengths, choices and the order of dates are checked
here, before a service is called; the services decide everything else (ServiceError)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiuzhu.regions.models import Region
from jiuzhu.registry import errors
from jiuzhu.registry.errors import ServiceError
from jiuzhu.registry.identity import ERROR_FORMAT, InvalidIdNumber, parse_id_number
from jiuzhu.registry.models import (
    DatedFact,
    Household,
    HouseholdFactKind,
    IncomeKind,
    Member,
    Sex,
)

DATE_BEFORE_BIRTH = _("日期不能早于出生日期")
PURPOSE_REQUIRED = _("请填写查看完整身份证号码的用途")
NO_MEMBERS_ON_DATE = _("该日期家庭中没有在册成员，无法试算")
ALL_REGIONS = _("全部区域")
QUERY_MAX_LENGTH = 50
RELATIONS = ("户主", "配偶", "子女", "父母", "孙子女", "兄弟姐妹", "其他")


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def model_field(model: type[models.Model], name: str, **kwargs: Any) -> forms.Field:
    """The form field of a model field: one source for labels, lengths and choices."""
    field = cast(models.Field, model._meta.get_field(name))  # type: ignore[type-arg]
    if isinstance(field, models.DateField):
        kwargs.setdefault("widget", _date_input())
    return cast(forms.Field, field.formfield(**kwargs))


class UnechoedInput(forms.TextInput):
    """A text box that never writes the typed ID number back into the page (SECURITY.md 2):
    with htmx the browser keeps what was typed (hx-preserve); without it, it is typed again."""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        return super().get_context(name, None, attrs)


class RegistryForm(forms.Form):
    """Bootstrap classes on every widget, and the services' errors shown by their field."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs.get("class", ""):
                    attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()

    def add_service_error(self, exc: ServiceError | ValidationError) -> None:
        """A refusal from a service, next to its field when the form has that field."""
        if isinstance(exc, ServiceError):
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)
            return
        for name, messages in exc.message_dict.items():
            self.add_error(name if name in self.fields else None, messages)


class SearchForm(RegistryForm):
    q = forms.CharField(
        label=_("姓名、家庭编号、身份证号或其后4位"), max_length=QUERY_MAX_LENGTH, required=False
    )
    region = forms.ChoiceField(label=_("区域"), required=False)

    def __init__(self, *args: Any, regions: Iterable[Region] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", ALL_REGIONS), *((r.code, str(r)) for r in regions)]
        cast(forms.ChoiceField, self.fields["region"]).choices = choices

    def clean_q(self) -> str:
        """Something shaped like an ID number (18 characters, 17 of them digits) must be a
        valid one: the form says why it is not, instead of finding no household (issue 17)."""
        text = str(self.cleaned_data.get("q") or "").strip()
        if len(text) == 18 and text[:17].isdigit():
            try:
                parse_id_number(text)
            except InvalidIdNumber as exc:
                raise forms.ValidationError(str(exc)) from None
        return text


class HouseholdForm(RegistryForm):
    residence = model_field(Household, "residence")
    address = model_field(Household, "address")
    hukou_type = model_field(Household, "hukou_type")


class HouseholdCreateForm(HouseholdForm):
    """The region is chosen once, among the townships and villages of the user's area."""

    region_code = forms.ChoiceField(label=_("所在乡镇（街道）或村（社区）"))
    field_order = ["region_code", "residence", "address", "hukou_type"]

    def __init__(self, *args: Any, regions: Iterable[Region] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["region_code"])
        field.choices = [("", "---------"), *((r.code, str(r)) for r in regions)]


class MemberForm(RegistryForm):
    """What can change about a member; the ID number, birth date and sex cannot."""

    name = model_field(Member, "name")
    relation = model_field(Member, "relation", widget=forms.TextInput(attrs={"list": "relations"}))
    disability_kind = model_field(Member, "disability_kind")
    disability_grade = forms.IntegerField(
        label=_("残疾等级"),
        min_value=1,
        max_value=4,
        required=False,
        error_messages={"min_value": errors.GRADE_RANGE, "max_value": errors.GRADE_RANGE},
    )
    serious_illness = model_field(Member, "serious_illness")
    self_care = model_field(Member, "self_care")
    schooling = model_field(Member, "schooling")
    employment = model_field(Member, "employment")
    unemployed_since = model_field(Member, "unemployed_since")
    left_school_on = model_field(Member, "left_school_on")
    landless = model_field(Member, "landless")
    phone = model_field(Member, "phone")

    def __init__(self, *args: Any, birth_date: dt.date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.known_birth_date = birth_date

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        birth = data.get("birth_date") or self.known_birth_date
        if birth is not None:
            for name in ("unemployed_since", "left_school_on"):
                day = data.get(name)
                if day is not None and day < birth:
                    self.add_error(name, DATE_BEFORE_BIRTH)
        return data


class MemberAddForm(MemberForm):
    id_number = forms.CharField(
        label=_("身份证号"),
        max_length=18,
        error_messages={"max_length": ERROR_FORMAT},
        # the inline check is declared on the field's wrapper (registry/_field.html): the
        # input itself is preserved across htmx swaps, and htmx drops its listeners then
        widget=UnechoedInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "hx-preserve": "true"}
        ),
        help_text=_("出生日期和性别由身份证号码得出"),
    )
    birth_date = model_field(Member, "birth_date", required=False)
    sex = forms.TypedChoiceField(
        label=_("性别"), choices=[("", "---------"), *Sex.choices], required=False
    )
    joined_on = model_field(Member, "joined_on")
    field_order = ["name", "id_number", "birth_date", "sex", "relation", "joined_on"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        birth, joined = data.get("birth_date"), data.get("joined_on")
        if birth is not None and joined is not None and joined < birth:
            self.add_error("joined_on", errors.JOINED_BEFORE_BIRTH)
        return data


class IdCheckForm(forms.Form):
    id_number = forms.CharField(max_length=18, error_messages={"max_length": ERROR_FORMAT})


def _amount() -> forms.Field:
    return model_field(
        DatedFact,
        "amount",
        min_value=Decimal(0),
        error_messages={"min_value": errors.NEGATIVE},
    )


class HouseholdFactForm(RegistryForm):
    kind = forms.ChoiceField(label=_("类别"), choices=HouseholdFactKind.choices)
    amount = _amount()
    valid_from = model_field(DatedFact, "valid_from")


class IncomeForm(RegistryForm):
    kind = forms.ChoiceField(label=_("收入类别"), choices=IncomeKind.choices)
    amount = _amount()
    valid_from = model_field(DatedFact, "valid_from")


class MemberMoveForm(RegistryForm):
    to_household = forms.CharField(
        label=_("目标家庭编号"), max_length=24, help_text=_("本区域内另一个在册家庭的编号")
    )
    on = forms.DateField(label=_("迁入日期"), widget=_date_input())


class EvaluateForm(RegistryForm):
    as_of = forms.DateField(label=_("试算日期"), widget=_date_input())

    @staticmethod
    def initial_data() -> dict[str, str]:
        return {"as_of": timezone.localdate().isoformat()}


class RevealForm(RegistryForm):
    purpose = forms.CharField(
        label=_("查看用途"),
        max_length=200,
        error_messages={"required": PURPOSE_REQUIRED},
        widget=forms.TextInput(attrs={"placeholder": _("用途（必填）"), "autocomplete": "off"}),
    )
