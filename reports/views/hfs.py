"""HFS portal staff: the reports page (SPEC §6), its spreadsheets, and the monthly MCO
performance summary (a print-styled page and a PDF)."""

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from portal import access, audit
from portal.access import Role
from portal.forms import PortalForm, ReferenceChoiceField
from portal.models import MCO
from reports import monthly
from reports.forms import parse_month
from reports.views.common import REPORT, export_table, filter_form, render_report

hfs_staff = access.for_roles(Role.HFS)


@hfs_staff
def reports_page(request):
    form = filter_form(request)
    return render_report(request, form, template="reports/hfs.html", export_name="report_export",
                         extra={"monthly_form": MonthlySummaryForm(initial={
                             "month": f"{timezone.localdate():%Y-%m}"})})


@hfs_staff
def report_export(request, table):
    return export_table(request, filter_form(request), table, title_prefix="HFS report",
                        filename_prefix="hfs-report")


class MonthlySummaryForm(PortalForm):
    mco = ReferenceChoiceField(
        label="MCO", queryset=MCO.objects.order_by("name"), to_field_name="slug",
        empty_label="- Select -",
        error_messages={"invalid_choice": "MCO: choose one of the MCOs in the list."})
    month = forms.CharField(label="Month", widget=forms.TextInput(attrs={"type": "month"}),
                            help_text="Month and year, for example 2027-01.")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "monthly_%s")  # apart from the report filters' ids
        super().__init__(*args, **kwargs)

    def clean_month(self):
        month = parse_month(self.cleaned_data["month"])
        if month is None:
            raise forms.ValidationError("Month: enter a month and year like 2027-01.")
        return month


@hfs_staff
def monthly_summary(request):
    """One MCO's performance in one month, printable (attachable to a sanction letter)."""
    form = MonthlySummaryForm(request.GET or None)
    if not form.is_bound or not form.is_valid():
        return render(request, "reports/monthly_pick.html", {"form": form},
                      status=400 if form.is_bound else 200)
    summary = monthly.summary(form.cleaned_data["mco"], form.cleaned_data["month"])
    return render(request, "reports/monthly.html", {"summary": summary,
                                                    "query": request.GET.urlencode()})


@hfs_staff
def monthly_summary_pdf(request):
    form = MonthlySummaryForm(request.GET or None)
    if not form.is_bound or not form.is_valid():
        return render(request, "reports/monthly_pick.html", {"form": form}, status=400)
    mco, month = form.cleaned_data["mco"], form.cleaned_data["month"]
    summary = monthly.summary(mco, month)
    data = monthly.pdf(summary)
    name = f"{mco.slug}-performance-{month:%Y-%m}.pdf"
    audit.write(user=request.user, action="download", object_type=REPORT, object_id=None,
                detail=f"{name}: {mco.name}, {month:%B %Y} performance summary", status=200)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
