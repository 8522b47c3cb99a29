"""Bad input to the installed command is an exit 2 with the reason, never a traceback
(issue 15 item 6): huge and exponent amounts, non-finite values, JSON nested too deeply."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HOUSEHOLD = (
    '{"ref": "X", "region": "440106", "residence": "urban", "members": [{"ref": "a", '
    '"birth_date": "1980-01-01", "sex": "male", "income": {"wages": WAGES}}]}'
)


def _evaluate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jiuzhu", "evaluate", str(path), "--as-of", "2024-06-01"],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("wages", "reason"),
    [
        ("1e400", "out of range"),
        ('"1e3"', "without an exponent"),
        ('"NaN"', "not a finite amount"),
        ('"Infinity"', "not a finite amount"),
        ('"10000000000.00"', "out of range"),
        ("-1", "negative"),
    ],
)
def test_a_bad_amount_is_refused_with_its_field_and_reason(
    tmp_path: Path, wages: str, reason: str
) -> None:
    path = tmp_path / "h.json"
    path.write_text(HOUSEHOLD.replace("WAGES", wages), "utf-8")
    proc = _evaluate(path)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "members[0].income.wages" in proc.stderr and reason in proc.stderr


def test_json_nested_too_deeply_is_refused_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, "utf-8")
    proc = _evaluate(path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "nested too deeply" in proc.stderr


def test_the_largest_amount_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "h.json"
    path.write_text(HOUSEHOLD.replace("WAGES", '"9999999999.99"'), "utf-8")
    proc = _evaluate(path)
    assert proc.returncode == 0, proc.stderr


def test_a_bulk_run_where_every_household_is_refused_reports_them_all(tmp_path: Path) -> None:
    """Before any standard is in force (2019) every household is refused: the run reports
    each on its line instead of crashing on an empty chunk."""
    households = tmp_path / "h.jsonl"
    households.write_text((HOUSEHOLD.replace("WAGES", '"100.00"') + "\n") * 3, "utf-8")
    out = tmp_path / "d.parquet"
    proc = subprocess.run(
        [sys.executable, "-m", "jiuzhu", "evaluate-bulk", str(households), "--out", str(out),
         "--as-of", "2019-01-01", "--quiet"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert '"errors": 3' in proc.stdout and "Traceback" not in proc.stderr
    errors = (tmp_path / "d.parquet.errors.csv").read_text("utf-8").splitlines()
    assert len(errors) == 4 and "dibao_standard" in errors[1]
