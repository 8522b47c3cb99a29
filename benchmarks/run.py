"""Benchmarks of the rules engine (issue #2), written to docs/benchmarks.md.

Measures, on synthetic caseloads from `jiuzhu synth households` (docs/synthetic-data.md):
- rule evaluation itself (the engine's steps over an in-memory caseload), households/s;
- end-to-end `jiuzhu evaluate-bulk` from Parquet and, for the same households, from JSON
  Lines (a separate process each: wall time, peak RSS);
- `jiuzhu evaluate` of one household as a new process, as a user runs it;
- explaining one household (`Evaluator.evaluate(..., explain=True)`), median of many runs.
Each timing is the best (or median) of repeated runs; the machine and date are recorded.
`--write FILE` writes the file (make bench appends the other benchmarks after it);
`--update FILE` replaces only this part of an existing file and keeps the sections after it.
`--parts explain,startup,jsonl` measures only those (printing their lines, writing nothing):
on this shared two-core machine a full run takes long and other work skews it, so one
measurement is re-run on its own, and its lines of docs/benchmarks.md replaced with the
load average. `--out-dir` (default benchmarks/out) holds the synthetic caseloads.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import polars as pl

from jiuzhu.rules.evaluate import Evaluator
from jiuzhu.rules.household import parse_household
from jiuzhu.rules.parquet import caseload_from_frame
from jiuzhu.synthetic.households import write_households

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(os.environ.get("BENCH_OUT", ROOT / "benchmarks" / "out"))
AS_OF = dt.date(2024, 6, 1)
FULL_SIZES = (100_000, 500_000, 1_000_000, 2_000_000, 5_000_000)
QUICK_SIZES = (100_000, 1_000_000)
JSONL_SIZES = (100_000, 1_000_000)  # JSON Lines end to end beside Parquet at these sizes
EXAMPLE = ROOT / "docs" / "examples" / "household.json"
OWN_SECTIONS = ("## Machine", "## Rules engine", "## Explaining one household", "## One household")
RULES_MAX = 2_000_000  # in-process rule timing up to this size (the engine holds it all)


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        text = Path("/proc/cpuinfo").read_text()
        found = re.search(r"model name\s*:\s*(.+)", text)
        cpu = found.group(1).strip() if found else cpu
    except OSError:
        pass
    memory = "unknown"
    try:
        kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
        memory = f"{kib / 2**20:.1f} GiB"
    except (OSError, AttributeError):
        pass
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        # other work on the machine slows every figure: the 1, 5 and 15 minute load averages
        "load average at the end": " ".join(f"{x:.1f}" for x in os.getloadavg()),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "python": platform.python_version(),
        "polars": pl.__version__,
        "os": platform.platform(),
    }


def caseload_file(n: int, suffix: str = ".parquet") -> Path:
    """The synthetic caseload of n households (seed 2024): the same households either way."""
    path = OUT / f"households-{n}{suffix}"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        write_households(path, n, seed=2024)
        print(f"generated {n:,} households in {time.perf_counter() - started:.1f} s", flush=True)
    return path


def rules_timing(evaluator: Evaluator, path: Path, repeats: int) -> dict[str, Any]:
    """Best time of the engine's steps over the whole caseload, in one process."""
    caseload, _lines, errors = caseload_from_frame(pl.read_parquet(path), evaluator.regions)
    assert not errors, errors[:3]
    counties = caseload.households["county"].unique().to_list()
    compiled = evaluator.engine.compile(counties, AS_OF)
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        evaluator._run(caseload, compiled)
        best = min(best, time.perf_counter() - started)
    n = caseload.size("household")
    return {
        "households": n,
        "members": caseload.size("member"),
        "seconds": best,
        "per_second": n / best,
    }


def end_to_end(path: Path, repeats: int) -> dict[str, Any]:
    """Best wall time and its peak RSS of the CLI in a fresh process (GNU time), with the load
    average after each run (other work on the machine skews it) and the households refused
    (those of a county whose parameters leave a decision unset, P-01, are refused by design)."""
    out = OUT / "decisions.parquet"
    command = [
        "/usr/bin/time",
        "-v",
        sys.executable,
        "-m",
        "jiuzhu",
        "evaluate-bulk",
        str(path),
        "--out",
        str(out),
        "--as-of",
        AS_OF.isoformat(),
        "--quiet",
    ]
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        proc = subprocess.run(command, capture_output=True, text=True, check=True)
        wall = time.perf_counter() - started
        rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
        runs.append((wall, int(rss.group(1)) / 2**20 if rss else float("nan"), os.getloadavg()[0]))
        summary = json.loads(proc.stdout)
        assert summary["households"] == summary["evaluated"] + summary["errors"], summary
    wall, peak, _ = min(runs)
    return {
        "seconds": wall,
        "peak_gib": peak,
        "runs": [round(w, 2) for w, _, _ in runs],
        "load": [round(a, 1) for _, _, a in runs],
        "refused": summary["errors"],
    }


