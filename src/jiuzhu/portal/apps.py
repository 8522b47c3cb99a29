"""The applicant portal (UI only; the writes are the cases context's services)."""

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "jiuzhu.portal"
    label = "portal"
