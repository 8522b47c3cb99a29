"""Retention (SECURITY.md 25, issue 15 item 7): `jiuzhu retention run` anonymises the
households closed longer than the period — names, ID numbers, addresses, phones and bank
accounts erased, birth dates kept to the year — keeps what statistics need, writes one audit
row per household and leaves the audit chain verifiable; running it again changes nothing."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from typer.testing import CliRunner

from jiuzhu.audit.chain import verify
from jiuzhu.audit.models import AuditEvent
from jiuzhu.benefits.accounts import payee_account_set
from jiuzhu.benefits.models import PayeeAccount
from jiuzhu.cli.main import app
from jiuzhu.regions.scope import Scope, using_scope
from jiuzhu.registry.models import Household, Member
from tests.factories import make_household

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 30)


def _run(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["retention", "run", "--as-of", TODAY.isoformat(), *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_households_closed_past_the_period_are_anonymised_and_the_rest_kept(
    caseworker: Any, gd_area: str
) -> None:
    old = make_household(caseworker, gd_area + "001", members=2)
    recent = make_household(caseworker, gd_area + "001", members=2)
    open_one = make_household(caseworker, gd_area + "001", members=1)
    with using_scope(Scope(caseworker.area.scope_prefix)):
        payee_account_set(
            actor=caseworker, household=old, holder_name="张三", bank_name="农业银行",
            account_number="6228480402564890018",
        )  # fmt: skip
    Household.unscoped.filter(id=old.id).update(closed_on=dt.date(2016, 6, 29))
    Household.unscoped.filter(id=recent.id).update(closed_on=dt.date(2016, 6, 30))
    born = {m.id: m.birth_date for m in Member.unscoped.filter(household=old)}
    region = {m.id: m.id_masked[:6] for m in Member.unscoped.filter(household=old)}

    assert _run("--dry-run")["due"] == 1
    summary = _run("--years", "10", "--quiet")
    assert (summary["households"], summary["members"], summary["other_records"]) == (1, 2, 1)

    for member in Member.unscoped.filter(household=old):
        assert member.name == "已匿名" and bytes(member.id_cipher) == b"" and member.phone == ""
        assert member.id_masked == region[member.id] + "*" * 12
        assert member.birth_date == dt.date(born[member.id].year, 1, 1)
        assert member.id_hash == f"erased:{member.id}"  # no longer matches any record
    household = Household.unscoped.get(id=old.id)
    assert household.address == "已匿名" and household.anonymised_on == TODAY
    assert household.region_code.startswith(gd_area)  # statistics keep the place
    account = PayeeAccount.unscoped.get(household=old)
    assert account.holder_name == "已匿名" and account.account_hash == ""
    for kept in (recent, open_one):
        assert Household.unscoped.get(id=kept.id).anonymised_on is None
        assert not Member.unscoped.filter(household=kept, name="已匿名").exists()
    assert AuditEvent.objects.filter(action="retention.anonymise").count() == 1
    assert verify(AuditEvent).ok

    again = _run("--years", "10", "--quiet")
    assert (again["due"], again["households"]) == (0, 0)


def test_the_case_files_and_visit_notes_of_an_anonymised_household_are_erased(
    caseworker: Any, gd_area: str, django_capture_on_commit_callbacks: Any
) -> None:
    """An ID scan or a visit photo is personal data like the name: its file is deleted from
    storage after the anonymisation commits, its name and the visit's notes erased; what it
    was (kind, size, digest) stays. The download then answers 404."""
    from jiuzhu.cases.documents import case_document_add
    from jiuzhu.cases.models import CaseDocument, HomeVisit
    from tests.cases.conftest import accept

    old = make_household(caseworker, gd_area + "001", members=1)
    case = accept(caseworker, old)
    with using_scope(Scope(caseworker.area.scope_prefix)):
        scan = b"\xff\xd8\xff" + b"0" * 32
        document = case_document_add(
            actor=caseworker, case=case, kind="material", name="身份证.jpg", content=scan
        )
    HomeVisit.unscoped.create(
        case=case, region_code=case.region_code, visited_on=TODAY, visitors="张三",
        findings="家中有病人", recorded_by=caseworker,
    )  # fmt: skip
    stored = document.file.name
    storage = document.file.storage
    assert storage.exists(stored)
    Household.unscoped.filter(id=old.id).update(closed_on=dt.date(2010, 1, 1))
    with django_capture_on_commit_callbacks(execute=True):
        summary = _run("--years", "10", "--quiet")
    assert summary["households"] == 1 and summary["other_records"] >= 2
    erased = CaseDocument.unscoped.get(id=document.id)
    assert (erased.original_name, erased.file.name) == ("已匿名", "")
    assert erased.sha256 == document.sha256 and erased.size == document.size
    assert not storage.exists(stored)
    visit = HomeVisit.unscoped.get(case=case)
    assert (visit.visitors, visit.findings) == ("已匿名", "已匿名")
