"""Receivers that keep running clocks in step with the calendar."""

from django.dispatch import receiver

from deadlines import clocks
from deadlines.closures import calendar_changed
from deadlines.days import short_date


@receiver(calendar_changed, dispatch_uid="deadlines.move_running_clocks")
def move_running_clocks(sender, days, action, reason, by=None, **kwargs):
    """An office closure added or removed moves the running clocks it falls in (issue 3);
    each move is recorded on the clock. Finished clocks keep their history."""
    listed = ", ".join(short_date(d) for d in sorted(days))
    clocks.recompute_for_calendar_change(
        days, reason=f"Office closure {action} for {listed}: {reason}", by=by
    )