def new_process(runs: int, *extra: str) -> dict[str, float]:
    """`jiuzhu evaluate` of the example household in a new process, as a user runs it (the
    console script next to this Python, else `python -m jiuzhu`): best and median wall time.
    A first run is not counted (it writes the compiled parameter cache, as a first use does)."""
    script = Path(sys.executable).with_name("jiuzhu")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "jiuzhu"]
    command += ["evaluate", str(EXAMPLE), "--as-of", AS_OF.isoformat(), *extra]
    subprocess.run(command, capture_output=True, check=True)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return {
        "best_s": min(times),
        "median_s": statistics.median(times),
        "load": round(os.getloadavg()[0], 1),
    }


def explain_timing(evaluator: Evaluator, runs: int) -> dict[str, float]:
    sample = json.loads(EXAMPLE.read_text("utf-8"))
    household = parse_household(sample)
    started = time.perf_counter()
    evaluator.evaluate(household, AS_OF, explain=True)
    first = time.perf_counter() - started
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        evaluator.evaluate(household, AS_OF, explain=True)
        times.append(time.perf_counter() - started)
    return {
        "first_ms": first * 1000,
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": sorted(times)[int(len(times) * 0.95)] * 1000,
        "load": round(os.getloadavg()[0], 1),
    }


def render(
    info: dict[str, str],
    rows: list[dict[str, Any]],
    explain: dict[str, float],
    startup: dict[str, dict[str, float]],
) -> str:
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m benchmarks.run --write docs/benchmarks.md`); do not",
        "edit by hand. Caseloads are synthetic (`jiuzhu synth households`, seed 2024, see",
        "docs/synthetic-data.md); as-of date " + AS_OF.isoformat() + ".",
        "",
        "## Machine",
        "",
        *[f"- {k}: {v}" for k, v in info.items()],
        "",
        "## Rules engine (issue #2)",
        "",
        "| households | members | rule evaluation | households/s | `evaluate-bulk` end to end"
        " | peak memory |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    jsonl = [row for row in rows if "jsonl" in row]
    for row in rows:
        rules = row.get("rules")
        e2e = row["e2e"]
        lines.append(
            f"| {row['households']:,} | {row['members']:,} | "
            + (
                f"{rules['seconds']:.2f} s | {rules['per_second'] / 1e6:.2f} M |"
                if rules
                else "— | — |"
            )
            + f" {e2e['seconds']:.2f} s | {e2e['peak_gib']:.2f} GiB |"
        )
    lines += [
        "",
        "The same households as JSON Lines, beside Parquet (one run of this benchmark):",
        "",
    ]
    lines += [
        "| households | JSON Lines size | `evaluate-bulk` JSON Lines | peak memory"
        " | Parquet | peak memory |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for row in jsonl:
        j, e2e = row["jsonl"], row["e2e"]
        lines.append(
            f"| {row['households']:,} | {j['bytes'] / 2**30:.2f} GiB | {j['seconds']:.2f} s"
            f" | {j['peak_gib']:.2f} GiB | {e2e['seconds']:.2f} s | {e2e['peak_gib']:.2f} GiB |"
        )
    lines += [
        "",
        "- *rule evaluation*: every step of the rule catalogue over the in-memory caseload,",
        "  best of 3 (targets: ≥ 1,000,000 households/s).",
        "- *end to end*: `jiuzhu evaluate-bulk FILE.parquet --out …` in a new process, reading,",
        "  validating, evaluating in chunks of 500,000 and writing the decisions; best of 2",
        "  (target for 1,000,000: under 5 s and 2 GiB).",
        "- *JSON Lines*: `jiuzhu evaluate-bulk FILE.jsonl --out …` in a new process, chunks of",
        "  the command's default size for JSON Lines; best of 2 (target for 1,000,000: under",
        "  10 s and 2 GiB).",
        "",
        "## One household in a new process",
        "",
        f"- `jiuzhu evaluate FILE` (docs/examples/household.json): best"
        f" {startup['plain']['best_s']:.2f} s, median {startup['plain']['median_s']:.2f} s"
        " of 10 runs (target: under 1 s)",
        f"- `jiuzhu evaluate FILE --explain`: best {startup['explain']['best_s']:.2f} s, median"
        f" {startup['explain']['median_s']:.2f} s",
        "",
        "## Explaining one household",
        "",
        f"- first call (parameters compiled, expressions built): {explain['first_ms']:.1f} ms",
        f"- median of 200 calls: {explain['median_ms']:.1f} ms (p95 {explain['p95_ms']:.1f} ms;"
        " target under 5 ms)",
        "",
    ]
    return "\n".join(lines)


PARTS = ("rules", "parquet", "jsonl", "startup", "explain")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", type=Path, help="write the Markdown report here")
    parser.add_argument("--update", type=Path, help="replace this part of an existing report")
    parser.add_argument("--quick", action="store_true", help="100k and 1M households only")
    parser.add_argument(
        "--parts", help=f"comma-separated, of {','.join(PARTS)}: measure only these, print them"
    )
    parser.add_argument("--sizes", help="comma-separated household counts (default: all)")
    parser.add_argument("--out-dir", type=Path, help="where the synthetic caseloads are kept")
    args = parser.parse_args()
    global OUT
    OUT = args.out_dir or OUT
    if args.parts:
        partial(args.parts.split(","), args.sizes)
        return
    sizes = QUICK_SIZES if args.quick else FULL_SIZES
    evaluator = Evaluator()
    rows = []
    for n in sizes:
        path = caseload_file(n)
        row: dict[str, Any] = {"households": n}
        if n <= RULES_MAX:
            row["rules"] = rules_timing(evaluator, path, repeats=3)
            row["members"] = row["rules"]["members"]
        else:
            row["members"] = (
                pl.scan_parquet(path).select(pl.col("members").list.len().sum()).collect().item()
            )
        row["e2e"] = end_to_end(path, repeats=2)
        if n in JSONL_SIZES:
            jsonl = caseload_file(n, ".jsonl")
            row["jsonl"] = {**end_to_end(jsonl, repeats=2), "bytes": jsonl.stat().st_size}
        print(json.dumps(row), flush=True)
        rows.append(row)
    startup = {"plain": new_process(10), "explain": new_process(10, "--explain")}
    print(json.dumps(startup), flush=True)
    explain = explain_timing(evaluator, runs=200)
    print(json.dumps(explain), flush=True)
    report = render(machine(), rows, explain, startup)
    if args.write:
        args.write.write_text(report, "utf-8")
        print(f"wrote {args.write}")
    elif args.update:
        args.update.write_text(report + _others(args.update.read_text("utf-8")), "utf-8")
        print(f"updated {args.update}")
    else:
        print(report)


def partial(parts: list[str], sizes: str | None) -> None:
    """Only the given measurements, each printed as JSON with the load average."""
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise SystemExit(f"--parts: unknown {sorted(unknown)}; choose from {PARTS}")
    counts = [int(n) for n in sizes.split(",")] if sizes else list(JSONL_SIZES)
    evaluator = Evaluator()
    for n in counts:
        if "rules" in parts:
            print(
                json.dumps({"households": n, "rules": rules_timing(evaluator, caseload_file(n), 3)})
            )
        if "parquet" in parts:
            print(json.dumps({"households": n, "parquet": end_to_end(caseload_file(n), 2)}))
        if "jsonl" in parts:
            jsonl = caseload_file(n, ".jsonl")
            result = {**end_to_end(jsonl, repeats=2), "bytes": jsonl.stat().st_size}
            print(json.dumps({"households": n, "jsonl": result}), flush=True)
    if "startup" in parts:
        startup = {"plain": new_process(10), "explain": new_process(10, "--explain")}
        print(json.dumps({"startup": startup}), flush=True)
    if "explain" in parts:
        print(json.dumps({"explain": explain_timing(evaluator, runs=200)}), flush=True)
    print(json.dumps({"machine": machine()}))


def _others(text: str) -> str:
    """The sections of a report that other benchmarks appended after this one's."""
    parts = text.split("\n## ")[1:]
    kept = [p for p in parts if not any(("## " + p).startswith(own) for own in OWN_SECTIONS)]
    return "".join("\n## " + p for p in kept)


if __name__ == "__main__":
    main()
