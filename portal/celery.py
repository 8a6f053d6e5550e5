"""The Celery application. Beat runs the outbox and the deadline sweeps (R-CLK-4)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _schedule_periodic_tasks(sender, **kwargs):
    from django.conf import settings

    sender.add_periodic_task(
        settings.OUTBOX_SWEEP_SECONDS, sender.signature("portal.send_pending_notifications"),
        name="send pending notifications",
    )
    sender.add_periodic_task(
        settings.DEADLINE_SWEEP_SECONDS, sender.signature("deadlines.enforce_due_clocks"),
        name="enforce due clocks",
    )
