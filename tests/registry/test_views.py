"""Registry pages through the Django test client: search, detail, the forms, the trial
evaluation and the audit trail; area scope (404), capabilities (403), masked ID numbers and
no-store caching (SECURITY.md 1, 2, 20, 24)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from jiuzhu.audit.models import AccessEvent, AuditEvent
from jiuzhu.registry import errors
from jiuzhu.registry.forms import NO_MEMBERS_ON_DATE, PURPOSE_REQUIRED
from jiuzhu.registry.identity import ERROR_CHECKSUM, decrypt
from jiuzhu.registry.models import Household, HouseholdFact, IncomeFact, Member
from tests.factories import id_number, make_household, make_user, members, signed_in

ID_PATTERN = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dX](?![0-9A-Za-z])")


def _full_ids(household: Household) -> list[str]:
    return [decrypt(m.id_cipher) for m in members(household)]


def _main(response: Any) -> str:
    """The page's own content, without the per-request tokens of the layout."""
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def _feedback(html: str, field: str) -> str:
    """What is shown by a field: from its feedback box to the next field's label."""
    start = html.index(f'id="{field}-check"')
    return html[start : html.find("<label", start)]


def _assert_no_full_id(response: Any, household: Household | None = None) -> None:
    html = response.content.decode()
    assert not ID_PATTERN.search(html)
    for number in _full_ids(household) if household else []:
        assert number not in html


@pytest.fixture
def client(caseworker: Any) -> Client:
    return signed_in(caseworker)


@pytest.fixture
def home(caseworker: Any, gd_area: str) -> Household:
    return make_household(caseworker, gd_area, members=2)


@pytest.fixture
def away(im_caseworker: Any, im_area: str) -> Household:
    return make_household(im_caseworker, im_area, members=1)


