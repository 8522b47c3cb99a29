"""Django app configuration for the REST API."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "jiuzhu.api"
    label = "api"
    verbose_name = "API"
