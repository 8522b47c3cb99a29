"""The schemathesis runs over the API (SECURITY.md 14) share this: the WSGI app inside the
test's transaction, the checks, the refusals a schema-valid request may still get, and one
way to run an operation's cases.

The schema must say exactly what the server accepts. So besides no 5xx, declared status
codes, content types and bodies, and invalid data refused (`negative_data_rejection`),
valid data must be accepted (`positive_data_acceptance`): a request the schema allows may be
refused only with a status its operation declares for a business reason — 403 (the role),
404 (a missing id, or one outside the area), 409 (the state of a case, a batch, a task) — or
with a 422 that is one of BUSINESS_REFUSALS: what no JSON Schema can say (a check digit,
whether a region exists, today's date, what is stored). A 422 for anything a schema can
say (a pattern, a length, a range, a date, null, a field required with another) is a
failure: the schema, or the server, is wrong.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from jiuzhu.api.idempotency import HEADER, MAX_KEY_LENGTH
from jiuzhu.benefits import errors as benefits_errors
from jiuzhu.cases import errors as cases_errors
from jiuzhu.monitoring import errors as monitoring_errors
from jiuzhu.monitoring import hotline
from jiuzhu.registry import errors as registry_errors
from jiuzhu.registry import identity
from jiuzhu.verification import errors as verification_errors

OPENAPI = "/api/v1/openapi.json"
# what a valid request may get besides a business 422 (below); 401 is not among them: every
# run is signed in, so a 401 would be a bug
ACCEPTED = ["2xx", "403", "404", "409"]
CONFIG = schemathesis.Config.from_dict(
    {"checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}}}
)


@dataclass(frozen=True)
class Refusal:
    """A 422 that a schema-valid request may get, and why no schema can say it."""

    message: Any  # the service's constant; "{…}" placeholders match anything
    why: str
    operations: str = ""  # a regex on the operation's label ("POST /api/v1/…"); "" for any

    def matches(self, label: str, messages: list[str]) -> bool:
        if self.operations and not re.search(self.operations, label):
            return False
        parts = re.split(r"\{[a-z_]+\}", str(self.message))
        pattern = re.compile(".*".join(re.escape(p) for p in parts), re.S)
        return any(pattern.fullmatch(m) for m in messages)


STORED = "depends on what is stored"
TODAY = "depends on today's date"
CASE_ACTIONS = r"/cases/(\{case_id\}/actions|batch)/"
BUSINESS_REFUSALS = [
    # registry
    Refusal(registry_errors.REGION_UNKNOWN, "whether a region exists: reference data"),
    Refusal(registry_errors.REGION_OUTSIDE, "the caller's area"),
    Refusal(registry_errors.REGION_LEVEL, "a region's level: reference data"),
    Refusal(registry_errors.FACT_BACKDATED, STORED + " (the latest value of that kind)"),
    Refusal(registry_errors.SAME_HOUSEHOLD, STORED + " (the member's household)"),
    Refusal(registry_errors.DATES_ORDER, STORED + " (when the membership began)"),
    Refusal(registry_errors.MEMBER_LEFT, STORED),
    Refusal(registry_errors.DUPLICATE_ID, STORED + " (one person, one active household)"),
    Refusal(registry_errors.GRADE_WITHOUT_KIND, STORED + " (the member's disability)", "PATCH"),
    Refusal(identity.ERROR_CHECKSUM, "GB 11643's check digit is arithmetic"),
    Refusal(identity.ERROR_BIRTH, "whether the birth date in an ID number exists"),
    Refusal(identity.ERROR_FUTURE, TODAY),
    Refusal(registry_errors.BIRTH_MISMATCH, "the birth date read from the ID number"),
    Refusal(registry_errors.SEX_MISMATCH, "the sex read from the ID number"),
    Refusal(registry_errors.JOINED_BEFORE_BIRTH, "the birth date read from the ID number"),
    Refusal(
        "household '{ref}': {reason}",
        "the engine cannot decide on the stored facts (docs/api.md, evaluate)",
        "/evaluate$",
    ),
    # cases
    Refusal(cases_errors.DATE_IN_FUTURE, TODAY),
    Refusal(cases_errors.DOCUMENT_UNKNOWN, "the document list of the case's kind"),
    Refusal(cases_errors.COMMITMENT_NOT_ALLOWED, "the document catalogue"),
    Refusal(cases_errors.APPLICANT_NOT_MEMBER, STORED),
    Refusal(cases_errors.PARENT_NOT_DECIDED, STORED + " (the contested case)"),
    Refusal(cases_errors.HOUSEHOLD_CLOSED, STORED),
    Refusal(cases_errors.FILE_TYPE, "a file is recognised by its content", "/documents$"),
    Refusal(cases_errors.FILE_EMPTY, "a file is recognised by its content", "/documents$"),
    Refusal(cases_errors.AMOUNT_REQUIRED, STORED + " (a paid kind needs it)", CASE_ACTIONS),
    Refusal(cases_errors.REASON_REQUIRED, STORED + " (the kind needs it)", CASE_ACTIONS),
    Refusal(cases_errors.TEXT_REQUIRED, STORED + " (the kind needs it)", CASE_ACTIONS),
    Refusal(cases_errors.NOT_TEMPORARY, STORED + " (the case's kind)", CASE_ACTIONS),
    Refusal(cases_errors.INSTALMENTS_SUM, "a sum of array items is arithmetic", CASE_ACTIONS),
    Refusal(cases_errors.PROPOSAL_AGAINST_EVALUATION, STORED + " (the evaluation)"),
    Refusal(cases_errors.OBJECTION_UNKNOWN, STORED),
    Refusal(cases_errors.VOTE_NOT_COMMITTEE, STORED + " (the case's authority)"),
    Refusal(cases_errors.VOTE_TWICE, STORED),
    Refusal(cases_errors.ABOVE_TOWNSHIP_LIMIT, "the township's limit, a dated parameter"),
    Refusal(cases_errors.RESERVE_MISSING, STORED),
    Refusal(cases_errors.RESERVE_SHORT, STORED + " (the fund's balance)"),
    Refusal(cases_errors.EVALUATION_FAILED, "the engine cannot decide on the stored facts"),
    Refusal(cases_errors.REVIEW_OUTCOME_CHOICE, STORED + " (a review's kind)", CASE_ACTIONS),
    Refusal(cases_errors.REVIEW_LAYER_CHOICE, STORED + " (a review's kind)", CASE_ACTIONS),
    Refusal(cases_errors.REVIEW_STILL_ELIGIBLE, STORED + " (the evaluation)", CASE_ACTIONS),
    # benefits
    Refusal(benefits_errors.COUNTY_UNKNOWN, "whether a county exists: reference data"),
    Refusal(benefits_errors.COUNTY_OUTSIDE, "the caller's area"),
    Refusal(benefits_errors.MONTH_AHEAD, TODAY),
    Refusal(benefits_errors.ACCOUNT_MISSING, STORED + " (payee accounts)"),
    Refusal(benefits_errors.RETURN_FILE_INVALID, "the bank's CSV file inside the string"),
    # monitoring
    Refusal(hotline.RECEIVED_FUTURE, TODAY),
    Refusal(hotline.PLACE_UNKNOWN, "whether a region exists, and the caller's area"),
    Refusal(hotline.PERSON_UNKNOWN, STORED + " (who is registered)"),
    Refusal(monitoring_errors.VISITED_FUTURE, TODAY),
    Refusal(monitoring_errors.VISITED_BEFORE_TASK, STORED + " (when the task opened)"),
    Refusal(monitoring_errors.AMOUNT_REQUIRED, "who closes the task, and its warning"),
    Refusal(monitoring_errors.NO_CATEGORY, STORED + " (the warning)"),
    # verification and signals
    Refusal(verification_errors.MISSING_COLUMNS, "the required fields of the source in the path"),
    Refusal(verification_errors.AS_OF_FUTURE, TODAY),
    Refusal(verification_errors.REGION_OUTSIDE_AREA, "the caller's area"),
]


def business_refusal(label: str, response: Any) -> Refusal | None:
    """The business refusal a 422 problem document is, if it is one."""
    try:
        problem = response.json()
    except ValueError:
        return None
    messages = [str(e.get("message", "")) for e in problem.get("errors", [])]
    messages = messages or [str(problem.get("detail", ""))]
    return next((r for r in BUSINESS_REFUSALS if r.matches(label, messages)), None)


def positive_data_accepted(ctx: Any, response: Any, case: Any) -> bool | None:
    """schemathesis' positive_data_acceptance (valid data gets one of ACCEPTED), except that a
    422 may be one of the BUSINESS_REFUSALS."""
    if response.status_code == 422 and business_refusal(case.operation.label, response):
        return None
    return positive_data_acceptance(ctx, response, case)  # type: ignore[no-any-return]


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    positive_data_accepted,
]


@pytest.fixture
def wsgi_app() -> Iterator[Any]:
    """The WSGI app, without Django's per-request connection closing (it would end the
    test's transaction), as Django's own test client does. Disconnected again before every
    call: a test-client request in between connects the handler back."""
    app = get_wsgi_application()

    def call(environ: Any, start_response: Any) -> Any:
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        return app(environ, start_response)

    try:
        yield call
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def load(wsgi_app: Any) -> Any:
    """The API's schema, served by the app, with the checks configured as above."""
    return schemathesis.openapi.from_wsgi(OPENAPI, wsgi_app, config=CONFIG)


