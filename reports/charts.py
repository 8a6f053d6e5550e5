"""Server-rendered SVG charts: the geometry in Python, the drawing in
``templates/reports/_columns.html`` and ``_bars.html``, the colours in
``static/css/reports.css`` (no inline style or script: the CSP is strict).

Every chart comes with a sentence that says what it shows (``summary``), and the page puts
the same numbers in a table beside it; the SVG itself is an image with a title and that
sentence as its description.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from reports import metrics


def nice_top(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above ``value`` (1 for nothing)."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover (the loop always returns)


def _number(value):
    if value is None:
        return "none"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


@dataclass
class ColumnChart:
    """Vertical bars, one per label (a month), all on the scale 0..``top``."""

    id: str
    title: str
    summary: str
    width: int
    height: int
    bars: list[dict] = field(default_factory=list)
    labels: list[dict] = field(default_factory=list)
    top: float = 1
    baseline: float = 0
    left: float = 0
    right: float = 0
    top_y: float = 0


WIDTH = 320  # the bar charts; the small column charts are narrower
COLUMN_WIDTH, COLUMN_HEIGHT = 240, 150
LEFT, BOTTOM, TOP = 30, 22, 16


def column_chart(chart_id, title, points, *, top, summary):
    """``points``: (label, value) pairs, in order."""
    chart = ColumnChart(id=chart_id, title=title, summary=summary, width=COLUMN_WIDTH,
                        height=COLUMN_HEIGHT, top=top, baseline=COLUMN_HEIGHT - BOTTOM,
                        left=LEFT, right=COLUMN_WIDTH - 6, top_y=TOP)
    n = max(len(points), 1)
    slot = (chart.right - LEFT) / n
    plot = chart.baseline - TOP
    every = 1 if n <= 6 else 3
    for i, (label, value) in enumerate(points):
        h = plot * (value / top) if top else 0
        x = LEFT + i * slot + slot * 0.15
        chart.bars.append({
            "x": round(x, 1), "y": round(chart.baseline - h, 1), "w": round(slot * 0.7, 1),
            "h": round(h, 1), "value": _number(value), "label": label,
            "text_x": round(x + slot * 0.35, 1), "text_y": round(chart.baseline - h - 3, 1),
            "show_value": n <= 12,
        })
        if i % every == 0 or i == n - 1:
            chart.labels.append({"x": round(LEFT + i * slot + slot / 2, 1), "text": label})
    return chart


@dataclass
class BarChart:
    """Horizontal bars, one per row, on the scale 0..``top``."""

    id: str
    title: str
    summary: str
    width: int
    height: int
    label_width: int
    bars: list[dict] = field(default_factory=list)


ROW, LABEL_WIDTH = 26, 118


def bar_chart(chart_id, title, rows, *, top, summary):
    """``rows``: (label, value or None, text shown after the bar)."""
    right = WIDTH - 70
    chart = BarChart(id=chart_id, title=title, summary=summary, width=WIDTH,
                     height=ROW * max(len(rows), 1) + 8, label_width=LABEL_WIDTH)
    span = right - LABEL_WIDTH
    for i, (label, value, text) in enumerate(rows):
        w = span * (value / top) if value and top else 0
        y = 4 + i * ROW
        chart.bars.append({
            "label": label, "y": y, "h": ROW - 8, "x": LABEL_WIDTH, "w": round(w, 1),
            "text": text, "text_x": round(LABEL_WIDTH + w + 4, 1), "label_y": y + ROW / 2,
        })
    return chart


# --- The report's charts ------------------------------------------------------------------


def volume_charts(report) -> list[ColumnChart]:
    """The charted volume (filed; presented on the MCO scorecard) per month, one small
    chart per MCO on one scale."""
    months = report.scope.months
    values = report.volume_by_month_and_mco
    top = nice_top(max(values.values(), default=0))
    measure = report.chart_measure.label.lower()
    charts = []
    for mco_id, name in report.mcos:
        points = [(metrics.month_label(m), values.get((m, mco_id), 0)) for m in months]
        total = sum(v for _, v in points)
        if total:
            peak_label, peak = max(points, key=lambda p: p[1])
            tickets = "ticket" if total == 1 else "tickets"
            summary = (f"{name}: {total:,} {tickets} {measure} over {len(months)} months; "
                       f"the most in {peak_label} ({peak:,}).")
        else:
            summary = f"{name}: no tickets {measure} in these months."
        charts.append(column_chart(f"chart-volume-{mco_id}", name, points, top=top,
                                   summary=summary))
    return charts


def rate_charts(report) -> list[BarChart]:
    """On-time rate per MCO, one chart per step."""
    rows = report["timeliness"].rows
    charts = []
    for step in metrics.steps(report.scope.for_mco):
        mine = [r for r in rows if r["step"] == step.label and r["label"] != "All MCOs"]
        bars = [(r["label"], r["rate"],
                 "none ended" if r["rate"] is None else f"{r['rate']:.0f}%")
                for r in mine]
        rated = [r for r in mine if r["rate"] is not None]
        if rated:
            low = min(rated, key=lambda r: r["rate"])
            high = max(rated, key=lambda r: r["rate"])
            if low is high:
                summary = (f"{step.label}: {high['label']} {high['rate']:.0f}% on time "
                           f"({high['on_time']:,} of {high['on_time'] + high['late']:,}).")
            else:
                summary = (f"{step.label}: on-time rates range from {low['rate']:.0f}% "
                           f"({low['label']}) to {high['rate']:.0f}% ({high['label']}).")
        else:
            summary = f"{step.label}: no deadline ended in these months."
        charts.append(bar_chart(f"chart-rate-{step.key}", f"{step.label}: on-time rate",
                                bars, top=100, summary=summary))
    return charts


def median_chart(report) -> BarChart:
    """Median days per step (every MCO together; on the scorecard, the MCO's)."""
    rows = report["durations"].rows
    wanted = "All MCOs" if not report.scope.for_mco else None
    chosen = [r for r in rows if wanted is None or r["label"] == wanted]
    bars = [(r["step"], r["median"],
             "none finished" if r["median"] is None
             else f"{_number(r['median'])} {r['unit'].split()[0]}")
            for r in chosen]
    top = nice_top(max((r["median"] or 0 for r in chosen), default=0))
    parts = [f"{r['step']} {_number(r['median'])} {r['unit']}" for r in chosen
             if r["median"] is not None]
    summary = ("Median days: " + "; ".join(parts) + ".") if parts else (
        "No step finished in these months.")
    return bar_chart("chart-median", "Median days per step", bars, top=top, summary=summary)


def filed_per_month_chart(months: int = 6, *, today=None) -> ColumnChart:
    """A small chart for the HFS home (issue 12): tickets filed in each of the last
    ``months`` months, all MCOs, from the monthly summary (one query)."""
    from django.utils import timezone

    last = metrics.month_of(today or timezone.now())
    scope = metrics.Scope(first_month=metrics.add_months(last, -(months - 1)), last_month=last)
    counts = metrics.read_counts(scope, "month", measures=[metrics.FILED.key])
    points = [(metrics.month_label(m), metrics.FILED.value(counts.get(m, {})))
              for m in scope.months]
    peak = max((value for _, value in points), default=0)
    total = sum(value for _, value in points)
    busiest = max(points, key=lambda p: p[1])[0] if peak else None
    summary = (f"{total:,} ticket{'s' if total != 1 else ''} filed in the last {months} months"
               + (f"; the most in {busiest} ({peak:,})." if busiest else "."))
    return column_chart("chart-home-filed", f"Tickets filed, last {months} months", points,
                        top=nice_top(peak), summary=summary)
