"""The `jiuzhu` CLI: the JSON contract of docs/cli.md and exit code 2 for every bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from jiuzhu.cli.main import app

runner = CliRunner()


def run(*args: str, stdin: str | None = None) -> Any:
    return runner.invoke(app, list(args), input=stdin)


def write(tmp_path: Path, data: Any, name: str = "h.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return str(path)


def test_evaluate_prints_the_decision_as_json(tmp_path: Path, household: dict[str, Any]) -> None:
    result = run("evaluate", write(tmp_path, household), "--as-of", "2024-06-01")
    assert result.exit_code == 0, result.output
    decision = json.loads(result.stdout)
    assert decision["ref"] == "H-GZ-1"
    assert decision["standards"]["dibao"] == "1238.00"
    assert decision["primary_category"] == "dibao"
    # (2 × 1238 − (300 − 100 medical deducted)) = 2276.00 (B-01 by difference, I-04)
    assert decision["monthly_benefit"] == "2276.00"
    assert "explanation" not in decision


def test_evaluate_reads_standard_input(household: dict[str, Any]) -> None:
    result = run("evaluate", "-", "--as-of", "2024-06-01", stdin=json.dumps(household))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ref"] == "H-GZ-1"


def test_explain_cites_rule_ids_labels_and_dated_sources(
    tmp_path: Path, household: dict[str, Any]
) -> None:
    result = run("evaluate", write(tmp_path, household), "--as-of", "2024-06-01", "--explain")
    steps = json.loads(result.stdout)["explanation"]
    rules = {s["rule"] for s in steps}
    assert {"I-01", "I-03", "I-04", "C-04", "C-06", "B-01", "B-05", "D-01", "S-04"} <= rules | {
        "I-03"
    }
    standard = next(s for s in steps if s["step"] == "dibao_standard")
    assert standard["label_zh"] and standard["label_en"]
    param = standard["parameters"][0]
    assert param["from"] == "2023-01-01" and param["region"] == "440100"
    assert "document" in param["source"]


def test_schema_household_is_a_json_schema() -> None:
    result = run("schema", "household")
    schema = json.loads(result.stdout)
    assert schema["type"] == "object"
    assert {"ref", "region", "residence", "members"} <= set(schema["required"])


def test_params_show_lists_parameters_with_their_sources() -> None:
    result = run("params", "show", "--region", "150102", "--as-of", "2023-03-01")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    urban = data["parameters"]["dibao_standard_urban"]
    assert urban["value"] == "840.00" and urban["default"] == "assumed"
    ceiling = data["parameters"]["temporary_aid_county_ceiling"]
    assert ceiling["region"] == "150100" and ceiling["layer"]["name"] == "im-city-2021"


def test_params_check_passes_on_the_packaged_files() -> None:
    result = run("params", "check")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ok"] is True


def test_route_temporary_aid_names_the_authority_and_thresholds() -> None:
    """A-06: in Inner Mongolia 2023, 5 × 840 = 4,200 is the township's limit."""
    result = run(
        "route-temporary-aid", "--region", "150102", "--amount", "4200.01", "--as-of", "2023-06-01"
    )
    data = json.loads(result.stdout)
    assert data["authority"] == "county"
    assert data["thresholds"] == {"township_max": "4200.00", "county_max": "15000.00"}


def test_route_temporary_aid_where_no_tier_is_set_names_the_national_rule() -> None:
    """A-06, P-01: Guangdong fixes no tiers (GD 15): the county approves, thresholds null."""
    result = run(
        "route-temporary-aid", "--region", "440106", "--amount", "20000", "--as-of", "2023-06-01"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["authority"] == "county" and data["rule"] == "A-06"
    assert data["thresholds"] == {"township_max": None, "county_max": None}
    assert data["unset_parameters"] == [
        "temporary_aid_township_multiplier",
        "temporary_aid_county_ceiling",
    ]
    assert "第四十八条" in data["basis"]["article"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda h: h.update(region="999999"), "region"),
        (lambda h: h["members"][0]["income"].update(wages="-5"), "members[0].income.wages"),
        (lambda h: h["members"][1].pop("birth_date"), "members[1].birth_date"),
        (lambda h: h["members"][0].update(sex="x"), "members[0].sex"),
        (lambda h: h["members"][0]["income"].update(wages="1.234"), "two decimal places"),
    ],
    ids=["unknown region", "negative income", "no birth date", "bad sex", "three decimals"],
)
def test_bad_households_exit_2_naming_the_field_and_ref(
    tmp_path: Path, household: dict[str, Any], change: Any, message: str
) -> None:
    change(household)
    result = run("evaluate", write(tmp_path, household), "--as-of", "2024-06-01")
    assert result.exit_code == 2
    assert message in result.stderr and "H-GZ-1" in result.stderr
    assert "Traceback" not in result.output


def test_a_date_before_any_parameter_exits_2(tmp_path: Path, household: dict[str, Any]) -> None:
    household["members"][0].pop("unemployed_since")
    result = run("evaluate", write(tmp_path, household), "--as-of", "2019-01-01")
    assert result.exit_code == 2
    assert "no value of parameter" in result.stderr and "H-GZ-1" in result.stderr


def test_a_birth_date_after_the_as_of_date_names_the_member(
    tmp_path: Path, household: dict[str, Any]
) -> None:
    household["members"][1]["birth_date"] = "2025-01-01"
    result = run("evaluate", write(tmp_path, household), "--as-of", "2024-06-01")
    assert result.exit_code == 2
    assert "members[m2].birth_date" in result.stderr


