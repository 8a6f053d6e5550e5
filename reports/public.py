"""The public transparency report (issue 11): quarterly volumes and timeliness by MCO and
complaint type, with no PHI and no provider names, small counts suppressed
(``reports.suppression``), published by HFS as a stored snapshot.

``snapshot(quarter)`` builds the figures from the summary tables; ``publish`` stores them
as a new ``PublishedReport`` version, which never changes afterwards, so readers see the
same numbers every time. The CSV is written from the stored snapshot.

A published cell is ``{"v": value, "s": suppressed}``; a suppressed cell's value is None.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections import Counter, defaultdict

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from portal import audit
from portal.exports import is_formula_like
from portal.models import MCO, ComplaintType
from reports import metrics, summaries
from reports.models import MonthlyCount, MonthlyDuration, PublishedReport
from reports.suppression import THRESHOLD, suppress

PUBLIC_REPORT = "public_report"  # the audit log's record type

VOLUMES = (metrics.FILED, metrics.PRESENTED, metrics.CLOSED_AT_TRIAGE, metrics.RESPONDED,
           metrics.ACCEPTED, metrics.DEEMED_ACCEPTED, metrics.CONTESTED,
           metrics.REVIEW_REQUESTED, metrics.DECIDED)
STEPS = metrics.STEPS

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


# --- Quarters --------------------------------------------------------------------------------


def parse_quarter(text):
    """"2027-Q1" -> (first month, last month), or None."""
    match = _QUARTER.match(text or "")
    if not match:
        return None
    year, number = int(match.group(1)), int(match.group(2))
    if not 2000 <= year <= 2100:
        return None
    first = datetime.date(year, 3 * number - 2, 1)
    return first, metrics.add_months(first, 2)


def quarter_of(day: datetime.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarter_label(quarter: str) -> str:
    first, last = parse_quarter(quarter)
    return f"{first:%B} to {last:%B} {last.year}"


def quarter_end(quarter: str) -> datetime.date:
    """The quarter's last day."""
    _, last = parse_quarter(quarter)
    return metrics.add_months(last, 1) - datetime.timedelta(days=1)