def _bad(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


# -- search ----------------------------------------------------------------------------------
def test_search_finds_a_household_by_name_number_and_last_four(
    client: Client, home: Household, away: Household
) -> None:
    head = members(home)[0]
    for text in (head.name, home.number, head.id_masked[-4:]):
        response = client.get(reverse("registry:search"), {"q": text})
        assert response.status_code == 200
        assert home.number in response.content.decode()
        assert away.number not in response.content.decode()
    assert head.id_masked in response.content.decode()


def test_search_by_full_id_number_is_a_post_and_never_echoes_the_number(
    client: Client, home: Household
) -> None:
    number = _full_ids(home)[0]
    response = client.post(reverse("registry:search"), {"q": number})
    assert response.status_code == 200
    assert home.number in response.content.decode()
    _assert_no_full_id(response, home)
    assert 'method="post"' in _main(response)
    by_number = client.post(reverse("registry:search"), {"q": home.number})
    assert f'value="{home.number}"' in by_number.content.decode()  # not an ID: echoed


def test_an_invalid_id_number_is_told_not_searched(client: Client, home: Household) -> None:
    """Issue 17: an ID number with a wrong check digit said "共 0 户"; the form says why."""
    number = _full_ids(home)[0]
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    response = client.post(reverse("registry:search"), {"q": wrong})
    assert response.status_code == 400
    html = response.content.decode()
    assert "校验" in html and 'data-testid="result-count"' not in html
    assert wrong not in html


def test_a_full_id_number_in_the_url_is_refused_not_searched(
    client: Client, home: Household
) -> None:
    """Issue 15 item 3: GET /households/?q=<full ID> found the household."""
    number = _full_ids(home)[0]
    response = client.get(reverse("registry:search"), {"q": number})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="id-in-url"' in html and home.number not in html
    _assert_no_full_id(response, home)


def test_search_lists_only_households_of_the_users_area(
    client: Client, home: Household, away: Household
) -> None:
    response = client.get(reverse("registry:search"))
    html = response.content.decode()
    assert home.number in html and away.number not in html
    assert "150102" not in _main(response)  # no region of the other area in the dropdown


def test_the_region_filter_refuses_a_region_outside_the_area(
    client: Client, home: Household, away: Household
) -> None:
    response = client.get(reverse("registry:search"), {"region": away.region_code})
    assert response.status_code == 400
    assert away.number not in response.content.decode()
    response = client.get(reverse("registry:search"), {"region": home.region_code})
    assert home.number in response.content.decode()


def test_search_results_come_fifty_to_a_page(client: Client, caseworker: Any, gd_area: str) -> None:
    Household.unscoped.bulk_create(
        Household(number=f"T{i:05d}", region_code=gd_area, residence="urban", address="x")
        for i in range(51)
    )
    first = client.get(reverse("registry:search"))
    second = client.get(reverse("registry:search"), {"page": 2})
    assert first.content.decode().count("T000") == 50
    assert second.content.decode().count("T000") == 1


# -- detail ----------------------------------------------------------------------------------
def test_the_detail_page_shows_members_masked_and_facts_and_is_not_cached(
    client: Client, home: Household
) -> None:
    response = client.get(reverse("registry:detail", args=[home.id]))
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    for member in members(home):
        assert member.name in html and member.id_masked in html
    assert "3000.00" in html and "2020-01-01" in html
    _assert_no_full_id(response, home)
    for name in ("edit", "member_add", "fact_set", "evaluate", "audit"):
        assert reverse(f"registry:{name}", args=[home.id]) in html


def test_every_page_with_personal_data_says_no_store(client: Client, home: Household) -> None:
    member = members(home)[0]
    for url in (
        reverse("registry:search"),
        reverse("registry:detail", args=[home.id]),
        reverse("registry:member_edit", args=[member.id]),
        reverse("registry:audit", args=[home.id]),
        reverse("registry:evaluate", args=[home.id]) + "?as_of=2024-06-01",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "no-store", url
        _assert_no_full_id(response, home)


# -- household forms -------------------------------------------------------------------------
def test_a_household_is_created_in_a_region_of_the_users_area(client: Client, gd_area: str) -> None:
    form = client.get(reverse("registry:create"))
    assert gd_area + "001" in form.content.decode() and "150102" not in _main(form)
    response = client.post(
        reverse("registry:create"),
        {
            "region_code": gd_area + "001",
            "residence": "rural",
            "address": "合成路9号",
            "hukou_type": "local",
        },
    )
    household = Household.unscoped.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:detail", args=[household.id])
    assert (household.region_code, household.residence) == (gd_area + "001", "rural")
    assert AuditEvent.objects.filter(action="household.create").count() == 1


def test_a_household_outside_the_area_or_with_over_long_text_is_refused(
    client: Client, gd_area: str, im_area: str
) -> None:
    outside = client.post(
        reverse("registry:create"),
        {"region_code": im_area, "residence": "urban", "address": "x", "hukou_type": "local"},
    )
    too_long = client.post(
        reverse("registry:create"),
        {
            "region_code": gd_area,
            "residence": "urban",
            "address": "长" * 201,
            "hukou_type": "local",
        },
    )
    assert outside.status_code == too_long.status_code == 400
    assert "200" in too_long.content.decode()
    assert not Household.unscoped.exists()


def test_editing_a_household_changes_the_address_but_never_the_region(
    client: Client, home: Household, gd_area: str
) -> None:
    response = client.post(
        reverse("registry:edit", args=[home.id]),
        {
            "residence": "urban",
            "address": "合成路10号",
            "hukou_type": "local",
            "region_code": gd_area + "002",
        },
    )
    home.refresh_from_db()
    assert response.status_code == 302
    assert (home.address, home.region_code) == ("合成路10号", gd_area)
    event = AuditEvent.objects.get(action="household.update")
    assert event.new == {"address": "合成路10号"}


# -- members ---------------------------------------------------------------------------------
def _member_post(number: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": "新成员",
        "id_number": number,
        "relation": "配偶",
        "joined_on": "2021-01-01",
        "self_care": "full",
        "employment": "employed",
        **extra,
    }


def test_a_bad_id_number_is_shown_by_its_field_and_nothing_is_saved_then_the_fix_is_saved(
    client: Client, home: Household
) -> None:
    url = reverse("registry:member_add", args=[home.id])
    good = id_number(dt.date(1982, 7, 9), sex="male")
    before = (Member.unscoped.count(), AuditEvent.objects.count())

    refused = client.post(url, _member_post(_bad(good)))
    html = refused.content.decode()
    assert refused.status_code == 400
    assert str(ERROR_CHECKSUM) in _feedback(html, "id_number")
    assert _bad(good) not in html  # the typed number is not written back
    assert (Member.unscoped.count(), AuditEvent.objects.count()) == before

    saved = client.post(url, _member_post(good))
    assert saved.status_code == 302
    member = Member.unscoped.get(name="新成员")
    assert (member.birth_date, member.sex, member.household_id) == (
        dt.date(1982, 7, 9),
        "male",
        home.id,
    )
    trail = client.get(reverse("registry:audit", args=[home.id])).content.decode()
    assert "新增家庭成员" in trail and member.id_masked in trail and good not in trail


def test_with_htmx_the_member_form_comes_back_as_a_fragment_or_a_client_redirect(
    client: Client, home: Household
) -> None:
    url = reverse("registry:member_add", args=[home.id])
    good = id_number(dt.date(1990, 2, 3))
    refused = client.post(url, _member_post(_bad(good)), headers={"HX-Request": "true"})
    assert refused.status_code == 200
    assert str(ERROR_CHECKSUM) in refused.content.decode()
    assert "<html" not in refused.content.decode()
    saved = client.post(url, _member_post(good), headers={"HX-Request": "true"})
    assert saved["HX-Redirect"] == reverse("registry:detail", args=[home.id])


def test_the_inline_id_check_gives_the_reason_or_the_birth_date_and_sex(client: Client) -> None:
    good = id_number(dt.date(1975, 12, 31), sex="male")
    url = reverse("registry:validate_id")
    refused = client.post(url, {"id_number": _bad(good)}).content.decode()
    accepted = client.post(url, {"id_number": good}).content.decode()
    assert str(ERROR_CHECKSUM) in refused
    assert "1975-12-31" in accepted and "男" in accepted
    assert good not in accepted and _bad(good) not in refused
    assert client.get(url).status_code == 405


def test_a_typed_birth_date_that_disagrees_with_the_id_is_shown_by_its_field(
    client: Client, home: Household
) -> None:
    number = id_number(dt.date(1990, 1, 1))
    response = client.post(
        reverse("registry:member_add", args=[home.id]),
        _member_post(number, birth_date="1990-01-02"),
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert str(errors.BIRTH_MISMATCH) in _feedback(html, "birth_date")


def test_a_duplicate_id_number_is_refused(client: Client, home: Household) -> None:
    number = _full_ids(home)[0]
    response = client.post(reverse("registry:member_add", args=[home.id]), _member_post(number))
    assert response.status_code == 400
    assert str(errors.DUPLICATE_ID) in response.content.decode()
    assert number not in response.content.decode()


def test_editing_a_member_cannot_touch_the_id_number(client: Client, home: Household) -> None:
    member = members(home)[1]
    form = client.get(reverse("registry:member_edit", args=[member.id])).content.decode()
    assert 'name="id_number"' not in form
    response = client.post(
        reverse("registry:member_edit", args=[member.id]),
        {
            "name": member.name,
            "relation": "子女",
            "self_care": "full",
            "employment": "student",
            "schooling": "compulsory",
            "id_number": id_number(dt.date(2000, 1, 1)),
        },
    )
    before = member.id_hash
    member.refresh_from_db()
    assert response.status_code == 302
    assert (member.schooling, member.id_hash) == ("compulsory", before)
    assert AuditEvent.objects.filter(action="member.update", object_id=str(member.id)).exists()


def test_a_disability_grade_out_of_range_is_refused(client: Client, home: Household) -> None:
    member = members(home)[0]
    response = client.post(
        reverse("registry:member_edit", args=[member.id]),
        {
            "name": member.name,
            "relation": "户主",
            "self_care": "full",
            "employment": "other",
            "disability_kind": "visual",
            "disability_grade": "7",
        },
    )
    assert response.status_code == 400
    assert str(errors.GRADE_RANGE) in response.content.decode()


# -- facts -----------------------------------------------------------------------------------
def test_a_fact_is_set_from_a_date_and_negative_or_backdated_values_are_refused(
    client: Client, home: Household
) -> None:
    url = reverse("registry:fact_set", args=[home.id])
    negative = client.post(url, {"kind": "medical", "amount": "-5", "valid_from": "2024-01-01"})
    backdated = client.post(url, {"kind": "financial", "amount": "1", "valid_from": "2019-01-01"})
    assert negative.status_code == backdated.status_code == 400
    assert str(errors.NEGATIVE) in negative.content.decode()
    assert str(errors.FACT_BACKDATED) in backdated.content.decode()
    assert HouseholdFact.unscoped.count() == 1
    saved = client.post(url, {"kind": "financial", "amount": "9000", "valid_from": "2024-01-01"})
    assert saved.status_code == 302
    html = client.get(reverse("registry:detail", args=[home.id])).content.decode()
    assert "9000.00" in html and "2023-12-31" in html  # the old value ends the day before


def test_an_income_is_set_for_a_member(client: Client, home: Household) -> None:
    member = members(home)[0]
    response = client.post(
        reverse("registry:income_set", args=[member.id]),
        {"kind": "wages", "amount": "1500.50", "valid_from": "2024-02-01"},
    )
    assert response.status_code == 302
    assert IncomeFact.unscoped.get().amount == 1500.50
    assert "1500.50" in client.get(reverse("registry:detail", args=[home.id])).content.decode()


# -- trial evaluation ------------------------------------------------------------------------
def test_the_trial_evaluation_shows_the_decision_and_its_explanation(
    client: Client, home: Household
) -> None:
    response = client.get(reverse("registry:evaluate", args=[home.id]), {"as_of": "2024-06-01"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="decision"' in html and 'data-testid="explanation"' in html
    assert "B-05" in html and "C-08" in html  # rule IDs
    assert "假定值" in html  # a parameter whose value is assumed
    assert "1238.00" in html  # Guangzhou's urban dibao standard in force on that day
    assert "广州市民政局" in html  # the parameter's source document
    # the reason first, in one sentence naming the decisive figures (issue 14)
    assert 'data-testid="reason"' in html
    assert html.index('data-testid="reason"') < html.index('data-testid="decision"')
    assert "家庭人均收入" in html and "当地低保标准1,238.00元" in html


def test_a_bad_evaluation_date_is_a_form_error_not_a_crash(client: Client, home: Household) -> None:
    for value in ("2024-13-01", "", "yesterday"):
        response = client.get(reverse("registry:evaluate", args=[home.id]), {"as_of": value})
        assert response.status_code == 400
        assert 'class="field-error"' in response.content.decode()


def test_the_explanation_speaks_english_to_english_users(client: Client, home: Household) -> None:
    response = client.get(
        reverse("registry:evaluate", args=[home.id]),
        {"as_of": "2024-06-01"},
        headers={"Accept-Language": "en"},
    )
    assert "Monthly benefit, rounded as declared" in response.content.decode()


def test_a_household_the_engine_cannot_decide_is_a_message_not_a_crash(
    client: Client, caseworker: Any, gd_area: str
) -> None:
    empty = make_household(caseworker, gd_area, members=0)
    response = client.get(reverse("registry:evaluate", args=[empty.id]), {"as_of": "2024-06-01"})
    assert response.status_code == 400
    assert str(NO_MEMBERS_ON_DATE) in response.content.decode()


# -- audit and reveal ------------------------------------------------------------------------
def test_the_audit_trail_lists_the_household_and_its_members_changes(
    client: Client, home: Household, away: Household
) -> None:
    html = client.get(reverse("registry:audit", args=[home.id])).content.decode()
    assert "新建家庭" in html and "新增家庭成员" in html and "登记财产或支出" in html
    assert html.count("gd-caseworker") >= 4
    assert away.number not in html and "im-caseworker" not in html


def test_revealing_an_id_needs_a_purpose_and_is_logged(client: Client, home: Household) -> None:
    member = members(home)[0]
    url = reverse("registry:reveal_id", args=[member.id])
    assert client.get(url).status_code == 405
    refused = client.post(url, {"purpose": "  "})
    assert refused.status_code == 400
    assert str(PURPOSE_REQUIRED) in refused.content.decode()
    assert not AccessEvent.objects.exists()
    shown = client.post(url, {"purpose": "核对户口簿"})
    assert shown.status_code == 200 and shown["Cache-Control"] == "no-store"
    assert decrypt(member.id_cipher) in shown.content.decode()
    access = AccessEvent.objects.get()
    assert (access.subject_id, access.purpose, access.field) == (
        str(member.id),
        "核对户口簿",
        "id_number",
    )


def test_with_htmx_the_revealed_number_replaces_the_small_form(
    client: Client, home: Household
) -> None:
    member = members(home)[0]
    response = client.post(
        reverse("registry:reveal_id", args=[member.id]),
        {"purpose": "入户核查"},
        headers={"HX-Request": "true"},
    )
    assert "<html" not in response.content.decode()
    assert decrypt(member.id_cipher) in response.content.decode()


# -- access ----------------------------------------------------------------------------------
def _pages(household: Household) -> list[tuple[str, str]]:
    member = members(household)[0]
    h, m = [household.id], [member.id]
    return [
        ("get", reverse("registry:detail", args=h)),
        ("get", reverse("registry:edit", args=h)),
        ("post", reverse("registry:edit", args=h)),
        ("get", reverse("registry:member_add", args=h)),
        ("post", reverse("registry:member_add", args=h)),
        ("get", reverse("registry:fact_set", args=h)),
        ("post", reverse("registry:fact_set", args=h)),
        ("get", reverse("registry:evaluate", args=h)),
        ("get", reverse("registry:audit", args=h)),
        ("get", reverse("registry:member_edit", args=m)),
        ("post", reverse("registry:member_edit", args=m)),
        ("get", reverse("registry:income_set", args=m)),
        ("post", reverse("registry:income_set", args=m)),
        ("post", reverse("registry:reveal_id", args=m)),
    ]


def test_a_household_of_another_area_is_a_404_like_a_missing_one_on_every_page(
    client: Client, away: Household
) -> None:
    missing = client.get(reverse("registry:detail", args=[999999]))
    assert missing.status_code == 404
    before = (AuditEvent.objects.count(), AccessEvent.objects.count())
    for method, url in _pages(away):
        response = getattr(client, method)(url, {"purpose": "x", "address": "y"})
        assert response.status_code == 404, url
        assert _main(response) == _main(missing), url
    assert (AuditEvent.objects.count(), AccessEvent.objects.count()) == before


@pytest.mark.parametrize(
    ("role", "allowed", "refused"),
    [
        ("auditor", ["detail", "audit"], ["edit", "evaluate", "reveal_id"]),
        ("audit_admin", ["audit"], ["detail", "search", "edit"]),
        ("village_assistant", ["detail", "evaluate"], ["edit", "member_add", "audit"]),
        ("department_officer", ["detail", "search"], ["fact_set", "evaluate", "reveal_id"]),
    ],
)
def test_a_missing_capability_is_a_403_page(
    home: Household, gd_area: str, role: str, allowed: list[str], refused: list[str]
) -> None:
    client = signed_in(make_user(role, gd_area))
    member = members(home)[0]

    def call(name: str) -> Any:
        if name == "search":
            return client.get(reverse("registry:search"))
        if name == "reveal_id":
            return client.post(reverse(f"registry:{name}", args=[member.id]), {"purpose": "x"})
        return client.get(reverse(f"registry:{name}", args=[home.id]))

    for name in allowed:
        assert call(name).status_code == 200, name
    for name in refused:
        response = call(name)
        assert response.status_code == 403, name
        assert "无权" in response.content.decode()
    assert not AccessEvent.objects.exists()


def test_pages_need_a_signed_in_user_past_the_second_factor(
    caseworker: Any, home: Household
) -> None:
    url = reverse("registry:detail", args=[home.id])
    assert Client().get(url)["Location"].startswith(reverse("accounts:login"))
    unverified = signed_in(caseworker, verified=False).get(url)
    assert unverified["Location"] == reverse("accounts:verify")


def test_the_navigation_offers_new_household_only_to_editors(client: Client, gd_area: str) -> None:
    editor = client.get(reverse("registry:search")).content.decode()
    reader = signed_in(make_user("auditor", gd_area)).get(reverse("registry:search"))
    assert reverse("registry:create") in editor
    assert reverse("registry:create") not in reader.content.decode()


def test_a_member_moves_to_another_household_by_its_number(caseworker: Any, gd_area: str) -> None:
    from tests.factories import make_household, members, signed_in

    source = make_household(caseworker, gd_area, members=2)
    target = make_household(caseworker, gd_area, members=1)
    person = members(source)[1]
    client = signed_in(caseworker)
    url = reverse("registry:member_move", kwargs={"member_id": person.id})
    refused = client.post(url, {"to_household": "JZ00000000000000", "on": "2024-03-01"})
    assert refused.status_code == 400 and "没有这个家庭编号" in refused.content.decode()
    done = client.post(url, {"to_household": target.number, "on": "2024-03-01"})
    assert done.status_code == 302
    person.refresh_from_db()
    assert person.left_on is not None
    assert any(m.name == person.name for m in members(target))
