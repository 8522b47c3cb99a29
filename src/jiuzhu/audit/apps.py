"""Django app configuration for audit."""

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "jiuzhu.audit"
    verbose_name = "审计"
