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


def _work(n: int, worker: int, workers: int) -> list[tuple[str, list[object], dict[str, object]]]:
    """This worker's townships (every other one), each with its households that have no case
    yet and its own caseworker, leader and verifier, until `n` households."""
    from jiuzhu.regions.models import Region
    from jiuzhu.regions.scope import system_scope
    from jiuzhu.registry.models import Household

    townships = [
        r.code
        for r in Region.objects.filter(code__startswith="440104", level="township").order_by("code")
    ][worker::workers]
    out: list[tuple[str, list[object], dict[str, object]]] = []
    for township in townships:
        with system_scope():
            households: list[object] = list(
                Household.objects.filter(region_code__startswith=township)
                .exclude(cases__isnull=False)
                .order_by("id")[:n]
            )
        if households:
            out.append((township, households, _people(township)))
            n -= len(households)
        if n <= 0:
            break
    return out


def _eligible(evaluation: dict[str, object] | None) -> bool:
    evaluation = evaluation or {}
    return "dibao" in evaluation.get("categories", []) and evaluation.get(  # type: ignore[operator]
        "monthly_benefit"
    ) not in (None, "0.00")


def drive(n: int, worker: int, workers: int) -> None:
    """One transaction per step and case, as a caseworker clicks through one case."""
    from jiuzhu.cases.services import case_act, case_create
    from jiuzhu.regions.scope import Scope, using_scope

    work = _work(n, worker, workers)
    started = time.perf_counter()
    decided = 0
    for township, household, people in ((t, h, p) for t, households, p in work for h in households):
        cw, leader, verifier = people["cw"], people["leader"], people["verifier"]
        with using_scope(Scope(township)):
            case = case_create(actor=cw, household=household, kind="dibao", checklist=COMPLETE,
                               authorization_on=TODAY, today=TODAY)  # fmt: skip
            for event, payload in (
                ("complete_materials", {}),
                ("record_visit", {"visitors": "经办人", "findings": "属实"}),
                ("request_verification", {}),
            ):
                case = case_act(actor=cw, case=case, event=event, payload=payload, today=TODAY)
        with using_scope(Scope(township[:6])):
            case = case_act(actor=verifier, case=case, event="complete_verification", today=TODAY)
        with using_scope(Scope(township)):
            case = case_act(actor=cw, case=case, event="evaluate", today=TODAY)
            eligible = _eligible(case.evaluation)
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
                case = case_act(actor=leader, case=case, event="refuse",
                                payload={"reason": "收入超标"}, today=TODAY)  # fmt: skip
        decided += 1
    elapsed = time.perf_counter() - started
    print(json.dumps({"worker": worker, "cases": decided, "seconds": elapsed}))


def drive_batch(n: int, worker: int, workers: int, chunk: int = 1000) -> None:
    """The same steps through the batch services (case_create_many, case_act_many): one
    transaction per step for `chunk` cases, as a township works a list."""
    from jiuzhu.cases.models import Case
    from jiuzhu.cases.services import Intake, case_act_many, case_create_many
    from jiuzhu.regions.scope import Scope, using_scope

    work = _work(n, worker, workers)
    started = time.perf_counter()
    decided = refused_total = 0

    def step(actor: object, ids: list[int], event: str, day: dt.date = TODAY,
             **payload: object) -> list[object]:  # fmt: skip
        nonlocal refused_total
        done, refused = case_act_many(actor=actor, case_ids=ids, event=event, payload=payload,
                                      today=day)  # fmt: skip
        refused_total += len(refused)
        return done

    chunks = [
        (township, households[at : at + chunk], people)
        for township, households, people in work
        for at in range(0, len(households), chunk)
    ]
    for township, part, people in chunks:
        cw, leader, verifier = people["cw"], people["leader"], people["verifier"]
        with using_scope(Scope(township)):
            cases, _ = case_create_many(
                actor=cw,
                intakes=[
                    Intake(household=h, kind="dibao", checklist=COMPLETE, authorization_on=TODAY)
                    for h in part
                ],
                today=TODAY,
            )
            ids = [c.id for c in cases]
            step(cw, ids, "complete_materials")
            step(cw, ids, "record_visit", visitors="经办人", findings="属实")
            step(cw, ids, "request_verification")
        with using_scope(Scope(township[:6])):
            step(verifier, ids, "complete_verification")
        with using_scope(Scope(township)):
            evaluated = step(cw, ids, "evaluate")
            yes = [c.id for c in evaluated if _eligible(c.evaluation)]  # type: ignore[attr-defined]
            no = [c.id for c in evaluated if not _eligible(c.evaluation)]  # type: ignore[attr-defined]
            step(cw, yes, "propose", proposal="approve")
            step(cw, no, "propose", proposal="refuse", opinion="不符合")
            step(cw, yes, "post_notice")
            step(cw, no, "skip_notice")
            notice_to = max(
                Case.objects.filter(id__in=yes).values_list("notice_to", flat=True), default=TODAY
            )
            step(cw, yes, "close_notice", notice_to)
            decided += len(step(leader, yes, "approve", notice_to))
            decided += len(step(leader, no, "refuse", reason="收入超标"))
    elapsed = time.perf_counter() - started
    print(json.dumps({"worker": worker, "cases": decided, "seconds": elapsed,
                      "refused": refused_total}))  # fmt: skip


def departments() -> None:
    """The departments' deliveries for the bench population (a month apart, the second on
    the bench's day), so verifications read real records (jiuzhu.synthetic.departments)."""
    import tempfile
    from pathlib import Path

    from jiuzhu.demo.departments import seed_departments
    from jiuzhu.regions.scope import system_scope

    started = time.perf_counter()
    with system_scope("bench"):
        summary = seed_departments(
            [TODAY - dt.timedelta(days=30), TODAY],
            Path(tempfile.mkdtemp(prefix="jiuzhu-bench-departments-")),
            showcase=None,
        )
    print(json.dumps({"records": summary["records"], "seconds": time.perf_counter() - started}))


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
    elif sys.argv[1] == "departments":
        departments()
    elif sys.argv[1] == "drive-batch":
        drive_batch(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    else:
        worklist(int(sys.argv[2]))
