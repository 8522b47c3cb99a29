"""`jiuzhu evaluate-bulk` run as a user runs it: a new process, the progress bar drawn."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import polars as pl


def jiuzhu(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run(
        [sys.executable, "-m", "jiuzhu", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=300,
    )


def households(household: dict[str, Any]) -> list[dict[str, Any]]:
    good = [dict(copy.deepcopy(household), ref=f"G{i}") for i in range(1, 4)]
    negative = copy.deepcopy(household)
    negative["ref"] = "B-negative"
    negative["members"][0]["income"]["wages"] = "-5"
    region = dict(copy.deepcopy(household), ref="B-region", region="999999")
    return [good[0], negative, good[1], region, good[2]]


def run_bulk(source: Path, tmp_path: Path) -> tuple[dict[str, Any], str]:
    out = tmp_path / "decisions.parquet"
    proc = jiuzhu(
        "evaluate-bulk", str(source), "--out", str(out), "--as-of", "2024-06-01", "--progress"
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return json.loads(proc.stdout), proc.stderr


def test_json_lines_with_bad_lines_are_decided_with_the_bar_drawn(
    tmp_path: Path, household: dict[str, Any]
) -> None:
    """Exit 0; the errors file names each bad line with its reason; the others are decided."""
    rows = [json.dumps(h, ensure_ascii=False) for h in households(household)]
    rows[2:2] = ["{not json", ""]
    source = tmp_path / "caseload.jsonl"
    source.write_text("\n".join(rows) + "\n", "utf-8")
    summary, stderr = run_bulk(source, tmp_path)
    assert "evaluating" in stderr and "6 households" in stderr
    assert summary["households"] == 6 and summary["evaluated"] == 3 and summary["errors"] == 3
    errors = pl.read_csv(summary["errors_file"], schema_overrides={"ref": pl.String})
    assert errors["line"].to_list() == [2, 3, 6]
    assert errors["ref"].to_list() == ["B-negative", None, "B-region"]
    reasons = errors["reason"].to_list()
    assert reasons[0] == "members[0].income.wages: must not be negative (got -5)"
    assert reasons[1].startswith("not valid JSON: ")
    assert reasons[2].startswith("region: unknown region code '999999'")
    decisions = pl.read_parquet(summary["out"])
    assert decisions["ref"].to_list() == ["G1", "G2", "G3"]
    assert decisions["monthly_benefit"].cast(pl.String).to_list() == ["2276.00"] * 3


def test_parquet_with_bad_households_is_decided_with_the_bar_drawn(
    tmp_path: Path, household: dict[str, Any]
) -> None:
    source = tmp_path / "caseload.parquet"
    pl.DataFrame(households(household), infer_schema_length=None).write_parquet(source)
    summary, stderr = run_bulk(source, tmp_path)
    assert "5/5 households" in stderr
    assert summary["households"] == 5 and summary["evaluated"] == 3 and summary["errors"] == 2
    errors = pl.read_csv(summary["errors_file"])
    assert errors["line"].to_list() == [2, 4]
    assert errors["ref"].to_list() == ["B-negative", "B-region"]
    assert pl.read_parquet(summary["out"])["ref"].to_list() == ["G1", "G2", "G3"]


def test_a_missing_input_exits_2_with_one_line(tmp_path: Path) -> None:
    proc = jiuzhu("evaluate-bulk", str(tmp_path / "none.jsonl"), "--out", str(tmp_path / "o.pq"))
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("error:") and "Traceback" not in proc.stderr
