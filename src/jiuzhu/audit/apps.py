"""Django app configuration for audit."""

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "jiuzhu.audit"
    verbose_name = "审计"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from jiuzhu.audit.roles import grant_after_migrate

        connection_created.connect(register_sqlite_functions)
        # PostgreSQL: the application's role gets INSERT and SELECT only on the append-only
        # tables, once every app has migrated (JIUZHU_DB_APP_ROLE)
        post_migrate.connect(grant_after_migrate, sender=self, dispatch_uid="jiuzhu.grants")
        from jiuzhu.db import private_sqlite_files

        connection_created.connect(private_sqlite_files, dispatch_uid="jiuzhu.private_sqlite")
        from jiuzhu.audit import signals

        signals.connect()


def register_sqlite_functions(sender: object, connection: object, **kwargs: object) -> None:
    """SQLite: the function the append-only triggers ask (migration 0002)."""
    from django.conf import settings

    if getattr(connection, "vendor", "") != "sqlite":
        return
    allowed = 1 if getattr(settings, "JIUZHU_LOG_MAINTENANCE", False) else 0
    connection.connection.create_function(  # type: ignore[attr-defined]
        "jiuzhu_log_maintenance", 0, lambda: allowed, deterministic=True
    )