def test_malformed_json_and_bad_dates_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", "utf-8")
    assert run("evaluate", str(bad)).exit_code == 2
    assert run("evaluate", str(bad), "--as-of", "2024-13-01").exit_code == 2
    assert run("evaluate", str(tmp_path / "missing.json")).exit_code == 2
    assert run("route-temporary-aid", "--region", "150102", "--amount", "abc").exit_code == 2


def test_evaluate_bulk_reports_bad_households_and_evaluates_the_rest(
    tmp_path: Path, household: dict[str, Any]
) -> None:
    good = dict(household, ref="G1")
    bad = dict(household, ref="B1", region="123")
    lines = [json.dumps(good), "{broken", json.dumps(bad), json.dumps(dict(household, ref="G2"))]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", "utf-8")
    out = tmp_path / "out.parquet"
    result = run(
        "evaluate-bulk", str(source), "--out", str(out), "--as-of", "2024-06-01", "--quiet"
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["evaluated"] == 2 and summary["errors"] == 2
    decisions = pl.read_parquet(out)
    assert decisions["ref"].to_list() == ["G1", "G2"]
    errors = pl.read_csv(summary["errors_file"])
    assert errors["line"].to_list() == [2, 3]
    assert errors["ref"].to_list()[1] == "B1"


def test_the_installed_command_never_prints_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"ref": "X", "region": "440106", "residence": "urban", "members": []}')
    proc = subprocess.run(
        [sys.executable, "-m", "jiuzhu", "evaluate", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "members" in proc.stderr


def test_deadline_counts_working_days_on_the_official_calendar() -> None:
    result = run("deadline", "--from", "2025-09-30", "--working-days", "7")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["until"] == "2025-10-16"
    unknown = run("deadline", "--from", "2031-01-02", "--working-days", "3")
    assert unknown.exit_code == 2 and "2031" in unknown.stderr


def test_a_new_process_evaluating_one_household_imports_only_what_it_needs(
    tmp_path: Path, household: dict[str, Any]
) -> None:
    """`jiuzhu evaluate` of one household (issue #14: under 1 s as a new process) reads the
    compiled parameter cache and evaluates in one Polars pass: no NumPy, pyarrow or PyYAML,
    no cross-checks of the parameters, no Django, no Rich, not even Typer."""
    path = write(tmp_path, household)
    code = (
        "import sys\n"
        "from jiuzhu.cli.main import main\n"
        f"sys.argv = ['jiuzhu', 'evaluate', {path!r}, '--as-of', '2024-06-01', '--explain']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('numpy', 'pyarrow', 'yaml', 'django', 'rich', 'typer',"
        " 'jiuzhu.rules.validation')\n"
        "sys.stderr.write(repr(sorted(m for m in heavy if m in sys.modules)))\n"
    )
    env = {**os.environ, "JIUZHU_CACHE_DIR": str(tmp_path / "cache")}
    for _ in range(2):  # the first run writes the cache, the second reads it
        proc = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
    assert json.loads(proc.stdout)["ref"] == "H-GZ-1"
    assert proc.stderr == "[]"


@pytest.mark.parametrize(
    "args",
    [
        ["FILE"],
        ["FILE", "--explain"],
        ["--as-of", "2024-06-01", "FILE"],
        ["--explain", "FILE", "--as-of=2023-06-01"],
        ["FILE", "--as-of", "2024-13-01"],
        ["FILE", "--as-of="],
        ["MISSING", "--as-of", "2024-06-01"],
        ["NOT_JSON", "--as-of", "2024-06-01"],
        ["NO_MEMBERS", "--as-of", "2024-06-01"],
        ["FUTURE_BIRTH", "--as-of", "2024-06-01"],
    ],
)
def test_a_plain_evaluate_without_typer_prints_what_the_typer_command_prints(
    tmp_path: Path,
    household: dict[str, Any],
    args: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`jiuzhu evaluate FILE [--as-of D] [--explain]` runs without Typer (evaluate_one.py):
    the same decision on standard output, the same one-line refusal and exit code 2."""
    from jiuzhu.cli import evaluate_one

    files = {
        "FILE": write(tmp_path, household),
        "MISSING": str(tmp_path / "missing.json"),
        "NOT_JSON": str(tmp_path / "bad.json"),
        "NO_MEMBERS": write(tmp_path, {**household, "members": []}, "none.json"),
        "FUTURE_BIRTH": write(
            tmp_path,
            {**household, "members": [{**household["members"][0], "birth_date": "2030-01-01"}]},
            "future.json",
        ),
    }
    (tmp_path / "bad.json").write_text("{not json", "utf-8")
    argv = [files.get(a, a) for a in args]
    plain = evaluate_one.plain_arguments(argv)
    assert plain is not None
    code = evaluate_one.run(*plain)
    fast = capsys.readouterr()
    typed = run("evaluate", *argv)
    assert (code, fast.out) == (typed.exit_code, typed.stdout)
    assert fast.err == typed.stderr
    assert code == (0 if fast.out else 2)


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--help"],
        ["a.json", "b.json"],
        ["a.json", "--as-of"],
        ["a.json", "--as-of", "2024-06-01", "--as-of", "2024-06-02"],
        ["a.json", "--explain", "--explain"],
        ["a.json", "--unknown"],
        ["-x"],
        ["--", "a.json"],
    ],
)
def test_anything_but_a_plain_evaluate_goes_to_typer(args: list[str]) -> None:
    from jiuzhu.cli import evaluate_one

    assert evaluate_one.plain_arguments(args) is None
