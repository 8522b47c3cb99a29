"""The assistance categories, one entry each (C-08; issue 16): every other list of them is
derived from this one — the cases' application kinds, the entitlements' categories, the
register's ranking, the engine's flag names, the API's enums and the pages' labels.

Adding a category is one entry here plus its rules (catalogue/), its parameters (params/)
and a migration for the changed choices.

Two names per category, on purpose and only here: `code` is what the platform stores and
its API carries (a case's kind, an entitlement's category, the register's category);
`engine` is the rules engine's flag in a decision's `categories` and in its input's
`previous.category` (public contracts both: "rigid_expense" and "rigid_expenditure" name
one category, 刚性支出困难). `to_engine` / `from_engine` translate; nothing else spells either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Paid = Literal["monthly", "one_off", "none"]
Layer = Literal["basic", "low_income", "expenditure", "temporary"]


@dataclass(frozen=True)
class AssistanceCategory:
    """One assistance category.

    `layer` is the layer of the layered system (C-08: 基本生活救助 ⊃ 特困/低保; 低收入;
    支出型; 临时救助); `paid` says how it pays (`none`: a recognition — the household is in
    the category for a time and it opens specialized aid, but nothing is paid for it);
    `recipient` that a household is in the category from its approval until its
    entitlement ends (the recipients selector); `rank` orders the register (低收入人口,
    国办发〔2023〕39号), highest first; `review_parameters` are the review periods' parameters
    (D-01); `term_parameter` the months a recognition lasts without a new decision (None:
    until a review or a correction ends it); `aid_parameter` names the parameter listing
    the specialized aid it opens (C-08; its value belongs to the jurisdiction, never to
    this catalogue)."""

    code: str
    engine: str | None
    zh: str
    en: str
    short_zh: str
    short_en: str
    application_zh: str
    application_en: str
    layer: Layer
    paid: Paid
    recipient: bool
    rank: int | None
    review_parameters: tuple[str, ...]
    term_parameter: str | None
    aid_parameter: str | None
    rules: tuple[str, ...]
    paid_first: bool = False  # paid first from the township's reserve, documented after


CATALOGUE: tuple[AssistanceCategory, ...] = (
    AssistanceCategory(
        code="dibao",
        engine="dibao",
        zh="最低生活保障",
        en="Minimum living guarantee (dibao)",
        short_zh="低保",
        short_en="Dibao",
        application_zh="最低生活保障",
        application_en="Minimum living guarantee (dibao)",
        layer="basic",
        paid="monthly",
        recipient=True,
        rank=1,
        review_parameters=("review_months_stable", "review_months_unstable"),
        term_parameter=None,
        aid_parameter="aid_opened_dibao",
        rules=("C-04", "C-05", "B-01"),
    ),
    AssistanceCategory(
        code="tekun",
        engine="tekun",
        zh="特困人员救助供养",
        en="Extreme-poverty support (tekun)",
        short_zh="特困人员",
        short_en="Extreme poverty (tekun)",
        application_zh="特困人员供养",
        application_en="Extreme-poverty support",
        layer="basic",
        paid="monthly",
        recipient=True,
        rank=0,
        review_parameters=("review_months_stable",),
        term_parameter=None,
        aid_parameter="aid_opened_tekun",
        rules=("C-01", "C-02", "C-03", "B-02"),
    ),
    AssistanceCategory(
        code="low_income",
        engine="low_income",
        zh="低收入家庭",
        en="Low-income household",
        short_zh="低保边缘",
        short_en="Low income (dibao edge)",
        application_zh="低保边缘（低收入）家庭认定",
        application_en="Low-income (dibao-edge) household recognition",
        layer="low_income",
        paid="none",
        recipient=True,
        rank=2,
        review_parameters=("review_months_low_income",),
        term_parameter=None,
        aid_parameter="aid_opened_low_income",
        rules=("C-06",),
    ),
    AssistanceCategory(
        code="rigid_expense",
        engine="rigid_expenditure",
        zh="刚性支出困难家庭",
        en="Household in hardship from rigid expenditure",
        short_zh="刚性支出困难",
        short_en="Rigid-expenditure hardship",
        application_zh="刚性支出困难家庭认定",
        application_en="Rigid-expenditure hardship recognition",
        layer="expenditure",
        paid="none",
        recipient=True,
        rank=3,
        review_parameters=("review_months_rigid",),
        term_parameter="review_months_rigid",
        aid_parameter="aid_opened_rigid_expenditure",
        rules=("C-07",),
    ),
    AssistanceCategory(
        code="temporary_emergency",
        engine=None,
        zh="临时救助（急难型）",
        en="Temporary assistance (emergency)",
        short_zh="急难型临时救助",
        short_en="Emergency aid",
        application_zh="临时救助（急难型）",
        application_en="Temporary assistance (emergency)",
        layer="temporary",
        paid="one_off",
        recipient=False,
        rank=None,
        review_parameters=(),
        term_parameter=None,
        aid_parameter=None,
        rules=("A-06", "A-07", "A-08"),
        paid_first=True,
    ),
    AssistanceCategory(
        code="temporary_expense",
        engine=None,
        zh="临时救助（支出型）",
        en="Temporary assistance (expenditure)",
        short_zh="支出型临时救助",
        short_en="Expenditure aid",
        application_zh="临时救助（支出型）",
        application_en="Temporary assistance (expenditure)",
        layer="temporary",
        paid="one_off",
        recipient=False,
        rank=None,
        review_parameters=(),
        term_parameter=None,
        aid_parameter=None,
        rules=("A-06", "A-08"),
    ),
)

BY_CODE: dict[str, AssistanceCategory] = {}
BY_ENGINE: dict[str, AssistanceCategory] = {}
# derived lists, each a view of the catalogue in its order (set by _derive below)
CODES: tuple[str, ...] = ()
MONTHLY: tuple[str, ...] = ()  # paid every month: an entitlement with an amount
ONE_OFF: tuple[str, ...] = ()  # paid once (or in instalments)
PAID: tuple[str, ...] = ()
RECOGNITIONS: tuple[str, ...] = ()  # nothing paid: an entitlement of no amount, for its term
RECIPIENT: tuple[str, ...] = ()  # the categories a household is "in" (recipients selector)
RANKED: tuple[str, ...] = ()  # the register's order, highest first
ENGINE: tuple[str, ...] = ()  # the engine's category flags
ENGINE_CODES: tuple[str, ...] = ()  # the platform codes of the categories the engine decides
REVIEW_TARGETS: tuple[str, ...] = ()  # the layers a review may move a household into (D-03)
NONE = "none"  # the register's and the engine's "in no category"


def to_engine(code: str) -> str:
    """The engine's name of a platform code ("rigid_expense" → "rigid_expenditure");
    "none" stays "none"."""
    if code == NONE:
        return NONE
    engine = BY_CODE[code].engine
    if engine is None:
        raise KeyError(f"{code} is not a category the rules engine decides")
    return engine


def from_engine(name: str) -> str:
    """The platform code of an engine flag ("rigid_expenditure" → "rigid_expense")."""
    if name == NONE:
        return NONE
    return BY_ENGINE[name].code


def label(code: str, *, english: bool = False, short: bool = False) -> str:
    """The category's name in Chinese or English (a platform code or an engine name)."""
    entry = BY_CODE.get(code) or BY_ENGINE[code]
    if short:
        return entry.short_en if english else entry.short_zh
    return entry.en if english else entry.zh


