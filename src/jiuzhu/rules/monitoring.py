"""Monitoring as parameters (M-01, M-02): the warning indicators, their thresholds and levels,
and the time limits of handling a warning, per region and date.

The monitoring context (jiuzhu.monitoring) asks this module, never a figure of its own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jiuzhu.rules import categories
from jiuzhu.rules.params import ParameterSet, Resolved, default_parameters

LEVELS = ("blue", "yellow", "orange", "red")  # ascending severity
LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS, start=1)}
# the register's assistance categories (低收入人口, 国办发〔2023〕39号), highest first
CATEGORIES = (*categories.RANKED, categories.NONE)
# warning kinds whose level is a parameter `monitoring_level_<kind>`
LEVELLED = (
    "medical",
    "medical_income",
    "breadwinner_death",
    "job_loss",
    "disaster",
    "school_dropout",
    "hotline",
    "policy_match",
    "disability",
    "utility_arrears",
)
MEDICAL_GROUP = {  # category → the threshold parameter's suffix
    "tekun": "tekun",
    "dibao": "dibao",
    "low_income": "low_income",
    "rigid_expense": "low_income",
    "none": "other",
}
TASK_DAYS = {level: f"monitoring_task_days_{level}" for level in LEVELS}
ESCALATION_DAYS = "monitoring_escalation_days"
HOTLINE_DAYS = {False: "monitoring_hotline_answer_days", True: "monitoring_hotline_urgent_days"}

MONITORING_PARAMETERS = frozenset(
    {
        "monitoring_medical_window",
        "monitoring_medical_income_share",
        "monitoring_event_window",
        "monitoring_disaster_loss_threshold",
        "monitoring_disaster_categories",
        "monitoring_dropout_categories",
        "monitoring_disability_max_grade",
        "monitoring_arrears_months",
        ESCALATION_DAYS,
        *HOTLINE_DAYS.values(),
        *(f"monitoring_medical_threshold_{g}" for g in set(MEDICAL_GROUP.values())),
        *(f"monitoring_level_{kind}" for kind in LEVELLED),
        *TASK_DAYS.values(),
    }
)


@dataclass(frozen=True)
class MonitoringParameters:
    medical_window_months: int
    medical_thresholds: dict[str, Decimal]  # category → yuan
    medical_income_share: Decimal
    event_window_days: int
    disaster_loss_threshold: Decimal  # yuan
    disaster_categories: tuple[str, ...]
    dropout_categories: tuple[str, ...]
    disability_max_grade: int  # grades 1 … this are severe (1 the most)
    arrears_months: int
    levels: dict[str, str]  # warning kind → level
    resolved: tuple[Resolved, ...]

    def as_dicts(self) -> list[dict[str, Any]]:
        return [r.as_dict() for r in self.resolved]


def monitoring_parameters(
    region: str, as_of: dt.date, pset: ParameterSet | None = None
) -> MonitoringParameters:
    """The monitoring parameters in force for a region (resolved through its county)."""
    params = pset or default_parameters()
    county = params.regions.leaf_of(region)
    got = {name: params.resolve(name, county, as_of) for name in sorted(MONITORING_PARAMETERS)}

    def value(name: str) -> Any:
        return got[name].value

    return MonitoringParameters(
        medical_window_months=int(value("monitoring_medical_window")),
        medical_thresholds={
            category: Decimal(value(f"monitoring_medical_threshold_{group}"))
            for category, group in MEDICAL_GROUP.items()
        },
        medical_income_share=Decimal(value("monitoring_medical_income_share")),
        event_window_days=int(value("monitoring_event_window")),
        disaster_loss_threshold=Decimal(value("monitoring_disaster_loss_threshold")),
        disaster_categories=tuple(value("monitoring_disaster_categories")),
        dropout_categories=tuple(value("monitoring_dropout_categories")),
        disability_max_grade=int(value("monitoring_disability_max_grade")),
        arrears_months=int(value("monitoring_arrears_months")),
        levels={kind: str(value(f"monitoring_level_{kind}")) for kind in LEVELLED},
        resolved=tuple(got.values()),
    )
