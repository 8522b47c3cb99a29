"""Django app configuration for benefits (entitlements and payments, issue #6)."""

from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "jiuzhu.benefits"
    verbose_name = "待遇与发放"

    def ready(self) -> None:
        from jiuzhu.benefits.entitlements import entitlements_from_decisions
        from jiuzhu.benefits.review_outcomes import entitlements_from_reviews
        from jiuzhu.cases.batch import ON_APPROVED

        for hook in (entitlements_from_decisions, entitlements_from_reviews):
            if hook not in ON_APPROVED:
                ON_APPROVED.append(hook)

        from jiuzhu.audit.checkpoints import register_ledger
        from jiuzhu.benefits.models import Correction, EntitlementChange, Posting, Repayment

        for name, model in (
            ("postings", Posting),
            ("entitlement_changes", EntitlementChange),
            ("corrections", Correction),
            ("repayments", Repayment),
        ):
            register_ledger(name, model)
