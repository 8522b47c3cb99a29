"""The demo's hardship signals: synthetic deliveries of the departments' monitoring data for
the demo population (planted hardships and noise, synthetic/signals.py), imported as
today's batches, then a monitoring scan — so the demo opens with warnings and tasks for the
grid workers (demo mode only; call under `system_scope()`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from jiuzhu.demo.departments import demo_population
from jiuzhu.monitoring.scan import monitoring_scan
from jiuzhu.monitoring.services import signals_import_file
from jiuzhu.synthetic.signals import generate_signals, write_signals


def seed_demo_signals(
    out: Path, today: dt.date | None = None, *, seed: int = 2024
) -> dict[str, Any]:
    """Write, import and scan; the counts of signals, warnings by kind and level."""
    today = today or dt.date.today()
    data = generate_signals(demo_population(today), seed=seed, as_of=today)
    folder = out / today.isoformat()
    counts = write_signals(data, folder)
    imported = 0
    for kind in counts:
        result = signals_import_file(
            actor=None,
            kind=kind,
            path=folder / f"{kind}.csv",
            as_of=today,
            batch_key=f"demo-{kind}-{today.isoformat()}",
        )
        imported += result.added
    scan = monitoring_scan(actor=None, as_of=today)
    return {
        "signals": imported,
        "planted": data.truth.height,
        "warnings": scan.new.height,
        "by_kind": scan.by_kind,
        "by_level": scan.by_level,
        "folder": str(folder),
    }


def seed_demo_calls(county: str, today: dt.date | None = None) -> int:
    """Three synthetic hotline calls in the county's first township (demo only): one waiting
    for an answer, one answered and waiting for the caller's feedback, one past its limit.
    Callers and numbers are made up (合成来电人, 1380000xxxx)."""
    from jiuzhu.monitoring.hotline import hotline_answer, hotline_register
    from jiuzhu.monitoring.models import HotlineCall

    today = today or dt.date.today()
    township = f"{county}001"
    late = today - dt.timedelta(days=21)
    calls = [
        ("inquiry", "咨询低保申请需要准备哪些材料（合成数据）", today, False),
        ("hardship", "邻居老人独居、行动不便，希望社区上门看看（合成数据）", today, True),
        ("application", "想申请临时救助，不知道到哪里办理（合成数据）", late, False),
    ]
    made = 0
    for i, (subject, request, day, urgent) in enumerate(calls, start=1):
        number = f"DEMO-12345-{county}-{i:03d}"
        if HotlineCall.unscoped.filter(number=number).exists():
            continue
        call = hotline_register(
            actor=None, number=number, line="12345", received_on=day,
            caller_name=f"合成来电人{i}", caller_phone=f"1380000{i:04d}", subject=subject,
            request=request, region_code=township, urgent=urgent, today=today,
        )  # fmt: skip
        made += 1
        if subject == "hardship":
            from jiuzhu.accounts.models import User

            answerer = User.objects.filter(
                role="township_caseworker", area__code__startswith=county
            ).first()
            if answerer is not None:
                hotline_answer(
                    actor=answerer, call=call, answer="已安排社区网格员上门走访", today=today
                )
    return made
