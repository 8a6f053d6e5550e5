"""The outbox's public functions. Other apps call :func:`notify` and nothing else.

A notification is a row written in the caller's transaction; the e-mail leaves through a
Celery task only after that transaction commits, so a rolled-back action sends nothing and
a sent e-mail always describes something that happened.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from portal.models import Notification

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# A claim older than this is taken to belong to a worker that died mid-send.
STALE_CLAIM = timedelta(minutes=10)


def notify(*, to, template, context=None, dedupe_key=None):
    """Queue an e-mail to ``to`` (a user or an address). Returns the row, or None when a
    notification with the same ``dedupe_key`` already exists."""
    from portal.tasks import publish_after_commit, send_notification

    user = None if isinstance(to, str) else to
    email = to if isinstance(to, str) else to.email
    try:
        with transaction.atomic():
            row = Notification.objects.create(
                recipient=user,
                to_email=email,
                template=template,
                context=context or {},
                dedupe_key=dedupe_key,
            )
    except IntegrityError:
        if dedupe_key and Notification.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        raise
    publish_after_commit(send_notification, row.pk)
    return row


def _commit_durably():
    """The claim commits synchronously, whatever the session's setting: on PostgreSQL a
    synchronous commit returns only once the WAL up to it is on disk, and the WAL is one
    sequence, so every transaction committed before it (the deadline sweep's expiries
    commit asynchronously, deadlines.clocks) is durable too. An e-mail therefore never
    leaves for an expiry, or any action, that a database crash could still undo."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO ON")


def render(notification):
    """The subject and body of a notification, as the recipient will read them."""
    context = {**notification.context, "site_url": settings.SITE_URL}
    subject = render_to_string(f"emails/{notification.template}_subject.txt", context)
    body = render_to_string(f"emails/{notification.template}_message.txt", context)
    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
    return subject, body


def send(pk):
    """Send one notification, at most once: the row is claimed with a conditional update,
    so two workers handed the same id cannot both send it. Returns True when sent."""
    now = timezone.now()
    with transaction.atomic():
        _commit_durably()
        claimed = (
            Notification.objects.filter(pk=pk, sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
            .filter(_unclaimed(now))
            .update(claimed_at=now, attempts=F("attempts") + 1)
        )
    if claimed != 1:
        return False
    notification = Notification.objects.get(pk=pk)
    try:
        subject, body = render(notification)
        EmailMessage(subject, body, to=[notification.to_email]).send()
    except Exception as exc:  # the row stays pending; the sweep tries again later
        log.exception("Sending notification %s failed", pk)
        Notification.objects.filter(pk=pk).update(claimed_at=None, last_error=str(exc)[:2000])
        return False
    Notification.objects.filter(pk=pk).update(sent_at=timezone.now(), last_error="")
    return True


def _unclaimed(now):
    return Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - STALE_CLAIM)


def pending_ids(limit=500):
    """Notifications still to send (found through a partial index), oldest first."""
    now = timezone.now()
    return list(
        Notification.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
        .filter(_unclaimed(now))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
