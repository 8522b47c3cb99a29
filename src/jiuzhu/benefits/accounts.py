"""The payee's bank account: stored as the registry stores ID numbers (AES-GCM ciphertext,
keyed hash, masked form); the clear number is read only to write a bank file
(`bank.batch_export`), and every such read is in the access log (SECURITY.md 2, 20, 23)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from jiuzhu.accounts.roles import Can
from jiuzhu.audit.services import audit_record
from jiuzhu.benefits import errors
from jiuzhu.benefits.models import PayeeAccount
from jiuzhu.registry import errors as registry_errors
from jiuzhu.registry.errors import ServiceError
from jiuzhu.registry.identity import encrypt, id_hash
from jiuzhu.registry.models import Household


def mask_account(number: str) -> str:
    """6222********1234: the first and last four digits stay."""
    return number[:4] + "*" * 8 + number[-4:]


def account_clean(number: str) -> str:
    digits = "".join((number or "").split())
    if not digits.isdigit() or not 8 <= len(digits) <= 30:
        raise ServiceError(errors.ACCOUNT_INVALID, field="account_number")
    return digits


def payee_account_row(
    household: Household, *, holder_name: str, bank_name: str, account_number: str
) -> PayeeAccount:
    """An unsaved account row (for bulk loads such as the demo seed)."""
    number = account_clean(account_number)
    return PayeeAccount(
        household=household,
        region_code=household.region_code,
        holder_name=holder_name.strip()[:50],
        bank_name=bank_name.strip()[:60],
        account_cipher=encrypt(number),
        account_hash=id_hash("bank:" + number),
        account_masked=mask_account(number),
    )


def payee_account_set(
    *, actor: Any, household: Household, holder_name: str, bank_name: str, account_number: str
) -> PayeeAccount:
    """Register or replace the household's account (the audit row holds the masked form)."""
    if actor is None or not actor.can(Can.EDIT_HOUSEHOLDS):
        raise ServiceError(registry_errors.NOT_ALLOWED)
    row = payee_account_row(
        household, holder_name=holder_name, bank_name=bank_name, account_number=account_number
    )
    with transaction.atomic(durable=True):
        visible = Household.objects.filter(id=household.id).exists()
        if not visible:
            raise ServiceError(registry_errors.REGION_OUTSIDE, field="household")
        old = PayeeAccount.unscoped.filter(household=household).first()
        if old is not None:
            row.pk = old.pk
        row.save()
        audit_record(
            actor=actor,
            action="payee_account.set",
            object_type="household",
            object_id=household.id,
            region_code=household.region_code,
            old={"account": old.account_masked} if old else None,
            new={"account": row.account_masked, "bank": row.bank_name},
        )
    return row


def account_hash(number: str) -> str:
    return id_hash("bank:" + "".join((number or "").split()))


def payee_accounts_erase(*, household_ids: list[int]) -> int:
    """Retention (SECURITY.md 25): the bank accounts of anonymised households erased — the
    number, its hash and the holder's name; the bank's name stays. Inside the caller's
    transaction (the registry's anonymisation of the same households)."""
    return PayeeAccount.unscoped.filter(household_id__in=household_ids).update(
        holder_name="已匿名", account_cipher=b"", account_hash="", account_masked="****"
    )
