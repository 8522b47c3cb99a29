"""gunicorn's logger with ID numbers and bank card numbers masked in every line, the access
log included (SECURITY.md 22, 24): a full ID number typed into a URL never lands in a log."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from jiuzhu.audit.logging import MaskPersonalData


class MaskingLogger(Logger):  # type: ignore[misc]
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        mask = MaskPersonalData()
        for log in (self.error_log, self.access_log):
            log.addFilter(mask)
            for handler in log.handlers:
                handler.addFilter(mask)
