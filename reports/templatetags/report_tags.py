"""Template helpers of the reports: one cell's text by its column's kind, a table, a
chart (``{% load report_tags %}``)."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from deadlines.days import short_date

register = template.Library()

NONE = mark_safe('<span aria-hidden="true">—</span><span class="usa-sr-only">none</span>')  # noqa: S308


def _number(value, decimals=1):
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.{decimals}f}"


def cell_text(value, kind):
    """The text of a cell as the page shows it (the spreadsheet keeps the raw value)."""
    if value is None:
        return None
    if kind == "count":
        return f"{value:,}"
    if kind == "percent":
        return f"{value:.1f}%"
    if kind == "days":
        return _number(value)
    if kind == "date":
        return short_date(value)
    if kind == "ticket":
        return value[0]
    return str(value)


@register.simple_tag
def cell(row, column):
    value = row.get(column.key)
    if value is None:
        return NONE
    if column.kind == "ticket":
        return format_html('<a class="usa-link" href="{}">{}</a>',
                           reverse("ticket_detail", args=[value[1]]), value[0])
    return cell_text(value, column.kind)


@register.inclusion_tag("reports/_table.html")
def report_table(table, export_name="", query="", rows=None, key="", title=""):
    """A table with its title as caption, its note, its pages (a list) and its spreadsheet
    link (the URL named ``export_name``, with the report's ``query``). ``rows``: only
    these rows (then ``key`` keeps the ids apart and ``title`` is the caption)."""
    export_url = ""
    if export_name:
        export_url = reverse(export_name, args=[table.id]) + (f"?{query}" if query else "")
    return {"table": table, "rows": table.rows if rows is None else rows, "query": query,
            "export_url": export_url, "key": key or table.id, "title": title or table.title}


@register.inclusion_tag("reports/_columns.html")
def column_chart(chart):
    return {"chart": chart}


@register.inclusion_tag("reports/_bars.html")
def bar_chart(chart):
    return {"chart": chart}


@register.filter
def percent(value):
    return "—" if value is None else f"{value:.0f}%"


@register.filter
def days(value):
    return "—" if value is None else cell_text(value, "days")


SUPPRESSED = mark_safe(  # noqa: S308
    '<span class="report-suppressed" aria-hidden="true">*</span>'
    '<span class="usa-sr-only">not shown</span>')


@register.simple_tag
def public_cell(cell, kind="count"):
    """A published cell: its number, "*" when suppressed, "—" when there is none."""
    if cell["s"]:
        return SUPPRESSED
    if cell["v"] is None:
        return NONE
    return cell_text(cell["v"], kind)
