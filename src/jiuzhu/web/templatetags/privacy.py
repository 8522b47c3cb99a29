"""Template filters that keep personal data out of what a page writes back (SECURITY.md 24)."""

from __future__ import annotations

from django import template

from jiuzhu.audit.logging import mask_text

register = template.Library()


@register.filter
def mask_ids(value: object) -> str:
    """ID and bank card numbers masked, e.g. in a link that carries the current address."""
    return mask_text(str(value))
