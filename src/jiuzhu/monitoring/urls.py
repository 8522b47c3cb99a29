"""Monitoring pages, mounted at /monitoring/."""

from django.urls import path

from jiuzhu.monitoring import hotline_views, views

app_name = "monitoring"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("tasks/", views.task_list, name="tasks"),
    path("tasks/<int:task_id>/", views.task_detail, name="task"),
    path("households/<int:household_id>/", views.timeline, name="timeline"),
    path("hotline/", hotline_views.call_list, name="hotline"),
    path("hotline/new/", hotline_views.call_new, name="hotline_new"),
    path("hotline/<int:call_id>/", hotline_views.call_detail, name="hotline_call"),
]
