"""Sign-in in two steps for staff: password (with lockout, django-axes), then TOTP
(django-otp). Until the second step no other page answers (SECURITY.md 7, 8)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.forms import OTPTokenForm

from jiuzhu.accounts.selectors import demo_accounts


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["demo_accounts"] = demo_accounts() if settings.DEMO_MODE else []
        return context

    def get_success_url(self) -> str:
        user = self.request.user
        if getattr(user, "is_staff_role", False):
            return reverse("accounts:verify")
        return super().get_success_url()


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The second factor: a 6-digit code from the user's authenticator app."""
    user = request.user
    if user.is_verified():  # type: ignore[union-attr]
        return HttpResponseRedirect(reverse("web:home"))
    data = request.POST.copy() if request.method == "POST" else None
    if data is not None and not data.get("otp_device"):
        # one authenticator per person: the form need not ask which one
        device = next(iter(devices_for_user(user, confirmed=True)), None)
        if device is not None:
            data["otp_device"] = device.persistent_id
    form = OTPTokenForm(user, request, data=data)
    if request.method == "POST" and form.is_valid():
        otp_login(request, form.get_user().otp_device)  # type: ignore[attr-defined]
        request.session.cycle_key()
        return HttpResponseRedirect(reverse("web:home"))
    return render(request, "accounts/verify.html", {"form": form, "demo_code": _demo_code(user)})


def _demo_code(user: Any) -> str:
    """Demo mode only, demo accounts only: the current code, so a newcomer can sign in."""
    if not settings.DEMO_MODE or not getattr(user, "demo", False):
        return ""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}" if device else ""


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return HttpResponseRedirect(reverse("accounts:login"))
