"""Roles and what each may do: the one table every permission check reads.

三权分立: the system, security and audit administrators are separate roles; none of them
edits business data, and the auditor only reads (SECURITY.md 5).
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    APPLICANT = "applicant", _("申请人")
    VILLAGE_ASSISTANT = "village_assistant", _("村（社区）协理员")
    TOWNSHIP_CASEWORKER = "township_caseworker", _("乡镇（街道）经办人员")
    TOWNSHIP_LEADER = "township_leader", _("乡镇（街道）审批人员")
    COUNTY_OFFICER = "county_officer", _("县级民政干部")
    VERIFICATION_OFFICER = "verification_officer", _("核对人员")
    DEPARTMENT_OFFICER = "department_officer", _("部门人员")
    AUDITOR = "auditor", _("审计人员")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")


class Can(StrEnum):
    """Capabilities. A view or service asks `user_can(user, Can.X)`, never a role name."""

    VIEW_HOUSEHOLDS = "view_households"
    EDIT_HOUSEHOLDS = "edit_households"
    VIEW_FULL_ID = "view_full_id"
    EVALUATE = "evaluate"
    VIEW_AUDIT = "view_audit"
    MANAGE_USERS = "manage_users"
    MANAGE_SECURITY = "manage_security"
    MANAGE_API_TOKENS = "manage_api_tokens"
    # cases (the workflow tables in cases/flows.py name these)
    HANDLE_CASES = "handle_cases"
    INVESTIGATE = "investigate"
    VERIFY = "verify"
    DECIDE = "decide"
    DECIDE_APPEALS = "decide_appeals"
    PAY_RESERVE = "pay_reserve"
    MANAGE_RESERVE = "manage_reserve"
    HANDLE_REFERRALS = "handle_referrals"
    APPLY_ONLINE = "apply_online"  # an applicant, for their own household only
    # department data for verification (V-02): import files, receive pushes, read batches
    IMPORT_DEPARTMENT_DATA = "import_department_data"
    # benefits (issue #6): entitlements and monthly payments; a batch is approved by someone
    # other than whoever prepared it (F-01); exporting reads the clear bank account numbers
    VIEW_PAYMENTS = "view_payments"
    PREPARE_PAYMENTS = "prepare_payments"
    APPROVE_PAYMENTS = "approve_payments"
    EXPORT_PAYMENTS = "export_payments"
    # monitoring (M-01, M-02): visit a warned household and record the outcome of its task
    HANDLE_WARNINGS = "handle_warnings"


CAPABILITIES: dict[str, frozenset[Can]] = {
    Role.APPLICANT: frozenset({Can.APPLY_ONLINE}),
    Role.VILLAGE_ASSISTANT: frozenset(
        {Can.VIEW_HOUSEHOLDS, Can.EVALUATE, Can.INVESTIGATE, Can.HANDLE_WARNINGS}
    ),
    Role.TOWNSHIP_CASEWORKER: frozenset(
        {
            Can.VIEW_HOUSEHOLDS,
            Can.EDIT_HOUSEHOLDS,
            Can.VIEW_FULL_ID,
            Can.EVALUATE,
            Can.VIEW_AUDIT,
            Can.HANDLE_CASES,
            Can.INVESTIGATE,
            Can.PAY_RESERVE,
            Can.HANDLE_WARNINGS,
        }
    ),
    Role.TOWNSHIP_LEADER: frozenset(
        {Can.VIEW_HOUSEHOLDS, Can.VIEW_FULL_ID, Can.EVALUATE, Can.VIEW_AUDIT, Can.DECIDE}
    ),
    Role.COUNTY_OFFICER: frozenset(
        {
            Can.VIEW_HOUSEHOLDS,
            Can.EDIT_HOUSEHOLDS,
            Can.VIEW_FULL_ID,
            Can.EVALUATE,
            Can.VIEW_AUDIT,
            Can.MANAGE_API_TOKENS,
            Can.HANDLE_CASES,
            Can.DECIDE,
            Can.DECIDE_APPEALS,
            Can.MANAGE_RESERVE,
            Can.VIEW_PAYMENTS,
            Can.PREPARE_PAYMENTS,
            Can.APPROVE_PAYMENTS,
            Can.EXPORT_PAYMENTS,
            Can.HANDLE_WARNINGS,
        }
    ),
    Role.VERIFICATION_OFFICER: frozenset(
        {Can.VIEW_HOUSEHOLDS, Can.VIEW_FULL_ID, Can.VERIFY, Can.IMPORT_DEPARTMENT_DATA}
    ),
    Role.DEPARTMENT_OFFICER: frozenset(
        {Can.VIEW_HOUSEHOLDS, Can.HANDLE_REFERRALS, Can.IMPORT_DEPARTMENT_DATA}
    ),
    Role.AUDITOR: frozenset({Can.VIEW_HOUSEHOLDS, Can.VIEW_AUDIT, Can.VIEW_PAYMENTS}),
    Role.SYSTEM_ADMIN: frozenset({Can.MANAGE_USERS, Can.MANAGE_API_TOKENS}),
    Role.SECURITY_ADMIN: frozenset({Can.MANAGE_SECURITY}),
    Role.AUDIT_ADMIN: frozenset({Can.VIEW_AUDIT}),
}

STAFF_ROLES = frozenset(set(Role) - {Role.APPLICANT})


def capabilities_of(role: str) -> frozenset[Can]:
    return CAPABILITIES.get(role, frozenset())
