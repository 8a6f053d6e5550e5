"""The reports: HFS staff's reports page and its spreadsheets, the monthly MCO summary, the
MCO scorecard, publishing the public report (every view declares its rule, portal.access)."""

from django.urls import path

from reports.views import hfs, mco, public

urlpatterns = [
    path("", hfs.reports_page, name="reports"),
    path("export/<slug:table>.xlsx", hfs.report_export, name="report_export"),
    path("monthly/", hfs.monthly_summary, name="report_monthly"),
    path("monthly.pdf", hfs.monthly_summary_pdf, name="report_monthly_pdf"),
    path("publish/", public.publish, name="report_publish"),
    path("scorecard/", mco.scorecard, name="scorecard"),
    path("scorecard/export/<slug:table>.xlsx", mco.scorecard_export, name="scorecard_export"),
]
