"""Chinese resident ID numbers (GB 11643): validation, encryption at rest, keyed hash, mask.

The number is stored three ways: AES-GCM ciphertext (key outside the database), an
HMAC-SHA256 for lookup and cross-department matching, and a masked form for display. The
raw column never holds anything that looks like an ID number (SECURITY.md 23).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import os
from dataclasses import dataclass
from functools import cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric
from stdnum.exceptions import InvalidComponent

log = logging.getLogger(__name__)

ERROR_FORMAT = _("身份证号码应为18位，最后一位可以是X")
ERROR_CHECKSUM = _("身份证号码校验位不正确")
ERROR_BIRTH = _("身份证号码中的出生日期不存在")
ERROR_FUTURE = _("身份证号码中的出生日期晚于今天")
ERROR_PLACE = _("身份证号码前两位不是有效的省级行政区划代码")
PROVINCE_CODES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)


class InvalidIdNumber(ValueError):
    """An ID number that fails GB 11643; the message is fit for the user (Chinese)."""


@dataclass(frozen=True)
class IdFacts:
    number: str
    birth_date: dt.date
    sex: str  # "female" | "male"


def parse_id_number(value: str, *, today: dt.date | None = None) -> IdFacts:
    """Validate (length, characters, birth date, check digit) and read birth date and sex."""
    number = (value or "").strip().upper()
    if (
        len(number) != 18
        or not number[:17].isdigit()
        or not (number[17].isdigit() or number[17] == "X")
    ):
        raise InvalidIdNumber(str(ERROR_FORMAT))
    # GB 11643 check digit and birth date through python-stdnum; not stdnum's birth-place
    # table: an ID keeps the code of the first registration, often a code since retired
    if number[17] != ric.calc_check_digit(number):
        raise InvalidIdNumber(str(ERROR_CHECKSUM))
    if number[:2] not in PROVINCE_CODES:
        raise InvalidIdNumber(str(ERROR_PLACE))
    try:
        ric.get_birth_date(number)
    except InvalidComponent:
        raise InvalidIdNumber(str(ERROR_BIRTH)) from None
    birth = ric.get_birth_date(number)
    if birth > (today or dt.date.today()):
        raise InvalidIdNumber(str(ERROR_FUTURE))
    sex = "male" if int(number[16]) % 2 == 1 else "female"
    return IdFacts(number, birth, sex)


def mask_id_number(number: str) -> str:
    """440104********123X: the region and the last four stay, the birth date does not."""
    return number[:6] + "*" * 8 + number[-4:]


@dataclass(frozen=True)
class Keys:
    data: bytes
    hashing: bytes


@cache
def keys() -> Keys:
    """The encryption and hashing keys: from settings (production: the environment), else a
    key file in the data directory created on first use (development and demo only)."""
    data, hashing = settings.JIUZHU_DATA_KEY, settings.JIUZHU_HASH_KEY
    if not data or not hashing:
        if not getattr(settings, "JIUZHU_KEY_FILE_ALLOWED", True):
            raise ImproperlyConfigured("JIUZHU_DATA_KEY and JIUZHU_HASH_KEY are required")
        path = settings.JIUZHU_KEY_FILE
        if not path.exists():
            log.warning("creating development keys in %s (set JIUZHU_DATA_KEY/HASH_KEY)", path)
            fresh = {
                "data": base64.b64encode(os.urandom(32)).decode(),
                "hash": base64.b64encode(os.urandom(32)).decode(),
            }
            path.write_text(json.dumps(fresh))
            path.chmod(0o600)
        stored = json.loads(path.read_text())
        data, hashing = data or stored["data"], hashing or stored["hash"]
    decoded = Keys(base64.b64decode(data), base64.b64decode(hashing))
    if len(decoded.data) != 32 or len(decoded.hashing) < 32:
        raise ImproperlyConfigured("JIUZHU_DATA_KEY must be 32 bytes, JIUZHU_HASH_KEY ≥ 32 bytes")
    return decoded


def id_hash(number: str) -> str:
    """Keyed hash for lookups and matching: equal numbers, equal hashes; no key, no guess."""
    return hmac.new(keys().hashing, number.encode(), hashlib.sha256).hexdigest()


def encrypt(value: str) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(keys().data).encrypt(nonce, value.encode(), b"jiuzhu-pii")


def decrypt(blob: bytes | memoryview) -> str:
    data = bytes(blob)
    return AESGCM(keys().data).decrypt(data[:12], data[12:], b"jiuzhu-pii").decode()


def decrypt_many(blobs: list[bytes]) -> list[str]:
    """`decrypt` of many values with one cipher object (a bank file's million accounts)."""
    cipher = AESGCM(keys().data)
    return [cipher.decrypt(b[:12], b[12:], b"jiuzhu-pii").decode() for b in blobs]
