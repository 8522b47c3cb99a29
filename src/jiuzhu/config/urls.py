"""URLs of the platform: pages, the API under /api/v1/, health check."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("jiuzhu.accounts.urls")),
    path("api/v1/", include("jiuzhu.api.urls")),
    path("households/", include("jiuzhu.registry.urls")),
    path("audit/", include("jiuzhu.audit.urls")),
    path("cases/", include("jiuzhu.cases.urls")),
    path("me/", include("jiuzhu.portal.urls")),
    path("monitoring/", include("jiuzhu.monitoring.urls")),
    path("payments/", include("jiuzhu.benefits.urls")),
    path("", include("jiuzhu.web.urls")),
]

handler404 = "jiuzhu.web.views.not_found"
handler500 = "jiuzhu.web.views.server_error"
