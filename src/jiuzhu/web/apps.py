"""Django app configuration for the web shell."""

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "jiuzhu.web"
    verbose_name = "页面"
