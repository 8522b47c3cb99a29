"""Benchmarks of applications and decisions on PostgreSQL (issue #4), appended to
docs/benchmarks.md.

1. 10,000 cases created and driven through to the decision via the batch services
   (case_create_many, case_act_many: intake, checklist, home visit, verification,
   evaluation by the rules engine, opinion, public notice, approval or refusal), one
   transaction per step for 1,000 cases, by two worker processes (two townships): wall time
   against the target of 60 s.
2. The same steps one case and one transaction at a time (as a caseworker clicks), on fewer
   cases: the interactive rate.
3. The worklist page of a township with 50,000 open cases (count + first 50, rendered):
   median and p95.
Needs a PostgreSQL server (BENCH_PG, default postgres://postgres@127.0.0.1:5432).
BENCH_BATCH_CASES (default 10,000) and BENCH_CASES (default 1,000) set how many cases are
driven each way; BENCH_SKIP_DRIVE=1 measures only the worklist.
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
CASES = int(os.environ.get("BENCH_CASES", "1000"))
BATCH_CASES = int(os.environ.get("BENCH_BATCH_CASES", "10000"))
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


def _drive(mode: str, cases: int, data_dir: Path) -> dict[str, Any]:
    started = time.perf_counter()
    procs = [
        child([mode, str(cases // WORKERS), str(w), str(WORKERS)], data_dir) for w in range(WORKERS)
    ]
    results = [last_json(p) for p in procs]
    wall = time.perf_counter() - started
    drive = {"cases": sum(r["cases"] for r in results), "wall_seconds": wall, "workers": WORKERS}
    drive["cases_per_second"] = drive["cases"] / wall
    drive["refused"] = sum(r.get("refused", 0) for r in results)
    print(json.dumps({mode: drive}), flush=True)
    return drive


def run() -> dict[str, Any]:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB}")
        conn.execute(f"CREATE DATABASE {DB}")
    data_dir = Path(tempfile.mkdtemp(prefix="jiuzhu-bench-cases-"))
    jiuzhu(["manage", "migrate", "--noinput", "-v", "0"], data_dir)
    jiuzhu(["manage", "collectstatic", "--noinput", "-v", "0"], data_dir)  # the pages render
    households = max(40_000, (CASES + BATCH_CASES) * 3)
    jiuzhu(["demo", "load", "--households", str(households)], data_dir)
    print(json.dumps({"departments": last_json(child(["departments"], data_dir))}), flush=True)
    skipped = {"cases": 0, "wall_seconds": 0.0, "workers": 0, "cases_per_second": 0.0}
    if os.environ.get("BENCH_SKIP_DRIVE"):
        batch, single = skipped, skipped
    else:
        batch = _drive("drive-batch", BATCH_CASES, data_dir)
        single = _drive("drive", CASES, data_dir)
    worklist = last_json(child(["worklist", str(OPEN_CASES)], data_dir))
    print(json.dumps(worklist), flush=True)
    return {"batch": batch, "drive": single, "worklist": worklist}


def render(result: dict[str, Any]) -> str:
    batch, drive, worklist = result["batch"], result["drive"], result["worklist"]
    lines = ["## Applications and decisions on PostgreSQL (issue #4)", ""]
    if batch["cases"]:
        verdict = "met" if batch["wall_seconds"] < TARGET_SECONDS else "not met"
        lines.append(
            f"- {batch['cases']:,} 低保 cases created and driven through to the decision via "
            "the batch services (case_create_many, case_act_many; 11 steps, one transaction "
            "per step for 1,000 cases, each case with its transition row and hash-chained audit "
            "row; the verification reads every department's records for every member and the "
            f"rules engine runs once per step), {batch['workers']} worker processes: "
            f"{batch['wall_seconds']:.1f} s wall, {batch['cases_per_second']:.0f} cases/s, "
            f"{batch['refused']} refused (target: 10,000 under {TARGET_SECONDS} s; {verdict})"
        )
    else:
        lines.append("- driving cases: skipped (BENCH_SKIP_DRIVE)")
    if drive["cases"]:
        lines.append(
            f"- the same steps one case and one transaction at a time (as a caseworker "
            f"clicks), {drive['cases']:,} cases, {drive['workers']} workers: "
            f"{drive['wall_seconds']:.1f} s wall, {drive['cases_per_second']:.1f} cases/s "
            f"({1000 * drive['wall_seconds'] * drive['workers'] / drive['cases'] / 11:.1f} ms "
            "per step and worker)"
        )
    lines.append(
        f"- worklist page of a township with {worklist['open_cases']:,} open cases (count + "
        f"first 50, rendered): median {worklist['median_ms']:.1f} ms, p95 "
        f"{worklist['p95_ms']:.1f} ms (target: under 200 ms)"
    )
    return "\n".join([*lines, ""])


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
