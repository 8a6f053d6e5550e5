"""The report as tables: what the HFS reports page, the MCO scorecard, their .xlsx exports
and the monthly PDF all show, built once from ``reports.metrics`` so that the page, the
spreadsheet and the PDF can never disagree.

A ``Table`` is columns (key, header, kind) and rows (dicts). Kinds: "text", "count",
"percent", "days", "date", "ticket" (a (number, pk) pair: a link on the page, the number
in a spreadsheet).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.utils import timezone

from portal.models import MCO, ComplaintType
from reports import lists, metrics, summaries

LIST_PAGE = 25
EXPORT_MAX_ROWS = 10_000


@dataclass
class Column:
    key: str
    header: str
    kind: str = "count"


@dataclass
class Table:
    id: str
    title: str
    columns: list[Column]
    rows: list[dict]
    note: str = ""
    #: For a list shown a page at a time: the Django page.
    page: object = None

    @property
    def row_header(self):
        return self.columns[0]

    @property
    def data_columns(self):
        return self.columns[1:]


def _text(key, header):
    return Column(key, header, "text")


@dataclass
class Report:
    scope: metrics.Scope
    now: datetime.datetime
    as_of: datetime.datetime | None
    mcos: list[tuple[int, str]]
    tables: dict[str, Table] = field(default_factory=dict)
    #: (month, mco_id) -> count of the charted volume measure
    volume_by_month_and_mco: dict = field(default_factory=dict)
    chart_measure: metrics.Measure = metrics.FILED

    def __getitem__(self, table_id):
        return self.tables[table_id]


def _mcos(scope):
    mcos = MCO.objects.order_by("name")
    if scope.mco_id is not None:
        mcos = mcos.filter(pk=scope.mco_id)
    return [(m.pk, m.short_name or m.name) for m in mcos]


def _types(scope):
    types = ComplaintType.objects.order_by("position", "name")
    if scope.complaint_type_id is not None:
        types = types.filter(pk=scope.complaint_type_id)
    return [(t.pk, t.name) for t in types]


def volume_columns(first_header, measures):
    return [_text("label", first_header)] + [Column(m.key, m.label) for m in measures]


def build(scope: metrics.Scope, *, now=None, pages=None, lists=True) -> Report:
    """Every table of the report for ``scope``, in a fixed number of queries. ``pages``:
    the page number of each list (``{"overdue": 2}``)."""
    now = now or timezone.now()
    pages = pages or {}
    mcos = _mcos(scope)
    measures = metrics.volume_measures(scope.for_mco)
    report = Report(scope=scope, now=now, as_of=summaries.as_of(), mcos=mcos,
                    chart_measure=metrics.PRESENTED if scope.for_mco else metrics.FILED)
    by_month = metrics.read_counts(scope, "month")
    by_mco = metrics.read_counts(scope, "mco_id")
    by_type = metrics.read_counts(scope, "complaint_type_id")
    whole = metrics.total(by_month)
    add = report.tables.__setitem__

    add("by_month", Table(
        "by_month", "Volumes by month", volume_columns("Month", measures),
        metrics.volume_rows(by_month, [(m, metrics.month_label(m)) for m in scope.months],
                            measures)))
    if not scope.for_mco:
        add("by_mco", Table("by_mco", "Volumes by MCO", volume_columns("MCO", measures),
                            metrics.volume_rows(by_mco, mcos, measures)))
    add("by_type", Table("by_type", "Volumes by complaint type",
                         volume_columns("Complaint type", measures),
                         metrics.volume_rows(by_type, _types(scope), measures)))
    add("closed", Table(
        "closed", "Closed tickets, by reason",
        [_text("label", "Reason"), _text("stage", "When"), Column("n", "Tickets")],
        metrics.closed_reason_rows(whole, scope.for_mco)))
    add("decisions", Table(
        "decisions", "HFS decisions, by outcome",
        [_text("label", "Outcome"), Column("n", "Decisions")], metrics.decision_rows(whole)))
    add("timeliness", Table(
        "timeliness", "On time, by step and MCO",
        [_text("step", "Step"), _text("label", "MCO"), Column("on_time", "On time"),
         Column("late", "Late"), Column("rate", "On-time rate", "percent"),
         Column("stopped", "Ended without the step"), Column("relief", "Outage relief")],
        metrics.timeliness_rows(by_mco, mcos, scope.for_mco),
        note="On time and late are the outcomes stored with each deadline, in the month "
             "the deadline ended. \u201cEnded without the step\u201d: the ticket closed "
             "first; these are not in the rate. \u201cOutage relief\u201d: deadlines that "
             "ran out while HFS had declared the portal down; not late, and not in the rate "
             "(a deadline the outage moved counts against its new day)."))
    durations_by_mco = metrics.read_durations(scope, by_mco=True)
    overall = {} if scope.for_mco else metrics.read_durations(scope)
    add("durations", Table(
        "durations", "Days per step",
        [_text("step", "Step"), _text("label", "MCO"), _text("unit", "Counted in"),
         Column("n", "Steps finished"), Column("median", "Median", "days"),
         Column("p90", "90th percentile", "days")],
        metrics.duration_rows(overall, durations_by_mco, mcos, scope.for_mco),
        note="From the day the step started (day 0) to the day it finished, in the month "
             "it finished."))
    _step_tables(report, scope, mcos)
    add("extensions", Table(
        "extensions", "Extensions asked, by party",
        [_text("label", "Asked by"), Column("asked", "Asked"), Column("approved", "Approved"),
         Column("denied", "Denied"), Column("pending", "Waiting for HFS")],
        metrics.extension_rows(whole),
        note="In the month the extension was asked, with its outcome today."))
    report.volume_by_month_and_mco = values = {
        key: counts.get(report.chart_measure.key, 0)
        for key, counts in metrics.read_counts_by(
            scope, "month", "mco_id", [report.chart_measure.key]).items()}
    add("by_month_and_mco", Table(
        "by_month_and_mco", f"{report.chart_measure.label}, by month and MCO",
        [_text("label", "Month")] + [Column(f"mco_{pk}", name) for pk, name in mcos],
        [{"label": metrics.month_label(m),
          **{f"mco_{pk}": values.get((m, pk), 0) for pk, _ in mcos}} for m in scope.months]
        + [{"label": "Total", **{f"mco_{pk}": sum(values.get((m, pk), 0)
                                                   for m in scope.months)
                                  for pk, _ in mcos}}]))
    if lists:
        for table in list_tables(scope, now, pages=pages):
            add(table.id, table)
    return report


def _step_tables(report, scope, mcos):
    """The page's smaller tables: on time per step (the step is the heading, each MCO a
    row), and days per step (each step a row; by MCO, one table of medians and one of 90th
    percentiles). The long tables above stay for the spreadsheets."""
    add = report.tables.__setitem__
    timeliness = report["timeliness"].rows
    on_time_columns = [_text("label", "MCO"), Column("on_time", "On time"),
                       Column("late", "Late"), Column("rate", "On-time rate", "percent")]
    for step in metrics.steps(scope.for_mco):
        add(f"on_time_{step.key}", Table(
            f"on_time_{step.key}", f"{step.label}: on time, by MCO",
            [*on_time_columns, Column("stopped", "Ended without the step"),
             Column("relief", "Outage relief")],
            [r for r in timeliness if r["step"] == step.label]))
        if step is metrics.MCO_RESPONSE:
            label = f"{step.label} (with an approved extension)"
            add("on_time_extended", Table(
                "on_time_extended", "With an approved extension (60 days): on time, by MCO",
                on_time_columns, [r for r in timeliness if r["step"] == label]))
    durations = report["durations"].rows
    own = "All MCOs" if not scope.for_mco else (mcos[0][1] if mcos else "")
    add("days_by_step", Table(
        "days_by_step", "Days per step" + ("" if scope.for_mco else ", all MCOs"),
        [_text("step", "Step"), _text("unit", "Counted in"), Column("n", "Steps finished"),
         Column("median", "Median", "days"), Column("p90", "90th percentile", "days")],
        [r for r in durations if r["label"] == own],
        note=report["durations"].note))
    if scope.for_mco:
        return
    for key, title in (("median", "Median days, by MCO"),
                       ("p90", "90th percentile days, by MCO")):
        rows = []
        for _, name in mcos:
            row = {"label": name}
            for step in metrics.steps():
                found = [r for r in durations if r["label"] == name and r["step"] == step.label]
                row[step.key] = found[0][key] if found else None
            rows.append(row)
        add(f"{key}_by_mco", Table(
            f"{key}_by_mco", title,
            [_text("label", "MCO")] + [Column(s.key, s.label, "days") for s in metrics.steps()],
            rows, note="Business days for HFS triage and information requests, calendar days "
                       "for MCO responses and HFS decisions."))


# --- Lists ----------------------------------------------------------------------------------


def _step_label(kind):
    step = metrics.STEP_BY_KEY.get(kind)
    if step is not None:
        return step.label
    from deadlines import kinds

    return kinds.get_kind(kind).label


def overdue_table(scope, now, *, page=1, everything=False):
    names = dict(MCO.objects.values_list("pk", "short_name"))
    types = dict(ComplaintType.objects.values_list("pk", "name"))
    query = lists.overdue_now(scope, now)
    rows, shown = _page_of(query, page, everything)
    rows = lists.with_due_dates(rows)
    today = timezone.localtime(now).date()
    return Table(
        "overdue", "Overdue now",
        [Column("ticket", "Ticket", "ticket"), _text("mco", "MCO"),
         _text("complaint_type", "Complaint type"), _text("step", "Step"),
         Column("due", "Was due", "date"), Column("days", "Days overdue"),
         _text("unit", "Counted in")],
        [{"ticket": (r["number"], r["pk"]), "mco": names.get(r["mco_id"], ""),
          "complaint_type": types.get(r["complaint_type_id"], ""),
          "step": _step_label(r["kind"]), "due": r["due_date"],
          "days": lists.days_overdue(r, today),
          "unit": "business days" if r["unit"] == "business" else "calendar days"}
         for r in rows],
        note="Steps still waiting after their deadline, now, whatever months are chosen.",
        page=shown)


def sanctions_table(scope, now, *, page=1, everything=False):
    rows, shown = _page_of(lists.sanction_candidates(scope), page, everything)
    today = timezone.localtime(now).date()
    return Table(
        "sanctions", "Sanction candidates",
        [Column("ticket", "Ticket", "ticket"), _text("mco", "MCO"),
         Column("marked", "Marked", "date"), Column("due", "Response was due", "date"),
         Column("responded", "Responded", "date"), Column("days", "Days late")],
        [{"ticket": (f.ticket.number, f.ticket_id), "mco": f.mco.short_name,
          "marked": metrics.local_day(f.sanction_candidate_at), "due": f.response_due_date,
          "responded": metrics.local_day(f.responded_at) if f.responded_at else None,
          "days": lists.days_late(f, today)}
         for f in rows],
        note="Marked in the chosen months. Days late: calendar days from the response's "
             "last day to the response, or to today while there is none.",
        page=shown)


def investigations_table(scope, now, *, page=1, everything=False):
    rows, shown = _page_of(lists.open_investigations(scope), page, everything)
    today = timezone.localtime(now).date()
    return Table(
        "investigations", "Open investigations of unfinished resolutions",
        [Column("ticket", "Ticket", "ticket"), _text("mco", "MCO"),
         Column("reported", "Reported", "date"), Column("days", "Days open")],
        [{"ticket": (i.ticket.number, i.ticket_id), "mco": i.ticket.mco.short_name,
          "reported": metrics.local_day(i.reported_at),
          "days": (today - metrics.local_day(i.reported_at)).days}
         for i in rows],
        note="Open now, whatever months are chosen.", page=shown)


def list_tables(scope, now, *, pages=None, everything=False):
    pages = pages or {}
    tables = [overdue_table(scope, now, page=pages.get("overdue", 1), everything=everything),
              sanctions_table(scope, now, page=pages.get("sanctions", 1),
                              everything=everything)]
    if not scope.for_mco:
        tables.append(investigations_table(scope, now, page=pages.get("investigations", 1),
                                           everything=everything))
    return tables


def _page_of(queryset, number, everything):
    if everything:
        return list(queryset[:EXPORT_MAX_ROWS]), None
    page = Paginator(queryset, LIST_PAGE).get_page(number)
    return list(page.object_list), page


LIST_TABLES = {"overdue": overdue_table, "sanctions": sanctions_table,
               "investigations": investigations_table}


def table_for_export(scope, table_id, now=None):
    """The whole table ``table_id`` (a list: up to ``EXPORT_MAX_ROWS`` rows), or None."""
    now = now or timezone.now()
    if table_id in LIST_TABLES:
        if scope.for_mco and table_id == "investigations":
            return None
        table = LIST_TABLES[table_id](scope, now, everything=True)
        if len(table.rows) >= EXPORT_MAX_ROWS:
            table.note += (f" Only the first {EXPORT_MAX_ROWS:,} rows; narrow the months, the "
                           "MCO or the complaint type for the rest.")
        return table
    return build(scope, now=now, lists=False).tables.get(table_id)


def export_value(value, column):
    if value is None:
        return None
    if column.kind == "ticket":
        return value[0]
    if column.kind in ("percent", "days"):
        return round(value, 1)
    return value
