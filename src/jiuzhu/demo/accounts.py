"""Demo accounts, one per role, in the two demo counties. They exist only in demo mode and
the login page says so (SECURITY.md 10); their TOTP devices are ordinary TOTP devices."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiuzhu.accounts.models import User
from jiuzhu.accounts.roles import Role
from jiuzhu.audit.services import audit_record
from jiuzhu.regions.models import Region

DEMO_PASSWORD = "jiuzhu-demo-2026"  # ≥ 12 characters; demo mode only


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    area: str
    name: str
    department: str = ""


GD_COUNTY, IM_COUNTY = "440104", "150102"  # 广州市越秀区, 呼和浩特市新城区
DEMO_ACCOUNTS = (
    DemoAccount("gd-caseworker", Role.TOWNSHIP_CASEWORKER, f"{GD_COUNTY}001", "越秀合成街道经办人"),
    DemoAccount("gd-assistant", Role.VILLAGE_ASSISTANT, f"{GD_COUNTY}001001", "合成社区协理员"),
    DemoAccount("gd-leader", Role.TOWNSHIP_LEADER, f"{GD_COUNTY}001", "越秀合成街道审批人"),
    DemoAccount("gd-county", Role.COUNTY_OFFICER, GD_COUNTY, "越秀区民政干部"),
    DemoAccount("gd-verifier", Role.VERIFICATION_OFFICER, GD_COUNTY, "越秀区核对人员"),
    DemoAccount("gd-city", Role.COUNTY_OFFICER, "440100", "广州市民政局干部（复核）"),
    DemoAccount("gd-department", Role.DEPARTMENT_OFFICER, GD_COUNTY, "越秀区医保局人员", "medical"),
    DemoAccount("gd-auditor", Role.AUDITOR, "440100", "广州市审计人员"),
    DemoAccount("im-caseworker", Role.TOWNSHIP_CASEWORKER, f"{IM_COUNTY}001", "新城合成街道经办人"),
    DemoAccount("im-leader", Role.TOWNSHIP_LEADER, f"{IM_COUNTY}001", "新城合成街道审批人"),
    DemoAccount("im-county", Role.COUNTY_OFFICER, IM_COUNTY, "新城区民政干部"),
    DemoAccount("im-verifier", Role.VERIFICATION_OFFICER, IM_COUNTY, "新城区核对人员"),
    DemoAccount("sysadmin", Role.SYSTEM_ADMIN, "000000", "系统管理员"),
    DemoAccount("secadmin", Role.SECURITY_ADMIN, "000000", "安全管理员"),
    DemoAccount("auditadmin", Role.AUDIT_ADMIN, "000000", "审计管理员"),
    DemoAccount("applicant", Role.APPLICANT, f"{GD_COUNTY}001001", "申请人（演示）"),
)


@transaction.atomic(durable=True)
def demo_accounts_create() -> list[User]:
    """Create the demo accounts that are missing, each with a TOTP device."""
    created = []
    for spec in DEMO_ACCOUNTS:
        if User.objects.filter(username=spec.username).exists():
            continue
        user = User.objects.create_user(
            username=spec.username,
            password=DEMO_PASSWORD,
            role=spec.role,
            area=Region.objects.get(code=spec.area),
            display_name=spec.name,
            department=spec.department,
            demo=True,
        )
        TOTPDevice.objects.create(user=user, name="demo", confirmed=True)
        created.append(user)
    if created:
        audit_record(
            actor=None,
            action="demo.accounts",
            object_type="user",
            object_id="demo",
            new={"created": [u.username for u in created]},
        )
    return created
