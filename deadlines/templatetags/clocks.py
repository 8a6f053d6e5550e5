"""``{% clock_status clock %}``: a clock in the viewer's terms (R-CLK-5).

"Due Tue, Jan 12, 2027 — 3 business days left", "Due today", "Overdue by 2 business days",
"Met on Jan 8, 2027", each with a ``<time datetime=…>`` element.
"""

from django import template
from django.utils import timezone
from django.utils.html import format_html

from deadlines import calendar, days
from deadlines.models import Outcome

register = template.Library()


def _plural(n, word):
    return f"{n} {word}{'' if n == 1 else 's'}"


def describe(clock, now=None):
    """(text before the date, date text, text after, ISO moment) for a clock."""
    now = now or timezone.now()
    today = timezone.localtime(now, calendar.CENTRAL).date()
    due = clock.due_date
    if clock.outcome:
        stopped = timezone.localtime(clock.stopped_at, calendar.CENTRAL)
        verb = {
            Outcome.MET: "Met on",
            Outcome.EXPIRED: "Expired on",
            Outcome.STOPPED: "Stopped on",
            Outcome.CANCELLED: "Cancelled on",
        }[clock.outcome]
        return verb, days.short_date(stopped.date()), "", stopped.isoformat()
    unit = "business day" if clock.unit == "business" else "day"
    if now > clock.due_at:
        if clock.unit == "business":
            late = calendar.business_days_between(due, today)
        else:
            late = (today - due).days
        late = max(late, 1)
        return f"Overdue by {_plural(late, unit)}; was due", _day(due), "", _iso(clock.due_at)
    if due == today:
        return "Due today,", _day(due), "", _iso(clock.due_at)
    if clock.unit == "business":
        left = calendar.business_days_between(today, due)
    else:
        left = (due - today).days
    return "Due", _day(due), f"— {_plural(left, unit)} left", _iso(clock.due_at)


def _iso(moment):
    """The moment in Central time, as the page shows it (R-CLK-2)."""
    return timezone.localtime(moment, calendar.CENTRAL).isoformat()


def _day(day):
    return days.short_date(day, weekday=True)


@register.simple_tag
def clock_status(clock, now=None):
    before, when, after, iso = describe(clock, now)
    if after:
        return format_html('{} <time datetime="{}">{}</time> {}', before, iso, when, after)
    return format_html('{} <time datetime="{}">{}</time>', before, iso, when)


@register.filter
def clock_label(clock):
    """The clock's name as people read it ("MCO written response"), not its code."""
    from deadlines import kinds

    try:
        return kinds.get_kind(clock.kind).label
    except LookupError:
        return clock.kind.replace("_", " ").capitalize()


# The shared date wordings (deadlines.days) for templates: {{ value|short_date }}. Like
# Django's ``date`` filter, an empty value gives "".


@register.filter
def short_date(value):
    """"Dec 8, 2026"."""
    return days.short_date(value) if value else ""


@register.filter
def short_date_weekday(value):
    """"Tue, Dec 8, 2026"."""
    return days.short_date(value, weekday=True) if value else ""


@register.filter
def short_datetime(value):
    """"Dec 8, 2026 3:05 PM", Central time."""
    return days.short_datetime(value) if value else ""


@register.filter
def long_date(value):
    """"Tuesday, December 8, 2026"."""
    return days.long_date(value) if value else ""
