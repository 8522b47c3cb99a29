"""The scheduled checkpoint (SECURITY.md 21; issue 15 item 1): the worker writes the chains'
and the ledger's checkpoints every JIUZHU_CHECKPOINT_EVERY_MINUTES without anyone running
`audit verify`, and the schedule never multiplies however often it is started."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from jiuzhu.audit.checkpoints import LEDGERS, checkpoint_file
from jiuzhu.audit.tasks import checkpoint_chains, schedule
from tests.audit.test_chain import write

PATH = "jiuzhu.audit.tasks.checkpoint_chains"


def waiting() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=PATH, status=TaskResultStatus.READY))


@pytest.mark.django_db
def test_one_run_waits_at_a_time_after_the_interval(settings: Any) -> None:
    settings.JIUZHU_CHECKPOINT_EVERY_MINUTES = 30
    now = timezone.now()
    assert schedule(now) == now + dt.timedelta(minutes=30)
    assert schedule(now) is None and schedule(now + dt.timedelta(hours=2)) is None
    (queued,) = waiting()
    assert queued.run_after == now + dt.timedelta(minutes=30)


@pytest.mark.django_db
def test_no_interval_schedules_nothing(settings: Any) -> None:
    settings.JIUZHU_CHECKPOINT_EVERY_MINUTES = 0
    assert schedule() is None and waiting() == []


@pytest.mark.django_db(transaction=True)
def test_the_worker_writes_the_checkpoints_and_queues_the_next_run(settings: Any) -> None:
    """`jiuzhu worker`: a due run verifies the logs and the ledgers the contexts registered,
    writes a checkpoint line per chain and ledger, and queues the next run."""
    from jiuzhu.cli.platform import worker

    settings.JIUZHU_CHECKPOINT_EVERY_MINUTES = 60
    write(3)  # three audit rows to checkpoint
    checkpoint_chains.enqueue()  # due now
    worker(max_tasks=1, interval=0.1)
    done = DBTaskResult.objects.get(task_path=PATH, status=TaskResultStatus.SUCCESSFUL)
    assert done.return_value == {"ok": True, "chains": done.return_value["chains"]}
    lines = [json.loads(line) for line in checkpoint_file().read_text().splitlines()]
    names = {line["chain"] for line in lines}
    assert {"audit", "access"} <= names and set(LEDGERS) <= names
    audit = next(line for line in lines if line["chain"] == "audit")
    assert audit["rows"] >= 3
    (next_run,) = waiting()
    assert next_run.run_after > timezone.now() + dt.timedelta(minutes=59)
