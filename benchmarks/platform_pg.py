"""Benchmarks of the platform on PostgreSQL (issue #3), appended to docs/benchmarks.md.

1. Loading ~1,000,000 synthetic members with COPY (`jiuzhu demo load`), wall time.
2. Household search over them (name prefix, the page's count + first 50), median and p95.
3. The API's household detail behind gunicorn (2 workers), requests/s with wrk.
Needs a PostgreSQL server (BENCH_PG, default postgres://postgres@127.0.0.1:5432) and wrk.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB = "jiuzhu_bench"
HOUSEHOLDS = int(os.environ.get("BENCH_HOUSEHOLDS", "390000"))  # ≈ 1,000,000 members
PORT = 8765
WRK = "wrk -t2 -c16 -d20s --latency -s detail.lua (2,000 household ids, Bearer token)"


def env(data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"{SERVER}/{DB}",
        "DJANGO_SETTINGS_MODULE": "jiuzhu.config.settings.demo",
        "JIUZHU_DATA_DIR": str(data_dir),
    }


def jiuzhu(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jiuzhu", *args],
        env=env(data_dir),
        capture_output=True,
        text=True,
        check=True,
    )


def fresh_database() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB}")
        conn.execute(f"CREATE DATABASE {DB}")


def load(data_dir: Path) -> dict[str, Any]:
    jiuzhu(["manage", "migrate", "--noinput", "-v", "0"], data_dir)
    started = time.perf_counter()
    out = jiuzhu(["demo", "load", "--households", str(HOUSEHOLDS)], data_dir)
    counts = json.loads(out.stdout.strip().splitlines()[-1])
    counts["wall_seconds"] = time.perf_counter() - started
    return counts


def search_and_token(data_dir: Path) -> dict[str, Any]:
    """Search timing and a token, from a child process on the bench database."""
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.platform_child"],
        env=env(data_dir),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def api_throughput(data_dir: Path, token: str, ids: list[int]) -> dict[str, Any]:
    server_env = env(data_dir) | {"DJANGO_SETTINGS_MODULE": "jiuzhu.config.settings.base"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "jiuzhu.config.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            os.environ.get("BENCH_WORKERS", "2"),
            "--log-level",
            "warning",
        ],
        env=server_env,
    )
    try:
        time.sleep(4)
        script = Path(tempfile.mkdtemp()) / "detail.lua"
        sample = random.Random(5).sample(ids, min(len(ids), 2000))
        script.write_text(
            "local ids = {" + ",".join(map(str, sample)) + "}\n"
            "local i = 0\n"
            f'wrk.headers["Authorization"] = "Bearer {token}"\n'
            "request = function()\n  i = i % #ids + 1\n"
            '  return wrk.format("GET", "/api/v1/households/" .. ids[i])\nend\n'
        )
        subprocess.run(
            ["wrk", "-t2", "-c8", "-d5s", "-s", str(script), f"http://127.0.0.1:{PORT}/"],
            capture_output=True,
            text=True,
            check=True,
        )  # warm-up
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                "-c16",
                "-d20s",
                "--latency",
                "-s",
                str(script),
                f"http://127.0.0.1:{PORT}/",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        lines = out.stdout.splitlines()
        rps = float(next(x for x in lines if x.startswith("Requests/sec")).split()[1])
        non2xx = [x for x in lines if "Non-2xx" in x]
        latency = next((x.split()[1] for x in lines if x.strip().startswith("50%")), "")
        return {
            "requests_per_second": rps,
            "non_2xx": non2xx,
            "median_latency": latency,
            "command": WRK,
        }
    finally:
        server.terminate()
        server.wait(10)


def run() -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="jiuzhu-bench-"))
    fresh_database()
    loaded = load(data_dir)
    print(json.dumps({"load": loaded}), flush=True)
    search = search_and_token(data_dir)
    print(json.dumps({k: v for k, v in search.items() if k not in ("token", "ids")}), flush=True)
    api = api_throughput(data_dir, search["token"], search["ids"])
    print(json.dumps(api), flush=True)
    return {"load": loaded, "search": {k: search[k] for k in ("median_ms", "p95_ms")}, "api": api}


def render(result: dict[str, Any]) -> str:
    load, search, api = result["load"], result["search"], result["api"]
    return "\n".join(
        [
            "## Platform on PostgreSQL (issue #3)",
            "",
            f"- loading {load['households']:,} households / {load['members']:,} members (+ "
            f"{load['household_facts'] + load['income_facts']:,} dated facts) with COPY "
            f"(`jiuzhu demo load`): {load['wall_seconds']:.1f} s wall (target: 1,000,000 members "
            "under 2 minutes)",
            f"- household search by name prefix over them (count + first 50 of a county's "
            f"households): median {search['median_ms']:.1f} ms, p95 {search['p95_ms']:.1f} ms "
            "(target: median under 100 ms)",
            f"- API household detail (`GET /api/v1/households/{{id}}`, token auth) behind gunicorn "
            f"with 2 sync workers: {api['requests_per_second']:,.0f} requests/s, median latency "
            f"{api['median_latency']} (`{api['command']}`; target ≥ 400 requests/s)",
            "",
        ]
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
