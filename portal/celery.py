"""The Celery application. Beat runs the outbox and the deadline sweeps (R-CLK-4), and
refreshes the report summaries (docs/decisions/0008)."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

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
    sender.add_periodic_task(
        settings.REPORTS_REFRESH_SECONDS, sender.signature("reports.refresh_summaries"),
        name="refresh report summaries",
    )
    sender.add_periodic_task(
        900, sender.signature("jobs.delete_expired_files"), name="delete expired export files",
    )
    sender.add_periodic_task(
        60, sender.signature("jobs.start_waiting"), name="start jobs the broker missed",
    )
    sender.add_periodic_task(
        getattr(settings, "API_WEBHOOK_SECONDS", 15), sender.signature("api.deliver_webhooks"),
        name="deliver webhooks",
    )
    sender.add_periodic_task(
        3600, sender.signature("api.remove_old_idempotency_keys"),
        name="remove old idempotency keys",
    )


# R-SEC-2: a task's audit rows and log lines say which task wrote them (source
# "task:<name>", the task id as the request id); no client address.
_task_contexts = {}


@task_prerun.connect
def _bind_task_context(task_id=None, task=None, **kwargs):
    from portal import audit

    context = audit.Context(source=f"task:{getattr(task, 'name', '') or 'unknown'}"[:60],
                            request_id=str(task_id or "")[:64])
    manager = audit.bound(context)
    manager.__enter__()
    _task_contexts[task_id] = manager


@task_postrun.connect
def _unbind_task_context(task_id=None, **kwargs):
    manager = _task_contexts.pop(task_id, None)
    if manager is not None:
        manager.__exit__(None, None, None)
