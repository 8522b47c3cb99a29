"""The household JSON the engine reads (issue #2, section 5), as a Pydantic model.

Extra fields are allowed and ignored; amounts are yuan per month, as strings or numbers, parsed
to Decimal (never float); null in a field that has a default means the default, as an empty
Parquet cell does. Validation errors name the field and the household `ref`.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from jiuzhu.rules.errors import InputError
from jiuzhu.rules.money import parse_yuan

DISABILITY_KINDS = ("physical", "visual", "hearing", "speech", "intellectual", "mental", "multiple")
SCHOOLING = ("preschool", "compulsory", "high_school", "secondary_vocational", "higher")
EMPLOYMENT = ("employed", "unemployed", "retired", "student", "other")
SELF_CARE = ("full", "partial", "none")
CATEGORIES = ("tekun", "dibao", "low_income", "rigid_expenditure", "none")
INCOME_KINDS = ("wages", "business", "property", "transfer", "basic_pension", "other")
ASSET_COUNTS = ("vehicles", "homes", "business_registrations")
# the most of a counted asset a household can be recorded with: a larger count is a typing
# error (not a policy figure; the rules only ask whether a count exceeds a parameter)
MAX_COUNT = 1000
EXPENSE_KINDS = ("medical", "education", "disability")


def _amount(value: Any) -> Decimal:
    if value is None:
        return Decimal("0.00")
    amount = parse_yuan(value)
    if amount < 0:
        raise ValueError(f"must not be negative (got {value})")
    return amount


Amount = Annotated[Decimal, BeforeValidator(_amount)]


def _or(default: Any) -> BeforeValidator:
    """null is the field's default: JSON Lines are read column-wise, where an absent field and
    a null one are the same empty cell (as in Parquet), so the model must not tell them apart."""
    return BeforeValidator(lambda value: default() if value is None else value)


Flag = Annotated[bool, _or(lambda: False)]
Count = Annotated[int, _or(lambda: 0)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, str_strip_whitespace=True)


class Disability(_Model):
    kind: Literal["physical", "visual", "hearing", "speech", "intellectual", "mental", "multiple"]
    grade: int = Field(ge=1, le=4, description="1 (most severe) to 4")


class Income(_Model):
    wages: Amount = Decimal("0.00")
    business: Amount = Decimal("0.00")
    property: Amount = Decimal("0.00")
    transfer: Amount = Decimal("0.00")
    basic_pension: Amount = Decimal("0.00")
    other: Amount = Decimal("0.00")


class Supporter(_Model):
    """A legal supporter living elsewhere (法定赡养抚养扶养义务人).

    `able` states the determined fact; without it the C-03 test is applied to the details.
    """

    able: bool | None = None
    birth_date: dt.date | None = None
    monthly_income: Amount = Decimal("0.00")
    disability: Disability | None = None
    assets_within_low_income_rules: Flag = False


class Member(_Model):
    ref: str = Field(min_length=1, max_length=64)
    birth_date: dt.date
    sex: Literal["female", "male"]
    relation: Annotated[str, _or(lambda: "other")] = Field(default="other", max_length=32)
    disability: Disability | None = None
    serious_illness: Flag = False
    self_care: Annotated[Literal["full", "partial", "none"], _or(lambda: "full")] = "full"
    schooling: (
        Literal["preschool", "compulsory", "high_school", "secondary_vocational", "higher"] | None
    ) = None
    employment: Annotated[
        Literal["employed", "unemployed", "retired", "student", "other"], _or(lambda: "other")
    ] = "other"
    unemployed_since: dt.date | None = None
    left_school_on: dt.date | None = None
    landless: Flag = False
    income: Annotated[Income, _or(dict)] = Field(default_factory=Income)
    supporters: Annotated[list[Supporter], _or(list)] = Field(default_factory=list, max_length=20)


class Assets(_Model):
    financial: Amount = Decimal("0.00")
    vehicles: Count = Field(default=0, ge=0, le=MAX_COUNT, description="non-exempt motor vehicles")
    homes: Count = Field(default=0, ge=0, le=MAX_COUNT, description="residential properties")
    business_registrations: Count = Field(default=0, ge=0, le=MAX_COUNT)


class Expenses(_Model):
    medical: Amount = Decimal("0.00")
    education: Amount = Decimal("0.00")
    disability: Amount = Decimal("0.00")


class Previous(_Model):
    category: Literal["tekun", "dibao", "low_income", "rigid_expenditure", "none"]
    monthly_benefit: Amount = Decimal("0.00")
    since: dt.date | None = None
    income_exceeded_on: dt.date | None = Field(
        default=None, description="first day income exceeded the standard (starts B-03)"
    )


class Household(_Model):
    ref: str = Field(min_length=1, max_length=64)
    region: str = Field(pattern=r"^\d{6}(\d{3}){0,2}$", description="county-level or finer code")
    residence: Literal["urban", "rural"]
    members: list[Member] = Field(min_length=1, max_length=50)
    assets: Annotated[Assets, _or(dict)] = Field(default_factory=Assets)
    expenses: Annotated[Expenses, _or(dict)] = Field(default_factory=Expenses)
    employment_costs: Amount = Decimal("0.00")
    previous: Previous | None = None


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_household(raw: Any) -> Household:
    """Validate one household given as parsed JSON; InputError names the field and the ref."""
    ref = raw.get("ref") if isinstance(raw, dict) else None
    ref = ref if isinstance(ref, str) and ref else None
    if not isinstance(raw, dict):
        raise InputError("a household must be a JSON object", ref=ref)
    try:
        household = Household.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        msg = str(first["msg"]).removeprefix("Value error, ")
        raise InputError(msg, ref=ref, field=_loc(first["loc"]) or None) from None
    refs = [m.ref for m in household.members]
    if len(set(refs)) != len(refs):
        raise InputError("member refs must be unique within a household", ref=ref, field="members")
    return household


def loads_json(text: str) -> Any:
    """Parse JSON with numbers as Decimal (never float); JSON nested deeper than Python can
    follow is a JSONDecodeError like any other malformed text, never a crash."""
    try:
        return json.loads(text, parse_float=Decimal)
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", text, 0) from None


def household_schema() -> dict[str, Any]:
    """The household JSON Schema printed by `jiuzhu schema household`."""
    schema = Household.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "jiuzhu household"
    schema["description"] = (
        "One household as read by the jiuzhu rules engine. Amounts are yuan per month, as "
        "strings or numbers with at most two decimal places. Extra fields are allowed."
    )
    return schema
