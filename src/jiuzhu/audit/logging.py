"""A logging filter that masks Chinese ID numbers and bank card numbers in every record
(SECURITY.md 22: logs contain no full ID number)."""

from __future__ import annotations

import logging
import re

ID_NUMBER = re.compile(r"(?<!\d)(\d{6})(\d{8})(\d{3}[\dXx])(?!\d)")
CARD_NUMBER = re.compile(r"(?<!\d)(\d{4})\d{8,11}(\d{4})(?!\d)")


def mask_text(text: str) -> str:
    text = ID_NUMBER.sub(lambda m: m.group(1) + "********" + m.group(3)[-4:], text)
    return CARD_NUMBER.sub(lambda m: m.group(1) + "********" + m.group(2), text)


class MaskPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True
