"""The scheduled checkpoint (SECURITY.md 21; issue 15 item 1): the worker (`jiuzhu worker`,
the django-tasks database backend) runs `jiuzhu audit verify` every
JIUZHU_CHECKPOINT_EVERY_MINUTES, so the chains' and the ledger's heads are written outside
the database even when nobody runs the command.

The task schedules its next run itself (the backend has no calendar): one run waiting at a
time, whatever the number of workers or calls to `schedule` — a second is never queued
while one waits, so the schedule cannot multiply."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus

from jiuzhu.audit.checkpoints import run

log = logging.getLogger("jiuzhu.audit")
SCHEDULE_LOCK = 0x6A7A_0C4B  # the advisory lock of `schedule` (PostgreSQL)


def interval() -> dt.timedelta | None:
    minutes = int(getattr(settings, "JIUZHU_CHECKPOINT_EVERY_MINUTES", 0) or 0)
    return dt.timedelta(minutes=minutes) if minutes > 0 else None


@task()
def checkpoint_chains() -> dict[str, Any]:
    """Verify the logs and the ledger, write the checkpoints, schedule the next run. A
    broken chain is logged as an error (the report names it) and the schedule goes on."""
    ok, report = run()
    if not ok:
        log.error("audit verify: a chain or the ledger does not hold: %s", sorted(report))
    schedule()
    return {"ok": ok, "chains": sorted(report)}


def schedule(now: dt.datetime | None = None) -> dt.datetime | None:
    """Queue the next checkpoint run after the interval, unless one is waiting already (or
    the interval is 0). Returns when it will run, or None when nothing was queued."""
    every = interval()
    if every is None:
        return None
    from django_tasks_db.models import DBTaskResult

    path = checkpoint_chains.module_path
    with transaction.atomic():
        if connection.vendor == "postgresql":  # one scheduler at a time
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SCHEDULE_LOCK])
        waiting = DBTaskResult.objects.filter(task_path=path, status=TaskResultStatus.READY)
        if waiting.exists():
            return None
        at = (now or timezone.now()) + every
        checkpoint_chains.using(run_after=at).enqueue()
    return at
