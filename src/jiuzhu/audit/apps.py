"""Django app configuration for audit."""

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "jiuzhu.audit"
    verbose_name = "审计"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        connection_created.connect(register_sqlite_functions)
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