_calls = itertools.count(1)


def _send(case: Any, headers: dict[str, str]) -> None:
    """Call and check one case. A valid request's Idempotency-Key is made unique: the
    fuzzer draws the same few keys again and again, and a key reused with another body is
    refused (422, declared) before the operation is reached — reuse is tested in
    test_idempotency.py, the operations here."""
    key = (case.headers or {}).get(HEADER)
    if key is not None and case.meta is not None and case.meta.generation.mode.is_positive:
        case.headers[HEADER] = f"{key[: MAX_KEY_LENGTH - 12]}-{next(_calls)}"
    response = case.call(headers=headers)
    case.validate_response(response, checks=CHECKS, headers=headers)


def run(
    schema: Any,
    operation: Any,
    *,
    headers: dict[str, str],
    pinned: dict[str, Any],
    seed_value: int,
    examples: int,
    extra: tuple[Any, ...] = (),
    unpinned: bool = True,
    coverage: int | None = None,
) -> None:
    """One operation: schemathesis' coverage cases of valid data (boundaries, every enum
    value, each optional field; the first `coverage` of them, all by default) with the
    path's ids pinned to real objects, then `examples` drawn at random — valid with pinned
    and (`unpinned`) made-up ids, and invalid — plus the strategies of `extra`."""
    generation = schema.config.generation_for(operation=operation)
    cases = schema.iter_coverage_cases(
        operation,
        generation_modes=[schemathesis.GenerationMode.POSITIVE],
        generation_config=generation,
    )
    for case in itertools.islice(cases, coverage):
        if case.path_parameters is not None:
            case.path_parameters.update(pinned)
        _send(case, headers)
    strategies = [
        operation.as_strategy(path_parameters=pinned),
        operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE),
        *([operation.as_strategy()] if unpinned else []),
        *extra,
    ]

    @seed(seed_value)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(*strategies))
    def fuzz(case: Any) -> None:
        _send(case, headers)

    fuzz()


def pinned_ids(operation: Any, ids: dict[str, Any]) -> dict[str, Any]:
    """The real ids among `ids` that the operation's path takes."""
    names = {p.name for p in operation.path_parameters}
    return {k: v for k, v in ids.items() if k in names}
