"""`manage.py check --deploy` reports missing or malformed keys of personal data
(SECURITY.md 23, 27): a deployment never falls back to a key file beside the data."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured


@register(Tags.security, deploy=True)
def keys_from_the_environment(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    problems: list[Error] = []
    if getattr(settings, "JIUZHU_KEY_FILE_ALLOWED", True):
        problems.append(
            Error(
                "the keys of personal data may fall back to a key file beside the data",
                hint="use the production settings (JIUZHU_KEY_FILE_ALLOWED = False)",
                id="jiuzhu.E001",
            )
        )
    if not settings.JIUZHU_DATA_KEY or not settings.JIUZHU_HASH_KEY:
        problems.append(
            Error(
                "JIUZHU_DATA_KEY and JIUZHU_HASH_KEY are not set",
                hint="set both from the key store (docs/operations.md)",
                id="jiuzhu.E002",
            )
        )
    else:
        from jiuzhu.registry.identity import keys

        keys.cache_clear()
        try:
            keys()
        except (ImproperlyConfigured, ValueError) as exc:
            problems.append(Error(str(exc), id="jiuzhu.E003"))
    return problems
