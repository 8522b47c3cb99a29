"""Registry pages, mounted at /households/. No ID number ever appears in a URL."""

from django.urls import path

from jiuzhu.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.search, name="search"),
    path("new/", views.create, name="create"),
    path("validate-id/", views.validate_id, name="validate_id"),
    path("<int:household_id>/", views.detail, name="detail"),
    path("<int:household_id>/edit/", views.edit, name="edit"),
    path("<int:household_id>/members/new/", views.member_add, name="member_add"),
    path("<int:household_id>/facts/new/", views.fact_set, name="fact_set"),
    path("<int:household_id>/evaluate/", views.evaluate, name="evaluate"),
    path("<int:household_id>/audit/", views.audit, name="audit"),
    path("members/<int:member_id>/edit/", views.member_edit, name="member_edit"),
    path("members/<int:member_id>/move/", views.member_move, name="member_move"),
    path("members/<int:member_id>/incomes/new/", views.income_set, name="income_set"),
    path("members/<int:member_id>/reveal-id/", views.reveal_id, name="reveal_id"),
]
