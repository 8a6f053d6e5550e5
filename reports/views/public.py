"""The public transparency report (no sign-in): the published quarter as a page and as a
CSV, and its data dictionary; and the HFS page that publishes a quarter."""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from portal import access
from portal.access import Role
from portal.forms import PortalForm
from reports import metrics, public
from reports.models import PublishedReport
from reports.suppression import THRESHOLD


def _published(request):
    quarter = request.GET.get("quarter") or None
    version = request.GET.get("version") or ""
    if quarter is not None and public.parse_quarter(quarter) is None:
        raise Http404("No such quarter.")
    if version:
        if not version.isdigit():
            raise Http404("No such version.")
        report = PublishedReport.objects.filter(quarter=quarter, version=int(version)).first()
    else:
        report = public.latest(quarter)
    if report is None and (quarter or version):
        raise Http404("That quarter has not been published.")
    return report


def _pivot(tables):
    """Rows of the page's tables from the stored snapshot."""
    volumes = tables["volumes"]
    by_mco = [{"name": name, "cells": [v["rows"][i]["total"] for v in volumes]}
              for i, name in enumerate(tables["mcos"])]
    by_mco.append({"name": public.ALL_MCOS, "cells": [v["total"] for v in volumes],
                   "total": True})
    by_type = [{"name": name, "cells": [v["type_totals"][j] for v in volumes]}
               for j, name in enumerate(tables["types"])]
    by_type.append({"name": public.ALL_TYPES, "cells": [v["total"] for v in volumes],
                    "total": True})
    return {"measures": [v["label"] for v in volumes], "by_mco": by_mco, "by_type": by_type}


@access.public
def transparency(request):
    report = _published(request)
    context = {"report": report, "threshold": THRESHOLD,
               "quarters": (PublishedReport.objects.order_by("-quarter")
                            .values_list("quarter", flat=True).distinct())}
    if report is not None:
        context.update(
            tables=report.tables, pivot=_pivot(report.tables),
            computed_at=_moment(report.tables["computed_at"]),
            data_as_of=_moment(report.tables["data_as_of"]),
            versions=PublishedReport.objects.filter(quarter=report.quarter).order_by(
                "-version").values("version", "published_at"),
        )
    return render(request, "reports/public/report.html", context)


def _moment(text):
    import datetime

    return datetime.datetime.fromisoformat(text) if text else None


@access.public
def transparency_csv(request):
    report = _published(request)
    if report is None:
        raise Http404("No quarter has been published yet.")
    response = HttpResponse(public.to_csv(report), content_type="text/csv; charset=utf-8")
    name = f"provider-disputes-{report.quarter}-v{report.version}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@access.public
def data_dictionary(request):
    return render(request, "reports/public/dictionary.html", {
        "volumes": public.VOLUMES, "steps": metrics.STEPS, "threshold": THRESHOLD,
        "columns": public.CSV_COLUMNS,
    })


class PublishForm(PortalForm):
    quarter = forms.ChoiceField(label="Quarter", choices=())

    def __init__(self, *args, quarters=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quarter"].choices = [("", "- Select -")] + [
            (q, f"{public.quarter_label(q)} ({q})") for q in quarters]
        self.fields["quarter"].error_messages["invalid_choice"] = (
            "Quarter: choose one of the quarters in the list.")


@access.for_roles(Role.HFS)
@require_http_methods(["GET", "POST"])
def publish(request):
    quarters = public.ended_quarters(timezone.localdate())
    form = PublishForm(request.POST or None, quarters=quarters)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                report = public.publish(form.cleaned_data["quarter"], by=request.user)
            except public.NotPublishable as refusal:
                form.add_error("quarter", f"Quarter: {refusal}")
            else:
                messages.success(
                    request, f"{public.quarter_label(report.quarter)} is published "
                    f"(version {report.version}). The public report shows it now.")
                return redirect("report_publish")
        status = 400
    published = PublishedReport.objects.select_related("published_by").order_by(
        "-quarter", "-version")[:40]
    return render(request, "reports/publish.html", {"form": form, "published": published},
                  status=status)
