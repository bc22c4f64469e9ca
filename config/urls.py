from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.urls import include, path, re_path

from tsunagu.api.api import api
from tsunagu.core import views as core_views

admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "つなぐ 管理サイト"
admin.site.site_title = "つなぐ 管理サイト"


@login_not_required
def password_reset_not_offered(request, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Self-service password reset is not offered: the centre manager resets passwords."""
    return render(request, "account/password_reset.html")


urlpatterns = [
    re_path(r"^accounts/password/reset/", password_reset_not_offered, name="account_reset_password"),
    path("", include("tsunagu.dashboard.urls")),
    path("", include("tsunagu.cases.urls")),
    path("accounts/", include("allauth.urls")),
    path("staff/", include("tsunagu.organizations.urls")),
    path("setup/", include("tsunagu.organizations.setup_urls")),
    path("privacy/", include("tsunagu.privacy.urls")),
    path("programs/", include("tsunagu.programs.urls")),
    path("masters/", include("tsunagu.masters.urls")),
    path("referrals/", include("tsunagu.referrals.urls")),
    path("meetings/", include("tsunagu.meetings.urls")),
    path("statistics/", include("tsunagu.statistics.urls")),
    path("imports/", include("tsunagu.imports.urls")),
    path("planning/", include("tsunagu.planning.urls")),
    path("reports/", include("tsunagu.reports.urls")),
    path("handovers/", include("tsunagu.handovers.urls")),
    path("personal-data/", include("tsunagu.personal_data.urls")),
    path("settings/date-style/", core_views.set_date_style, name="set_date_style"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]

handler400 = "tsunagu.core.views.bad_request"
handler403 = "tsunagu.core.views.permission_denied"
handler404 = "tsunagu.core.views.page_not_found"
handler500 = "tsunagu.core.views.server_error"
