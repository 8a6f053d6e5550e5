"""What the HFS reports page and the MCO scorecard share: reading the filters, rendering the
report, and exporting one of its tables as .xlsx (portal.exports: text is never a
formula; the export is audited, R-SEC-2)."""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from deadlines.days import short_datetime
from portal import exports
from reports import charts, metrics, tables
from reports.forms import ReportFilterForm, default_months

LIST_IDS = ("overdue", "sanctions", "investigations")
REPORT = "report"  # the audit log's record type of a report export


def filter_form(request, *, with_mco=True):
    """The filter form bound to the query, the default months filled in where none is
    given (so the fields show what the report covers)."""
    data = request.GET.copy()
    first, last = default_months()
    if not data.get("first_month") and not data.get("last_month"):
        data["first_month"], data["last_month"] = f"{first:%Y-%m}", f"{last:%Y-%m}"
    return ReportFilterForm(data, with_mco=with_mco)


def query_without_pages(request):
    query = request.GET.copy()
    for name in LIST_IDS:
        query.pop(f"{name}_page", None)
    return query.urlencode()


def describe(scope, mco_name=None, type_name=None):
    """The scope in words, for the spreadsheet's About sheet and the audit row."""
    months = f"{metrics.month_label(scope.first_month)} to {metrics.month_label(scope.last_month)}"
    parts = [months, mco_name or "all MCOs", type_name or "all complaint types"]
    return ", ".join(parts)


def render_report(request, form, *, template, export_name, extra=None, status=200):
    context = {"form": form, **(extra or {})}
    if not form.is_valid():
        return render(request, template, context, status=400)
    scope = form.scope(**(extra or {}).get("scope_kwargs", {}))
    pages = {name: request.GET.get(f"{name}_page") or 1 for name in LIST_IDS}
    report = tables.build(scope, pages=pages)
    rate_charts = charts.rate_charts(report)
    steps = metrics.steps(scope.for_mco)
    context.update(
        report=report, scope=scope, query=query_without_pages(request),
        volume_charts=charts.volume_charts(report),
        rate_sections=[
            {"chart": chart, "step": step, "table": report[f"on_time_{step.key}"],
             "extended": report["on_time_extended"] if step is metrics.MCO_RESPONSE else None}
            for chart, step in zip(rate_charts, steps, strict=True)],
        median_chart=charts.median_chart(report),
        export_name=export_name,
        lists=[report[name] for name in LIST_IDS if name in report.tables],
    )
    return render(request, template, context, status=status)


def export_table(request, form, table_id, *, title_prefix, filename_prefix, scope_kwargs=None,
                 mco_name=None):
    if not form.is_valid():
        raise Http404("Fix the filters on the report page first.")
    scope = form.scope(**(scope_kwargs or {}))
    table = tables.table_for_export(scope, table_id)
    if table is None:
        raise Http404("There is no such table.")
    data = form.cleaned_data
    words = describe(scope, mco_name or (data.get("mco").name if data.get("mco") else None),
                     data["complaint_type"].name if data.get("complaint_type") else None)
    from reports import summaries

    as_of = summaries.as_of()
    note = f"{words}. Figures as of {short_datetime(as_of) if as_of else 'never refreshed'}."
    if table.note:
        note += " " + table.note
    columns = [(c.key, c.header + (" (%)" if c.kind == "percent" else "")) for c in
               table.columns]
    rows = ({c.key: tables.export_value(row.get(c.key), c) for c in table.columns}
            for row in table.rows)
    workbook = exports.write_workbook(
        title=f"{title_prefix}: {table.title}", columns=columns, rows=rows,
        sheet_name=table.title, note=note, generated_at=timezone.now())
    name = f"{filename_prefix}-{table_id}-{scope.first_month:%Y-%m}-to-{scope.last_month:%Y-%m}"
    return exports.xlsx_response(workbook, name, object_type=REPORT,
                                 detail=f"{table.title}: {words}")
