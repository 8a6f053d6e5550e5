"""Celery tasks of the portal app."""

import logging

from celery import shared_task

from portal import notifications

logger = logging.getLogger(__name__)


@shared_task(name="portal.send_notification")
def send_notification(pk):
    return notifications.send(pk)


@shared_task(name="portal.send_pending_notifications")
def send_pending_notifications():
    """Beat job: send whatever the after-commit tasks did not (a worker was down)."""
    return sum(1 for pk in notifications.pending_ids() if notifications.send(pk))


def publish_after_commit(task, *args):
    """Send ``task`` to the broker once the current transaction commits. A broker that is
    down never fails the request that already committed (issue 15: a person who retries
    would act twice): the work is recorded in the database (the outbox, the jobs table) and
    its sweep publishes it again; this only logs."""
    from django.db import transaction

    def publish():
        try:
            task.delay(*args)
        except Exception as error:  # kombu's OperationalError, a refused connection...
            logger.warning("Could not publish %s%r to the broker (%s: %s); its sweep will "
                           "send it.", task.name, args, type(error).__name__, error)

    transaction.on_commit(publish)
