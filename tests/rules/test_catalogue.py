"""The rule catalogue: every step cites a rule of the rule book, in Chinese and English; the
generated docs/rules.md is current; the core imports no Django (ARCHITECTURE.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from jiuzhu.rules.catalogue import CATALOGUE
from jiuzhu.rules.catalogue_doc import catalogue_markdown
from jiuzhu.rules.engine import order_steps
from jiuzhu.rules.params import default_parameters

ROOT = Path(__file__).resolve().parents[2]
# the rule IDs of RULES.md that the engine implements (sections 0-3, A-06 is routing.py)
RULE_BOOK_IDS = {
    *(f"P-0{i}" for i in range(1, 6)),
    *(f"I-0{i}" for i in range(1, 7)),
    *(f"C-0{i}" for i in range(1, 9)),
    *(f"B-0{i}" for i in range(1, 6)),
    "D-01",
    "S-04",
}


def test_every_step_cites_a_rule_of_the_rule_book() -> None:
    assert {step.rule_id for step in CATALOGUE} <= RULE_BOOK_IDS


def test_every_rule_of_the_issue_has_a_step() -> None:
    """Issue #2 lists I-01…I-06, C-01…C-08, B-01…B-03, B-05, D-01 and S-04."""
    wanted = RULE_BOOK_IDS - {"P-01", "P-02", "P-04", "P-05", "B-04"}
    assert wanted <= {step.rule_id for step in CATALOGUE}


def test_every_shown_step_has_a_chinese_and_an_english_label() -> None:
    for step in CATALOGUE:
        if step.output:
            assert step.label_zh.strip() and step.label_en.strip(), step.name


def test_step_names_are_unique_per_level() -> None:
    keys = [(s.level, s.name) for s in CATALOGUE]
    assert len(keys) == len(set(keys))


def test_the_catalogue_orders_by_dependency() -> None:
    ordered = order_steps(list(CATALOGUE))
    assert len(ordered) == len(CATALOGUE)


def test_docs_rules_md_is_generated_from_the_code() -> None:
    expected = catalogue_markdown(default_parameters())
    assert (ROOT / "docs" / "rules.md").read_text("utf-8") == expected, (
        "regenerate: jiuzhu rules list --markdown > docs/rules.md"
    )


def test_the_rules_core_imports_no_django_nor_the_cli() -> None:
    code = (
        "import sys, jiuzhu.rules.evaluate, jiuzhu.rules.bulk, jiuzhu.rules.routing;"
        "bad = [m for m in sys.modules if m.split('.')[0] == 'django'"
        " or m.startswith(('jiuzhu.cli', 'jiuzhu.synthetic'))];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