def ended_quarters(today: datetime.date, count=8) -> list[str]:
    """The last ``count`` quarters that have ended by ``today``, newest first."""
    first = today.replace(day=1, month=(today.month - 1) // 3 * 3 + 1)
    quarters = []
    for _ in range(count):
        first = metrics.add_months(first, -3)
        quarters.append(quarter_of(first))
    return quarters


# --- Building the figures -------------------------------------------------------------------


def _cell(value, hidden, key):
    if key in hidden:
        return {"v": None, "s": True}
    return {"v": value, "s": False}


def _volume_table(measure, counts, mcos, types):
    """One measure: MCO × complaint type, with the MCO totals, the type totals and the
    total, suppressed together."""
    values = {}
    for m, _ in mcos:
        for t, _ in types:
            values[("c", m, t)] = measure.value(counts.get((m, t), {}))
        values[("r", m)] = sum(values[("c", m, t)] for t, _ in types)
    for t, _ in types:
        values[("k", t)] = sum(values[("c", m, t)] for m, _ in mcos)
    values[("g",)] = sum(values[("r", m)] for m, _ in mcos)
    lines = [[("c", m, t) for t, _ in types] + [("r", m)] for m, _ in mcos]
    lines += [[("c", m, t) for m, _ in mcos] + [("k", t)] for t, _ in types]
    lines += [[("r", m) for m, _ in mcos] + [("g",)], [("k", t) for t, _ in types] + [("g",)]]
    totals = {("r", m) for m, _ in mcos} | {("k", t) for t, _ in types} | {("g",)}
    hidden = suppress(values, lines, totals=totals)
    return {
        "measure": measure.key, "label": measure.label,
        "rows": [{"id": m, "name": name,
                  "cells": [_cell(values[("c", m, t)], hidden, ("c", m, t)) for t, _ in types],
                  "total": _cell(values[("r", m)], hidden, ("r", m))} for m, name in mcos],
        "type_totals": [_cell(values[("k", t)], hidden, ("k", t)) for t, _ in types],
        "total": _cell(values[("g",)], hidden, ("g",)),
    }


def _timeliness_table(step, counts_by_mco, counts_by_type, durations, mcos, types):
    """One step: on time, late and their sum (deadlines ended) by MCO and by complaint type,
    suppressed together; the rate where all three are published; the median and 90th
    percentile where at least ``THRESHOLD`` steps finished."""
    on, late = metrics.met_key(step.key), metrics.expired_key(step.key)
    values = {}
    for prefix, groups, counts in (("m", mcos, counts_by_mco), ("t", types, counts_by_type)):
        for g, _ in groups:
            values[(prefix, g, "on_time")] = counts.get(g, {}).get(on, 0)
            values[(prefix, g, "late")] = counts.get(g, {}).get(late, 0)
            values[(prefix, g, "due")] = values[(prefix, g, "on_time")] + values[
                (prefix, g, "late")]
    for part in ("on_time", "late", "due"):
        values[("a", part)] = sum(values[("m", g, part)] for g, _ in mcos)
    lines = []
    for prefix, groups in (("m", mcos), ("t", types)):
        lines += [[(prefix, g, "on_time"), (prefix, g, "late"), (prefix, g, "due")]
                  for g, _ in groups]
        lines += [[(prefix, g, part) for g, _ in groups] + [("a", part)]
                  for part in ("on_time", "late", "due")]
    lines.append([("a", "on_time"), ("a", "late"), ("a", "due")])
    totals = {k for k in values if k[-1] == "due" or k[0] == "a"}
    hidden = suppress(values, lines, totals=totals)

    def row(prefix, group, name, histogram):
        keys = {part: (prefix, group, part) if group is not None else ("a", part)
                for part in ("on_time", "late", "due")}
        cells = {part: _cell(values[key], hidden, key) for part, key in keys.items()}
        shown = not any(cells[p]["s"] for p in cells)
        due = values[keys["due"]]
        rate = round(100 * values[keys["on_time"]] / due, 1) if due else None
        n = sum(c for _, c in histogram)
        big_enough = n >= THRESHOLD
        median, p90 = metrics.percentile(histogram, 0.5), metrics.percentile(histogram, 0.9)
        return {
            "id": group, "name": name, **cells,
            "rate": {"v": rate if shown else None, "s": not shown and due > 0},
            "median": {"v": round(median, 1) if big_enough and median is not None else None,
                       "s": 0 < n < THRESHOLD},
            "p90": {"v": round(p90, 1) if big_enough and p90 is not None else None,
                    "s": 0 < n < THRESHOLD},
        }

    return {
        "step": step.key, "label": step.label, "deadline": step.deadline,
        "unit": step.unit_label,
        "by_mco": [row("m", m, name, durations["mco"].get((step.key, m), []))
                   for m, name in mcos],
        "by_type": [row("t", t, name, durations["type"].get((step.key, t), []))
                    for t, name in types],
        "all": row("a", None, "All MCOs", durations["all"].get(step.key, [])),
    }


def _durations(months):
    rows = (MonthlyDuration.objects.filter(month__gte=months[0], month__lte=months[1])
            .values("mco_id", "complaint_type_id", "step", "days").annotate(total=Sum("n"))
            .order_by())
    by = {"mco": defaultdict(Counter), "type": defaultdict(Counter), "all": defaultdict(Counter)}
    for r in rows:
        by["mco"][(r["step"], r["mco_id"])][r["days"]] += r["total"]
        by["type"][(r["step"], r["complaint_type_id"])][r["days"]] += r["total"]
        by["all"][r["step"]][r["days"]] += r["total"]
    return {name: {key: list(histogram.items()) for key, histogram in groups.items()}
            for name, groups in by.items()}


def snapshot(quarter: str, *, now=None) -> dict:
    """The quarter's figures, suppressed, ready to store (JSON)."""
    months = parse_quarter(quarter)
    if months is None:
        raise ValueError(f"Not a quarter: {quarter!r}")
    now = now or timezone.now()
    mcos = [(m.pk, m.name) for m in MCO.objects.order_by("name")]
    types = [(t.pk, t.name) for t in ComplaintType.objects.order_by("position", "name")]
    counts = defaultdict(Counter)
    by_mco, by_type = defaultdict(Counter), defaultdict(Counter)
    for r in (MonthlyCount.objects.filter(month__gte=months[0], month__lte=months[1])
              .values("mco_id", "complaint_type_id", "measure").annotate(total=Sum("n"))
              .order_by()):
        counts[(r["mco_id"], r["complaint_type_id"])][r["measure"]] += r["total"]
        by_mco[r["mco_id"]][r["measure"]] += r["total"]
        by_type[r["complaint_type_id"]][r["measure"]] += r["total"]
    durations = _durations(months)
    as_of = summaries.as_of()
    return {
        "quarter": quarter, "label": quarter_label(quarter),
        "computed_at": timezone.localtime(now).isoformat(),
        "data_as_of": timezone.localtime(as_of).isoformat() if as_of else None,
        "threshold": THRESHOLD,
        "mcos": [name for _, name in mcos], "types": [name for _, name in types],
        "volumes": [_volume_table(m, counts, mcos, types) for m in VOLUMES],
        "timeliness": [_timeliness_table(s, by_mco, by_type, durations, mcos, types)
                       for s in STEPS],
    }


class NotPublishable(Exception):
    pass


def publish(quarter: str, *, by) -> PublishedReport:
    """Count the latest changes, then store the quarter's figures as its next version
    (audited, R-SEC-2). A quarter is published only once it has ended."""
    if parse_quarter(quarter) is None:
        raise NotPublishable("Choose a quarter from the list.")
    end = quarter_end(quarter)
    if timezone.localdate() <= end:
        raise NotPublishable(
            f"{quarter_label(quarter)} ends on {end:%B} {end.day}, {end.year}; publish it "
            "after that day, once its numbers are complete.")
    summaries.refresh()
    with transaction.atomic():
        now = timezone.now()
        tables = snapshot(quarter, now=now)
        last = PublishedReport.objects.select_for_update().filter(quarter=quarter).aggregate(
            last=Max("version"))["last"] or 0
        report = PublishedReport.objects.create(
            quarter=quarter, version=last + 1, published_at=now, published_by=by,
            data_as_of=summaries.as_of(), tables=tables)
        audit.write(user=by, action="publish", object_type=PUBLIC_REPORT, object_id=report.pk,
                    detail=f"{quarter} version {report.version}")
    return report


def latest(quarter=None):
    """The newest version of ``quarter`` (or of the newest published quarter), or None."""
    reports = PublishedReport.objects.order_by("-quarter", "-version")
    if quarter:
        reports = reports.filter(quarter=quarter)
    return reports.first()


# --- The CSV ---------------------------------------------------------------------------------

CSV_COLUMNS = ["quarter", "version", "computed_at", "data_as_of", "table", "measure", "mco",
               "complaint_type", "figure", "value", "suppressed"]
ALL_MCOS, ALL_TYPES = "All MCOs", "All complaint types"


def _safe(text):
    """A CSV cell a spreadsheet will not run as a formula (OWASP: a leading quote)."""
    text = str(text)
    return "'" + text if is_formula_like(text) else text


def csv_rows(report: PublishedReport):
    t = report.tables
    head = [t["quarter"], report.version, t["computed_at"], t["data_as_of"] or ""]

    def line(table, measure, mco, kind, figure, cell):
        return [*head, table, measure, _safe(mco), _safe(kind), figure,
                "" if cell["v"] is None else cell["v"], "yes" if cell["s"] else "no"]

    for v in t["volumes"]:
        for row in v["rows"]:
            for type_name, cell in zip(t["types"], row["cells"], strict=True):
                yield line("volumes", v["label"], row["name"], type_name, "tickets", cell)
            yield line("volumes", v["label"], row["name"], ALL_TYPES, "tickets", row["total"])
        for type_name, cell in zip(t["types"], v["type_totals"], strict=True):
            yield line("volumes", v["label"], ALL_MCOS, type_name, "tickets", cell)
        yield line("volumes", v["label"], ALL_MCOS, ALL_TYPES, "tickets", v["total"])
    for s in t["timeliness"]:
        for group, rows in (("mco", s["by_mco"]), ("type", s["by_type"]), ("all", [s["all"]])):
            for row in rows:
                mco = row["name"] if group == "mco" else ALL_MCOS
                kind = row["name"] if group == "type" else ALL_TYPES
                for figure in ("on_time", "late", "due", "rate", "median", "p90"):
                    yield line("timeliness", s["label"], mco, kind, FIGURE_NAMES[figure],
                               row[figure])


FIGURE_NAMES = {"on_time": "on_time", "late": "late", "due": "deadlines_ended",
                "rate": "on_time_percent", "median": "median_days", "p90": "p90_days"}


def to_csv(report: PublishedReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_rows(report))
    return out.getvalue()
