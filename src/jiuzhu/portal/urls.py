"""The applicant's pages, mounted at /me/."""

from django.urls import path

from jiuzhu.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("apply/", views.apply, name="apply"),
    path("report-change/", views.report_change, name="report_change"),
    path("cases/<int:case_id>/letters/<slug:letter>.pdf", views.letter_pdf, name="letter_pdf"),
]
