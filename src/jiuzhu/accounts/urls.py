from django.urls import path

from jiuzhu.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("verify/", views.verify, name="verify"),
    path("logout/", views.sign_out, name="logout"),
]
