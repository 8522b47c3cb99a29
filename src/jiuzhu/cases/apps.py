"""Django app configuration for cases."""

from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "jiuzhu.cases"
    verbose_name = "救助申请"
