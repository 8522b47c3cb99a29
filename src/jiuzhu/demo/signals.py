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
        "warnings": len(scan.new_warnings),
        "by_kind": scan.by_kind,
        "by_level": scan.by_level,
        "folder": str(folder),
    }
