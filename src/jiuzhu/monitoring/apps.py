"""Django app configuration for monitoring (proactive discovery and early warning)."""

from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "jiuzhu.monitoring"
    verbose_name = "主动发现与动态监测"
