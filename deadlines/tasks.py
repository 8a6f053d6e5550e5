"""The beat job that enforces the clocks (R-CLK-4)."""

from celery import shared_task
from django.utils import timezone

from deadlines import clocks


@shared_task(name="deadlines.enforce_due_clocks")
def enforce_due_clocks():
    now = timezone.now()
    expired = clocks.enforce_due_clocks(now)
    reminded = clocks.send_due_reminders(now)
    return {"expired": expired, "reminded": reminded}
