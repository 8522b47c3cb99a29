"""One truth for the assistance categories (issue 16, C-08): every list of them is derived
from the rules core's catalogue. A category registered in the catalogue, and nowhere else,
appears in the cases' kinds and workflows, the entitlements' and the register's categories,
the applicant's form, the API schema and the recipients selector."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from jiuzhu.rules import categories

SCRIPT = r"""
import json, django
from jiuzhu.rules import categories as c

c.register(c.AssistanceCategory(
    code="heating", engine=None, zh="取暖救助", en="Heating aid", short_zh="取暖",
    short_en="Heating", application_zh="取暖救助认定", application_en="Heating aid recognition",
    layer="expenditure", paid="none", recipient=True, rank=4, review_parameters=(),
    term_parameter=None, aid_parameter=None, rules=("S-06",),
))
django.setup()
from jiuzhu.api.urls import api
from jiuzhu.benefits.models import Category
from jiuzhu.benefits import recipients
from jiuzhu.cases.flows import FLOWS
from jiuzhu.cases.models import Kind
from jiuzhu.monitoring.models import Category as RegisterCategory
from jiuzhu.portal.forms import ApplyForm

schema = json.dumps(api.get_openapi_schema(), ensure_ascii=False)
print(json.dumps({
    "kind": dict(Kind.choices).get("heating"),
    "flow": "heating" in FLOWS,
    "entitlement": dict(Category.choices).get("heating"),
    "register": dict(RegisterCategory.choices).get("heating"),
    "form": dict(ApplyForm.base_fields["kind"].choices).get("heating"),
    "api": '"heating"' in schema,
    "recipients": "heating" in c.RECIPIENT and "heating" in c.RANKED,
}, ensure_ascii=False, default=str))
"""


def test_a_category_added_to_the_catalogue_alone_reaches_every_part(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("JIUZHU_", "DATABASE_URL"))},
        "DJANGO_SETTINGS_MODULE": "jiuzhu.config.settings.test",
        "JIUZHU_DATA_DIR": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {
        "kind": "取暖救助认定",
        "flow": True,
        "entitlement": "取暖救助",
        "register": "取暖",
        "form": "取暖救助认定",
        "api": True,
        "recipients": True,
    }


def test_the_platform_and_the_engine_name_each_category_once_and_translate_both_ways() -> None:
    """C-08: 刚性支出困难 is "rigid_expense" to the platform, "rigid_expenditure" in the
    engine's decisions; each code translates and back, and the register ranks 特困 first."""
    for entry in categories.CATALOGUE:
        if entry.engine:
            assert categories.from_engine(categories.to_engine(entry.code)) == entry.code
    assert categories.to_engine("rigid_expense") == "rigid_expenditure"
    assert categories.RANKED == ("tekun", "dibao", "low_income", "rigid_expense")
    assert categories.MONTHLY == ("dibao", "tekun")
    assert categories.RECOGNITIONS == ("low_income", "rigid_expense")
    assert set(categories.PAID) == {"dibao", "tekun", "temporary_emergency", "temporary_expense"}
    assert categories.label("rigid_expenditure") == "刚性支出困难家庭"
    assert categories.label("dibao", english=True, short=True) == "Dibao"
