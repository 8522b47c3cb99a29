"""Run inside the bench database's Django (see cases_pg.py). Prints JSON lines.

`drive N WORKER WORKERS`: create N cases and drive each through to the decision via the
services (intake, checklist, visit, verification, evaluation, opinion, public notice,
approval), as one worker of several, each worker in its own townships.
`worklist`: 50,000 open cases in one township; time the worklist page (count + first 50,
rendered) as that township's caseworker."""

from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import time

import django

COMPLETE = {
    "application_form": "received",
    "id_card": "received",
    "hukou_book": "committed",
    "income_statement": "received",
}
TODAY = dt.date(2026, 3, 2)


def _people(township: str) -> dict[str, object]:
    from jiuzhu.accounts.models import User
    from jiuzhu.regions.models import Region

    def user(role: str, area: str, name: str) -> object:
        found = User.objects.filter(username=name).first()
        return found or User.objects.create_user(
            username=name, password="bench-password-0123", role=role,
            area=Region.objects.get(code=area),
        )  # fmt: skip

    return {
        "cw": user("township_caseworker", township, f"bench-cw-{township}"),
        "leader": user("township_leader", township, f"bench-leader-{township}"),
        "verifier": user("verification_officer", township[:6], f"bench-ver-{township}"),
    }


def drive(n: int, worker: int, workers: int) -> None:
    from jiuzhu.cases.services import case_act, case_create
    from jiuzhu.regions.models import Region
    from jiuzhu.regions.scope import Scope, system_scope, using_scope
    from jiuzhu.registry.models import Household

    townships = [
        r.code for r in Region.objects.filter(code__startswith="440104", level="township")
    ][worker::workers]
    with system_scope():
        households = list(
            Household.objects.filter(region_code__startswith=townships[0][:9])
            .exclude(cases__isnull=False)
            .order_by("id")[:n]
        )
    people = _people(townships[0])
    cw, leader, verifier = people["cw"], people["leader"], people["verifier"]
    started = time.perf_counter()
    decided = 0
    for household in households:
        with using_scope(Scope(townships[0])):
            case = case_create(actor=cw, household=household, kind="dibao", checklist=COMPLETE,
                               authorization_on=TODAY, today=TODAY)  # fmt: skip
            for event, payload in (
                ("complete_materials", {}),
                ("record_visit", {"visitors": "经办人", "findings": "属实"}),
                ("request_verification", {}),
            ):
                case = case_act(actor=cw, case=case, event=event, payload=payload, today=TODAY)
        with using_scope(Scope(townships[0][:6])):
            case = case_act(actor=verifier, case=case, event="complete_verification", today=TODAY)
        with using_scope(Scope(townships[0])):
            case = case_act(actor=cw, case=case, event="evaluate", today=TODAY)
            evaluation = case.evaluation or {}
            eligible = "dibao" in evaluation.get("categories", []) and evaluation.get(
                "monthly_benefit"
            ) not in (None, "0.00")
            proposal = (
                {"proposal": "approve"} if eligible else {"proposal": "refuse", "opinion": "不符合"}
            )
            case = case_act(actor=cw, case=case, event="propose", payload=proposal, today=TODAY)
            if eligible:
                case = case_act(actor=cw, case=case, event="post_notice", today=TODAY)
                case = case_act(actor=cw, case=case, event="close_notice", today=case.notice_to)
                case = case_act(actor=leader, case=case, event="approve", today=case.notice_to)
            else:
                case = case_act(actor=cw, case=case, event="skip_notice", today=TODAY)
                case = case_act(
                    actor=leader,
                    case=case,
                    event="refuse",
                    payload={"reason": "收入超标"},
                    today=TODAY,
                )
        decided += 1
    elapsed = time.perf_counter() - started
    print(json.dumps({"worker": worker, "cases": decided, "seconds": elapsed}))


def worklist(n_open: int) -> None:
    from django.db import connection
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from jiuzhu.cases.flows import TERMINAL
    from jiuzhu.cases.models import Case
    from jiuzhu.regions.scope import system_scope
    from jiuzhu.registry.models import Household

    township = "440104002"
    people = _people(township)
    cw = people["cw"]
    with system_scope():
        households = list(
            Household.objects.filter(region_code__startswith=township).values_list(
                "id", "region_code"
            )[:5000]
        )
        states = [
            "accepted",
            "materials_complete",
            "investigated",
            "verifying",
            "ready",
            "in_notice",
        ]
        existing = Case.unscoped.filter(township_code=township).count()
        rows = [
            Case(
                number=f"{township}-2026-B{existing + i:07d}", kind="dibao",
                state=states[i % len(states)], household_id=households[i % len(households)][0],
                region_code=households[i % len(households)][1], township_code=township,
                channel="window", applied_on=TODAY, accepted_by=cw,
                checklist=COMPLETE, due_on=TODAY + dt.timedelta(days=i % 90), synthetic=True,
            )
            for i in range(n_open - existing)
        ]  # fmt: skip
        Case.unscoped.bulk_create(rows, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    device = TOTPDevice.objects.get_or_create(user=cw, name="bench", defaults={"confirmed": True})[
        0
    ]
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(cw)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    times = []
    for i in range(60):
        started = time.perf_counter()
        response = client.get("/cases/", {"page": str(1 + i % 5)})
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    times = sorted(times[10:])
    still_open = Case.unscoped.filter(township_code=township).exclude(state__in=TERMINAL)
    print(json.dumps({
        "open_cases": still_open.count(),
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": times[int(len(times) * 0.95)] * 1000,
    }))  # fmt: skip


if __name__ == "__main__":
    django.setup()
    if sys.argv[1] == "drive":
        drive(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    else:
        worklist(int(sys.argv[2]))
