"""Celery tasks of the API (issue 13): webhook deliveries, and the end of old idempotency
keys. Each is a plain function too: the tests (and a shell) call them without a broker."""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from api import webhooks
from api.models import IdempotencyRecord

logger = logging.getLogger(__name__)


@shared_task(name="api.deliver_webhooks")
def deliver_webhooks(now=None):
    """Beat job (every ``API_WEBHOOK_SECONDS``): queue what is new in the feed for every
    active endpoint of an active client, then send the deliveries that are due."""
    queued = 0
    for endpoint in webhooks.active_endpoints().order_by("pk"):
        try:
            queued += webhooks.queue_deliveries(endpoint, now=now)
        except Exception:  # one endpoint's trouble does not stop the others
            logger.exception("queueing webhook deliveries for endpoint %s failed", endpoint.pk)
    return {"queued": queued, **webhooks.deliver_due(now=now)}


@shared_task(name="api.remove_old_idempotency_keys")
def remove_old_idempotency_keys():
    """Beat job (hourly): keys are answered again for ``API_IDEMPOTENCY_HOURS`` only."""
    cutoff = timezone.now() - datetime.timedelta(hours=settings.API_IDEMPOTENCY_HOURS)
    removed, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return removed
