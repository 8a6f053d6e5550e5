"""Celery tasks of the portal app."""

from celery import shared_task

from portal import notifications


@shared_task(name="portal.send_notification")
def send_notification(pk):
    return notifications.send(pk)


@shared_task(name="portal.send_pending_notifications")
def send_pending_notifications():
    """Beat job: send whatever the after-commit tasks did not (a worker was down)."""
    return sum(1 for pk in notifications.pending_ids() if notifications.send(pk))
