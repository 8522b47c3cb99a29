"""What each consumer of "who receives what" says of one household on a day (issue 16): the
recipients selector, verify-all's caseload (V-01) and the monitoring register (M-01). They
must agree, and agree with the entitlements."""

from __future__ import annotations

import datetime as dt

from jiuzhu.benefits.recipients import recipients
from jiuzhu.monitoring.register import households_frame
from jiuzhu.regions.scope import system_scope
from jiuzhu.verification import caseload


def category_in_every_consumer(household_id: int, on: dt.date) -> dict[str, str | None]:
    with system_scope("test: recipients in every consumer"):
        selector = recipients(on).filter(household_id=household_id)
        verify_all = caseload.recipients(on, "").filter(household_id=household_id)
        register = households_frame(on).filter(household_id=household_id)
    return {
        "selector": selector["category"].item() if selector.height else None,
        "verify_all": verify_all["category"].item() if verify_all.height else None,
        "register": None if register["category"].item() == "none" else register["category"].item(),
    }


def everywhere(category: str | None) -> dict[str, str | None]:
    return {"selector": category, "verify_all": category, "register": category}