def register(entry: AssistanceCategory) -> None:
    """Add a category (a deployment's own, or a test's) before the platform is loaded: the
    derived lists are rebuilt; modules that derive from them must be imported after."""
    global CATALOGUE
    if entry.code in BY_CODE or (entry.engine and entry.engine in BY_ENGINE):
        raise ValueError(f"category {entry.code} is already in the catalogue")
    CATALOGUE = (*CATALOGUE, entry)
    _derive()


def _derive() -> None:
    global BY_CODE, BY_ENGINE, CODES, MONTHLY, ONE_OFF, PAID, RECOGNITIONS, RECIPIENT
    global RANKED, ENGINE, ENGINE_CODES, REVIEW_TARGETS
    BY_CODE = {c.code: c for c in CATALOGUE}
    BY_ENGINE = {c.engine: c for c in CATALOGUE if c.engine}
    CODES = tuple(c.code for c in CATALOGUE)
    MONTHLY = tuple(c.code for c in CATALOGUE if c.paid == "monthly")
    ONE_OFF = tuple(c.code for c in CATALOGUE if c.paid == "one_off")
    PAID = tuple(c.code for c in CATALOGUE if c.paid != "none")
    RECOGNITIONS = tuple(c.code for c in CATALOGUE if c.paid == "none")
    RECIPIENT = tuple(c.code for c in CATALOGUE if c.recipient)
    ranked = sorted((c for c in CATALOGUE if c.rank is not None), key=lambda c: c.rank or 0)
    RANKED = tuple(c.code for c in ranked)
    ENGINE = tuple(c.engine for c in CATALOGUE if c.engine)
    ENGINE_CODES = tuple(c.code for c in CATALOGUE if c.engine)
    REVIEW_TARGETS = tuple(c.code for c in CATALOGUE if c.layer in ("basic", "low_income"))


_derive()
