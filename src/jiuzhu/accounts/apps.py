"""Django app configuration for accounts."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "jiuzhu.accounts"
    verbose_name = "账户"
