"""`jiuzhu verify sources` and `jiuzhu verify import`: the JSON contract of docs/cli.md, exit
code 0 with a report when rows are bad, 2 when the file is refused whole."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jiuzhu.cli.main import app
from jiuzhu.verification.models import DepartmentRecord
from jiuzhu.verification.sources import SOURCES
from tests.verification.conftest import record, write

runner = CliRunner()


def test_verify_sources_lists_every_source_as_json() -> None:
    result = runner.invoke(app, ["verify", "sources", "--json"])
    assert result.exit_code == 0
    assert [s["code"] for s in json.loads(result.stdout)] == list(SOURCES)


@pytest.fixture
def cli_db(transactional_db: None, settings: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI calls django.setup() again: harmless, the test database stays."""
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "jiuzhu.config.settings.test")


def test_verify_import_reports_bad_rows_and_exits_0(tmp_path: Path, cli_db: None) -> None:
    path = write(tmp_path / "bank.csv", [record("bank"), record("bank", balance="1,000")])
    args = ["verify", "import", "--source", "bank", str(path), "--as-of", "2024-05-31"]
    result = runner.invoke(app, [*args, "--json", "--quiet"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["rows_ok"], summary["rows_bad"], summary["added"]) == (1, 1, 1)
    assert summary["errors"][0]["line"] == 3 and summary["errors"][0]["field"] == "balance"
    again = json.loads(runner.invoke(app, [*args, "--json", "--quiet"]).stdout)
    assert (again["added"], again["already_imported"]) == (0, True)
    assert DepartmentRecord.objects.count() == 1


def test_verify_import_refuses_a_renamed_pdf_with_exit_2(tmp_path: Path, cli_db: None) -> None:
    path = tmp_path / "bank.csv"
    path.write_bytes(b"%PDF-1.4 not a csv")
    result = runner.invoke(app, ["verify", "import", "--source", "bank", str(path)])
    assert result.exit_code == 2
    assert "PDF" in result.output
