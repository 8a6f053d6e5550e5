"""URL configuration. Every view declares its access rule (portal.access)."""

from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from portal.views import audit, home, people, public, reference

# The admin signs in through allauth (with two-step verification), never its own form.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Provider Resolution Portal administration"

urlpatterns = [
    path("", public.landing, name="landing"),
    path("healthz", public.healthz, name="healthz"),
    path("home/", public.home, name="home"),
    path("home/provider/", home.provider_home, name="provider_home"),
    path("home/provider/waiting/", home.provider_waiting, name="provider_waiting"),
    path("home/hfs/", home.hfs_home, name="hfs_home"),
    path("home/welcome/", home.no_role_home, name="no_role_home"),
    path("account/", home.account_settings, name="account_settings"),
    path("people/", people.people_list, name="people_list"),
    path("people/invite/", people.invite, name="people_invite"),
    path(
        "people/<int:pk>/deactivate/",
        people.set_active,
        {"active": False},
        name="people_deactivate",
    ),
    path(
        "people/<int:pk>/reactivate/",
        people.set_active,
        {"active": True},
        name="people_reactivate",
    ),
    path(
        "invitation/<uidb64>/<token>/", people.accept_invitation, name="accept_invitation"
    ),
    path("audit/", audit.audit_log, name="audit_log"),
    path("audit/export.xlsx", audit.audit_export, name="audit_log_export"),
    path("mcos/", reference.mco_list, name="mco_list"),
    path("mcos/<slug:slug>/edit/", reference.mco_edit, name="mco_edit"),
    path("closures/", include("deadlines.urls")),
    path("calendar/", include("deadlines.feed_urls")),
    path("registration/", include("registration.urls")),
    path("tickets/", include("tickets.urls")),
    path("jobs/", include("jobs.urls")),
    path("api/v1/", include("api.urls")),
    path("api-clients/", include("api.page_urls")),
    path("reports/", include("reports.urls")),
    path("transparency/", include("reports.public_urls")),
    path("accounts/", include("allauth.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
]

handler403 = "portal.views.errors.permission_denied"
handler404 = "portal.views.errors.page_not_found"
handler500 = "portal.views.errors.server_error"
