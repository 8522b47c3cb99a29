from django.urls import path

from jiuzhu.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.events, name="events"),
    path("access/", views.access, name="access"),
]
