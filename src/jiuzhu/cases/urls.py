"""Case pages, mounted at /cases/."""

from django.urls import path

from jiuzhu.cases import letters, views
from jiuzhu.verification import views as verification_views

app_name = "cases"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("approvals/", views.approvals, name="approvals"),
    path("approvals/approve/", views.approve_selected, name="approve_selected"),
    path("committee/", views.committee, name="committee"),
    path("referrals/", views.referrals, name="referrals"),
    path("notices/", letters.notice_list, name="notice_list"),
    path("notices.pdf", letters.notice_list_pdf, name="notice_list_pdf"),
    path("new/<int:household_id>/", views.intake, name="intake"),
    path("<int:case_id>/", views.detail, name="detail"),
    path("<int:case_id>/act/<slug:event>/", views.act, name="act"),
    path("<int:case_id>/documents/<int:document_id>/", views.document, name="document"),
    path("<int:case_id>/letters/<slug:letter>/", letters.letter, name="letter"),
    path("<int:case_id>/letters/<slug:letter>.pdf", letters.letter_pdf, name="letter_pdf"),
    path("<int:case_id>/verification/", verification_views.report, name="verification"),
    path("<int:case_id>/verification.pdf", verification_views.report_pdf, name="verification_pdf"),
    path("<int:case_id>/verification/adopt/", verification_views.adopt, name="verification_adopt"),
]
