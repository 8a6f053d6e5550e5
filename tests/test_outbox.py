"""The notifications outbox: rows written in the caller's transaction, sent after commit,
each exactly once."""

import pytest
from django.core import mail
from django.db import transaction

from portal import notifications
from portal.models import Notification
from portal.tasks import send_pending_notifications

pytestmark = pytest.mark.django_db

CONTEXT = {
    "role": "HFS portal staff",
    "mco": "",
    "inviter": "A. Admin",
    "link": "https://portal.example/x",
    "valid_days": 3,
}


def test_nothing_leaves_before_the_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notifications.notify(to="a@example.test", template="invitation", context=CONTEXT)
    assert len(mail.outbox) == 0
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mail.outbox) == 1
    row = Notification.objects.get()
    assert row.sent_at is not None and row.attempts == 1
    assert mail.outbox[0].subject.startswith("[Provider Resolution Portal]")


def test_a_rolled_back_action_sends_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                notifications.notify(to="a@example.test", template="invitation", context=CONTEXT)
                raise RuntimeError("the action failed")
        except RuntimeError:
            pass
    assert Notification.objects.count() == 0
    assert len(mail.outbox) == 0


def test_a_notification_is_sent_once_even_when_asked_twice():
    row = notifications.notify(to="a@example.test", template="invitation", context=CONTEXT)
    assert notifications.send(row.pk) is True
    assert notifications.send(row.pk) is False
    assert len(mail.outbox) == 1


def test_the_same_dedupe_key_is_notified_once():
    first = notifications.notify(
        to="a@example.test", template="invitation", context=CONTEXT, dedupe_key="clock-1-remind"
    )
    second = notifications.notify(
        to="a@example.test", template="invitation", context=CONTEXT, dedupe_key="clock-1-remind"
    )
    assert first is not None and second is None
    assert Notification.objects.count() == 1


def test_a_failed_send_stays_pending_and_the_sweep_sends_it_later(settings):
    row = notifications.notify(to="a@example.test", template="no_such_template", context={})
    assert notifications.send(row.pk) is False
    row.refresh_from_db()
    assert row.sent_at is None and row.attempts == 1
    assert "no_such_template" in row.last_error
    Notification.objects.filter(pk=row.pk).update(template="invitation", context=CONTEXT)
    assert send_pending_notifications() == 1
    assert len(mail.outbox) == 1


def test_the_sweep_skips_sent_notifications():
    row = notifications.notify(to="a@example.test", template="invitation", context=CONTEXT)
    notifications.send(row.pk)
    assert send_pending_notifications() == 0


@pytest.mark.postgres
def test_the_claim_commits_durably_even_in_an_asynchronous_session(db):
    """Issue 10: an e-mail leaves only after what it announces is durable. The sweep's
    session commits asynchronously; the claim before sending commits synchronously, which
    on PostgreSQL flushes every earlier commit too (one WAL)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from portal import notifications

    row = notifications.notify(to="durable@example.test", template="ticket_reminder",
                               context={"number": "PRP-2027-000001"})
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        with CaptureQueriesContext(connection) as queries:
            assert notifications.send(row.pk)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")
    sql = [q["sql"] for q in queries.captured_queries]
    first_update = next(i for i, q in enumerate(sql) if q.startswith("UPDATE"))
    assert any("synchronous_commit TO ON" in q for q in sql[:first_update])
