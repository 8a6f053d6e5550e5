"""R-SEC-2: every view of, and change to, a ticket or registration is in the append-only
audit log (who, what, when, from where)."""

import pytest
import time_machine
from django.urls import reverse

from portal.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_viewing_and_changing_a_ticket_are_logged(client, hfs_staff):
    from tests import factories
    from tests.tickets.conftest import NOW, approve, make_provider, make_submitted

    # make_submitted files on the fixtures' FILED_ON: in its window only at tickets' NOW.
    with time_machine.travel(NOW, tick=True):
        user = factories.provider_user()
        provider = make_provider(5)
        approve(user, provider)
        ticket = make_submitted(user, provider)
        filed = AuditEvent.objects.count()
        client.force_login(hfs_staff)
        client.get(reverse("ticket_detail", args=[ticket.pk]), REMOTE_ADDR="10.1.2.3")
        client.post(reverse("ticket_present", args=[ticket.pk]))
    events = list(AuditEvent.objects.order_by("pk").values_list(
        "user", "action", "object_type", "object_id", "ip_address", "source")[filed:])
    # The view by the decorator; the change by the workflow itself, with the request's
    # address (the decorator adds nothing when the action wrote its own row).
    assert events == [
        (hfs_staff.pk, "view", "ticket", ticket.pk, "10.1.2.3", "web"),
        (hfs_staff.pk, "presented", "ticket", ticket.pk, "127.0.0.1", "web"),
    ]
    # Filing outside any request (a fixture here, a command or task elsewhere) is logged too.
    assert list(AuditEvent.objects.order_by("pk").values_list("action", "user")[:filed]) == [
        ("draft_created", user.pk), ("draft_saved", user.pk), ("submitted", user.pk)]


def test_a_strangers_refused_look_is_not_an_audit_of_the_ticket(client, other_provider_user):
    client.force_login(other_provider_user)
    assert client.get(reverse("ticket_detail", args=[12345])).status_code == 404
    assert not AuditEvent.objects.exists()


def test_the_audit_log_is_append_only(hfs_staff):
    event = AuditEvent.objects.create(user=hfs_staff, action="view", object_type="ticket",
                                      object_id=1, method="GET", path="/", status=200)
    event.path = "/changed"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()
