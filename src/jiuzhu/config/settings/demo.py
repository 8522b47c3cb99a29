"""`make demo`: the embedded SQLite database, demo accounts listed on the login page."""

from __future__ import annotations

from jiuzhu.config.settings.base import *  # noqa: F403

DEMO_MODE = True
