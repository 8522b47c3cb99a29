"""Django app configuration for the registry."""

from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "jiuzhu.registry"
    verbose_name = "家庭登记"

    def ready(self) -> None:
        from jiuzhu.registry import checks  # noqa: F401  (registers the deploy check)
