"""Households, members, supporters and effective-dated facts.

Every row carries the `region_code` of its household, so the area scope is one prefix filter
(regions/scope.py) applied by the default manager. Facts that change over time are dated
(`valid_from`, `valid_to` inclusive, open when null): a household can be seen as of any day.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiuzhu.regions.scope import ScopedManager


class Residence(models.TextChoices):
    URBAN = "urban", _("城镇")
    RURAL = "rural", _("农村")


class HukouType(models.TextChoices):
    LOCAL = "local", _("本地户籍")
    RESIDENCE_PERMIT = "residence_permit", _("居住证")


class Sex(models.TextChoices):
    FEMALE = "female", _("女")
    MALE = "male", _("男")


class DisabilityKind(models.TextChoices):
    PHYSICAL = "physical", _("肢体")
    VISUAL = "visual", _("视力")
    HEARING = "hearing", _("听力")
    SPEECH = "speech", _("言语")
    INTELLECTUAL = "intellectual", _("智力")
    MENTAL = "mental", _("精神")
    MULTIPLE = "multiple", _("多重")


class SelfCare(models.TextChoices):
    FULL = "full", _("具备生活自理能力")
    PARTIAL = "partial", _("部分丧失生活自理能力")
    NONE = "none", _("完全丧失生活自理能力")


class Schooling(models.TextChoices):
    PRESCHOOL = "preschool", _("学前教育")
    COMPULSORY = "compulsory", _("义务教育")
    HIGH_SCHOOL = "high_school", _("普通高中")
    SECONDARY_VOCATIONAL = "secondary_vocational", _("中等职业教育")
    HIGHER = "higher", _("高等教育")


class Employment(models.TextChoices):
    EMPLOYED = "employed", _("在业")
    UNEMPLOYED = "unemployed", _("失业")
    RETIRED = "retired", _("退休")
    STUDENT = "student", _("在校学生")
    OTHER = "other", _("其他")


class IncomeKind(models.TextChoices):
    WAGES = "wages", _("工资性收入")
    BUSINESS = "business", _("经营净收入")
    PROPERTY = "property", _("财产净收入")
    TRANSFER = "transfer", _("转移净收入")
    BASIC_PENSION = "basic_pension", _("城乡居民基础养老金")
    OTHER = "other", _("其他收入")


class HouseholdFactKind(models.TextChoices):
    FINANCIAL = "financial", _("金融资产（元）")
    VEHICLES = "vehicles", _("机动车（辆）")
    HOMES = "homes", _("住房（套）")
    BUSINESS_REGISTRATIONS = "business_registrations", _("市场主体登记（个）")
    MEDICAL = "medical", _("月医疗刚性支出（元）")
    EDUCATION = "education", _("月教育刚性支出（元）")
    DISABILITY = "disability", _("月残疾刚性支出（元）")
    EMPLOYMENT_COSTS = "employment_costs", _("月必要就业成本（元）")


COUNT_KINDS = frozenset({"vehicles", "homes", "business_registrations"})


def region_index(model: str) -> models.Index:
    """A prefix index on region_code: `startswith` needs text_pattern_ops on PostgreSQL."""
    return models.Index(
        fields=["region_code"], name=f"{model}_region_prefix", opclasses=["text_pattern_ops"]
    )


class Household(models.Model):
    number = models.CharField(_("家庭编号"), max_length=24, unique=True)
    region_code = models.CharField(_("区划代码"), max_length=12)
    residence = models.CharField(_("城乡类别"), max_length=8, choices=Residence.choices)
    address = models.CharField(_("居住地址"), max_length=200)
    hukou_type = models.CharField(
        _("户籍类型"), max_length=20, choices=HukouType.choices, default=HukouType.LOCAL
    )
    synthetic = models.BooleanField(_("合成数据"), default=False)
    closed_on = models.DateField(_("注销日期"), null=True, blank=True)
    # set by the retention job (SECURITY.md 25): names, ID numbers, addresses and phones
    # erased, birth dates kept to the year, region and category kept for statistics
    anonymised_on = models.DateField(_("匿名化日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("家庭")
        verbose_name_plural = _("家庭")
        base_manager_name = "unscoped"
        indexes = [region_index("household")]

    def __str__(self) -> str:
        return self.number


class Member(models.Model):
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="members")
    region_code = models.CharField(_("区划代码"), max_length=12)
    name = models.CharField(_("姓名"), max_length=50)
    id_cipher = models.BinaryField(_("身份证号（加密）"))
    id_hash = models.CharField(max_length=64, db_index=True)
    id_masked = models.CharField(_("身份证号"), max_length=18)
    birth_date = models.DateField(_("出生日期"))
    sex = models.CharField(_("性别"), max_length=6, choices=Sex.choices)
    relation = models.CharField(_("与户主关系"), max_length=20)
    disability_kind = models.CharField(
        _("残疾类别"), max_length=16, choices=DisabilityKind.choices, blank=True
    )
    disability_grade = models.PositiveSmallIntegerField(_("残疾等级"), null=True, blank=True)
    serious_illness = models.BooleanField(_("重病"), default=False)
    self_care = models.CharField(
        _("生活自理能力"), max_length=8, choices=SelfCare.choices, default=SelfCare.FULL
    )
    schooling = models.CharField(
        _("在读阶段"), max_length=24, choices=Schooling.choices, blank=True
    )
    employment = models.CharField(
        _("就业状况"), max_length=12, choices=Employment.choices, default=Employment.OTHER
    )
    unemployed_since = models.DateField(_("失业日期"), null=True, blank=True)
    left_school_on = models.DateField(_("离校日期"), null=True, blank=True)
    landless = models.BooleanField(_("失地农牧民"), default=False)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    joined_on = models.DateField(_("加入家庭日期"))
    left_on = models.DateField(_("离开家庭日期"), null=True, blank=True)

    objects = ScopedManager()
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        base_manager_name = "unscoped"
        ordering = ["household_id", "id"]
        indexes = [
            region_index("member"),
            # name search is a prefix search: LIKE 'x%' needs text_pattern_ops on PostgreSQL
            models.Index(
                fields=["name"], name="member_name_prefix", opclasses=["text_pattern_ops"]
            ),
        ]
        constraints = [
            # one ID number belongs to one active household (deduplication)
            models.UniqueConstraint(
                fields=["id_hash"], condition=Q(left_on__isnull=True), name="one_active_membership"
            ),
            models.CheckConstraint(
                condition=Q(disability_grade__isnull=True)
                | Q(disability_grade__gte=1, disability_grade__lte=4),
                name="disability_grade_1_to_4",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="member_left_after_joined",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.id_masked}）"


class Supporter(models.Model):
    """A legal supporter living elsewhere (法定赡养抚养扶养义务人), for C-01/C-03."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="supporters")
    region_code = models.CharField(max_length=12)
    name = models.CharField(_("姓名"), max_length=50)
    relation = models.CharField(_("关系"), max_length=20)
    able = models.BooleanField(_("有履行能力"), null=True, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    monthly_income = models.DecimalField(_("月收入"), max_digits=12, decimal_places=2, default=0)
    assets_within_low_income_rules = models.BooleanField(_("财产符合低收入家庭规定"), default=False)

    objects = ScopedManager()
    unscoped = models.Manager()

    class Meta:
        base_manager_name = "unscoped"
        indexes = [region_index("supporter")]


class DatedFact(models.Model):
    region_code = models.CharField(max_length=12)
    amount = models.DecimalField(_("金额/数量"), max_digits=14, decimal_places=2)
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("截止日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    unscoped = models.Manager()

    class Meta:
        abstract = True
        base_manager_name = "unscoped"


class IncomeFact(DatedFact):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="incomes")
    kind = models.CharField(_("收入类别"), max_length=16, choices=IncomeKind.choices)

    class Meta(DatedFact.Meta):
        verbose_name = _("收入")
        indexes = [region_index("incomefact"), models.Index(fields=["member", "kind"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="income_not_negative"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="income_dates_in_order",
            ),
        ]


class HouseholdFact(DatedFact):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="facts")
    kind = models.CharField(_("类别"), max_length=24, choices=HouseholdFactKind.choices)

    class Meta(DatedFact.Meta):
        verbose_name = _("家庭财产与支出")
        indexes = [region_index("householdfact"), models.Index(fields=["household", "kind"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="household_fact_not_negative"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="household_fact_dates_in_order",
            ),
        ]
