"""The assistance categories for Django (choices, labels), derived from the rules core's
catalogue (jiuzhu.rules.categories): no context spells a category's name or label itself.

Labels are lazy: Chinese, or English when the request's language is English."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any, Literal

from django.db import models
from django.utils.functional import lazy
from django.utils.translation import get_language

from jiuzhu.rules import categories as catalogue

Form = Literal["full", "short", "application"]


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _text(code: str, form: Form) -> str:
    entry = catalogue.BY_CODE.get(code) or catalogue.BY_ENGINE[code]
    english = _english()
    if form == "short":
        return entry.short_en if english else entry.short_zh
    if form == "application":
        return entry.application_en if english else entry.application_zh
    return entry.en if english else entry.zh


_lazy_text = lazy(_text, str)


def category_label(code: str, form: Form = "full") -> Any:
    """The category's name (a platform code or an engine name), in the active language."""
    return _lazy_text(code, form)


def choices(codes: Iterable[str], form: Form = "full") -> list[tuple[str, Any]]:
    """(code, lazy label) pairs for a form field or a model field's choices."""
    return [(code, category_label(code, form)) for code in codes]


def text_choices(
    name: str, codes: Iterable[str], form: Form = "full", extra: Iterable[tuple[str, Any]] = ()
) -> Any:
    """A TextChoices enum of the catalogue's codes (then `extra` (code, label) pairs, the
    kinds that are not categories): members named by the upper-cased code."""
    members = [(code.upper(), (code, label)) for code, label in choices(codes, form)]
    members += [(code.upper(), (code, label)) for code, label in extra]
    return models.TextChoices(name, members)  # type: ignore[call-overload]


def str_enum(name: str, codes: Iterable[str]) -> Any:
    """A str Enum of the codes, for an API schema (its values are the codes)."""
    return enum.StrEnum(name, {code: code for code in codes})
