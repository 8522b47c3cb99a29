"""Benchmarks of applications and decisions on PostgreSQL (issue #4), appended to
docs/benchmarks.md.

1. Cases created and driven through to the decision via the services (intake, checklist,
   home visit, verification, evaluation by the rules engine, opinion, public notice,
   approval or refusal): one transaction per step, as caseworkers work; by two worker
   processes in parallel (two townships), wall time and cases per second.
2. The worklist page of a township with 50,000 open cases (count + first 50, rendered):
   median and p95.
Needs a PostgreSQL server (BENCH_PG, default postgres://postgres@127.0.0.1:5432).
BENCH_CASES sets how many cases are driven (default 2,000); BENCH_SKIP_DRIVE=1 measures only
the worklist.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.platform_pg import SERVER

DB = "jiuzhu_bench_cases"
CASES = int(os.environ.get("BENCH_CASES", "2000"))
WORKERS = 2
OPEN_CASES = 50_000
TARGET_SECONDS = 60  # for 10,000 cases (issue #4)


def env(data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"{SERVER}/{DB}",
        "DJANGO_SETTINGS_MODULE": "jiuzhu.config.settings.demo",
        "JIUZHU_DATA_DIR": str(data_dir),
    }


def jiuzhu(args: list[str], data_dir: Path) -> None:
    subprocess.run([sys.executable, "-m", "jiuzhu", *args], env=env(data_dir), check=True,
                   capture_output=True)  # fmt: skip


def child(args: list[str], data_dir: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "benchmarks.cases_child", *args],
        env=env(data_dir),
        stdout=subprocess.PIPE,
        text=True,
    )


def last_json(proc: subprocess.Popen[str]) -> dict[str, Any]:
    out, _ = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"benchmark child failed ({proc.returncode})")
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def run() -> dict[str, Any]:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB}")
        conn.execute(f"CREATE DATABASE {DB}")
    data_dir = Path(tempfile.mkdtemp(prefix="jiuzhu-bench-cases-"))
    jiuzhu(["manage", "migrate", "--noinput", "-v", "0"], data_dir)
    jiuzhu(["manage", "collectstatic", "--noinput", "-v", "0"], data_dir)  # the pages render
    jiuzhu(["demo", "load", "--households", str(max(40_000, CASES * 6))], data_dir)
    if os.environ.get("BENCH_SKIP_DRIVE"):
        drive = {"cases": 0, "wall_seconds": 0.0, "workers": 0, "cases_per_second": 0.0}
        return {
            "drive": drive,
            "worklist": last_json(child(["worklist", str(OPEN_CASES)], data_dir)),
        }
    started = time.perf_counter()
    procs = [
        child(["drive", str(CASES // WORKERS), str(w), str(WORKERS)], data_dir)
        for w in range(WORKERS)
    ]
    results = [last_json(p) for p in procs]
    wall = time.perf_counter() - started
    drive = {"cases": sum(r["cases"] for r in results), "wall_seconds": wall, "workers": WORKERS}
    drive["cases_per_second"] = drive["cases"] / wall
    print(json.dumps(drive), flush=True)
    worklist = last_json(child(["worklist", str(OPEN_CASES)], data_dir))
    print(json.dumps(worklist), flush=True)
    return {"drive": drive, "worklist": worklist}


def render(result: dict[str, Any]) -> str:
    drive, worklist = result["drive"], result["worklist"]
    if drive["cases"]:
        per_10k = 10_000 / drive["cases_per_second"]
        verdict = "met" if per_10k < TARGET_SECONDS else "not met"
        driven = (
            f"- {drive['cases']:,} 低保 cases created and driven through to the decision via "
            "the services (11 steps each, one transaction per step, every step with its "
            f"transition log and hash-chained audit row), {drive['workers']} worker processes: "
            f"{drive['wall_seconds']:.1f} s wall, {drive['cases_per_second']:.1f} cases/s; "
            f"10,000 cases at this rate: {per_10k:.0f} s (target: under {TARGET_SECONDS} s; "
            f"{verdict})"
        )
    else:
        driven = "- driving cases: skipped (BENCH_SKIP_DRIVE)"
    listed = (
        f"- worklist page of a township with {worklist['open_cases']:,} open cases (count + "
        f"first 50, rendered): median {worklist['median_ms']:.1f} ms, p95 "
        f"{worklist['p95_ms']:.1f} ms (target: under 200 ms)"
    )
    return "\n".join(
        ["## Applications and decisions on PostgreSQL (issue #4)", "", driven, listed, ""]
    )


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--append", type=Path, help="append the Markdown section to this file")
    args = parser.parse_args()
    section = render(run())
    if args.append:
        with args.append.open("a", encoding="utf-8") as handle:
            handle.write("\n" + section)
        print(f"appended to {args.append}")
    else:
        print(section)


if __name__ == "__main__":
    main()
