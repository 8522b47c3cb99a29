"""Sign-in in two steps for staff: password (with lockout, django-axes), then TOTP
(django-otp). Until the second step no other page answers (SECURITY.md 7, 8)."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.forms import OTPTokenForm

from jiuzhu.accounts.models import User
from jiuzhu.accounts.selectors import api_tokens_visible_to, demo_accounts
from jiuzhu.accounts.services import AccountError, api_token_revoke


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


def _staff_verified(request: HttpRequest) -> bool:
    """/accounts/ pages are open before the second factor; this one is not (SECURITY.md 8)."""
    user = request.user
    return not getattr(user, "is_staff_role", False) or bool(user.is_verified())  # type: ignore[union-attr]


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    """The API tokens a person may see: their own, and a manager's area's; when each ends."""
    if not _staff_verified(request):
        return HttpResponseRedirect(reverse("accounts:verify"))
    user = cast(User, request.user)
    rows = list(api_tokens_visible_to(user)[:500])
    now = timezone.now()
    return render(
        request,
        "accounts/tokens.html",
        {
            "tokens": [(t, t.is_usable(now)) for t in rows],
            "days": settings.JIUZHU_API_TOKEN_DAYS,
        },
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    if not _staff_verified(request):
        return HttpResponseRedirect(reverse("accounts:verify"))
    user = cast(User, request.user)
    token = api_tokens_visible_to(user).filter(id=token_id).first()
    if token is None:
        raise Http404
    try:
        api_token_revoke(actor=user, token=token)
    except AccountError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("令牌 %(prefix)s… 已吊销") % {"prefix": token.prefix})
    return HttpResponseRedirect(reverse("accounts:tokens"))
