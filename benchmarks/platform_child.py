"""Run inside the bench database's Django (see platform_pg.py): time the household search
and create an API token for the load test. Prints one JSON line."""

from __future__ import annotations

import json
import random
import statistics
import time

import django


def main() -> None:
    django.setup()
    from django.db import connection

    from jiuzhu.accounts.models import User
    from jiuzhu.accounts.services import api_token_create
    from jiuzhu.demo.bulk_load import GIVEN, SURNAMES
    from jiuzhu.regions.models import Region
    from jiuzhu.regions.scope import Scope, system_scope, using_scope
    from jiuzhu.registry.models import Household
    from jiuzhu.registry.selectors import households_search

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    rng = random.Random(3)
    times = []
    with using_scope(Scope("440104")):
        for _ in range(300):
            prefix = rng.choice(SURNAMES) + rng.choice(GIVEN)
            started = time.perf_counter()
            found = households_search(text=prefix)
            found.count()
            list(found[:50])
            times.append(time.perf_counter() - started)
    times = sorted(times[20:])  # the first queries warm the caches
    county = Region.objects.get(code="440104")
    user = User.objects.create_user(
        username="bench-county", password="bench-password-0123", role="county_officer", area=county
    )
    with system_scope():
        ids = list(
            Household.objects.filter(region_code__startswith="440104").values_list("id", flat=True)[
                :5000
            ]
        )
        _, token = api_token_create(actor=user, user=user, name="bench")
    result = {
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": times[int(len(times) * 0.95)] * 1000,
        "token": token,
        "ids": ids,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
