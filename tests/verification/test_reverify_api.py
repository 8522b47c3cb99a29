"""The API of re-verification and results shared back (V-01, V-03): the caller's area is the
scope, the verification capability is required, the JSON is the CLI's."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api, token_for
from tests.cases.conftest import TODAY
from tests.factories import make_user
from tests.verification import test_reverify as reverify_tests

pytestmark = pytest.mark.django_db

people = reverify_tests.people  # the fixtures, visible here
caseload = reverify_tests.caseload
RUN = "/verification/reverifications"


@pytest.fixture
def verifier(people: dict[str, Any]) -> Api:
    return Api(token_for(people["verifier"]))


def test_the_api_lists_the_households_that_no_longer_fit(
    caseload: dict[str, Any], verifier: Api
) -> None:
    """V-01: the same list as `jiuzhu verify-all`, in the verification officer's county."""
    response = verifier.post(RUN, {"as_of": TODAY.isoformat()})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["recipients"], body["no_longer_fit"]) == (5, 3)
    listed = {h["household"]: h["reasons"] for h in body["households"]}
    assert listed[caseload["car"].number] == ["vehicle"]


def test_another_areas_caller_sees_no_household_and_may_not_name_a_region_outside(
    caseload: dict[str, Any], im_area: str
) -> None:
    im = Api(token_for(make_user("verification_officer", im_area, username="im-verifier")))
    assert im.post(RUN, {"as_of": TODAY.isoformat()}).json()["recipients"] == 0
    outside = im.post(RUN, {"as_of": TODAY.isoformat(), "region": "440104"})
    assert outside.status_code == 422


def test_a_caseworker_may_not_run_it_and_a_bad_region_is_refused(
    caseload: dict[str, Any], people: dict[str, Any], verifier: Api
) -> None:
    caseworker = Api(token_for(people["caseworker"]))
    assert caseworker.post(RUN, {"as_of": TODAY.isoformat()}).status_code == 403
    assert verifier.post(RUN, {"as_of": TODAY.isoformat(), "region": "44x"}).status_code == 422


def test_determinations_of_an_unknown_source_are_404(verifier: Api) -> None:
    assert (
        verifier.get("/verification/sources/astrology/determinations?as_of=2026-03-02").status_code
        == 404
    )
    ok = verifier.get("/verification/sources/bank/determinations?as_of=2026-03-02")
    assert ok.status_code == 200 and ok.json() == []
