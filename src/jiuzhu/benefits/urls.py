"""Payment and standard-adjustment pages, mounted at /payments/."""

from django.urls import path

from jiuzhu.benefits import views

app_name = "benefits"
urlpatterns = [
    path("", views.batches, name="batches"),
    path("run/", views.run, name="run"),
    path("<int:batch_id>/", views.batch, name="batch"),
    path("<int:batch_id>/approve/", views.approve, name="approve"),
    path("<int:batch_id>/export/", views.export, name="export"),
    path("<int:batch_id>/reconcile/", views.reconcile, name="reconcile"),
    path("<int:batch_id>/reissue/", views.reissue, name="reissue"),
    path("<int:batch_id>/cancel/", views.cancel, name="cancel"),
    path("adjustments/", views.adjustment_list, name="adjustments"),
    path("adjustments/prepare/", views.adjustment_prepare, name="adjustment_prepare"),
    path("adjustments/<int:adjustment_id>/", views.adjustment, name="adjustment"),
    path(
        "adjustments/<int:adjustment_id>/approve/",
        views.adjustment_approve,
        name="adjustment_approve",
    ),
    path("adjustments/<int:adjustment_id>/apply/", views.adjustment_apply, name="adjustment_apply"),
    path(
        "adjustments/<int:adjustment_id>/diff.xlsx", views.adjustment_xlsx, name="adjustment_xlsx"
    ),
]
