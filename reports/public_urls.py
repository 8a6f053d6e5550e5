"""The public transparency report: no sign-in (portal.access.public)."""

from django.urls import path

from reports.views import public

urlpatterns = [
    path("", public.transparency, name="transparency"),
    path("report.csv", public.transparency_csv, name="transparency_csv"),
    path("data-dictionary/", public.data_dictionary, name="transparency_dictionary"),
]
