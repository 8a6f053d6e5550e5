"""The HFS home's "could not be enforced" list names each ticket, in a fixed number of
queries however many clocks need attention (R-CLK-4, issue 14)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from deadlines.models import Clock
from tests.tickets.conftest import make_submitted

pytestmark = pytest.mark.django_db


def _set_aside(tickets):
    """The sweep's mark on a clock whose expiry action failed (deadlines.clocks)."""
    now = timezone.now()
    for ticket in tickets:
        Clock.objects.filter(object_id=ticket.pk, content_type__model="ticket",
                             outcome="").update(attention_at=now, attention_error="boom")


def _home(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("hfs_home"))
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_each_ticket_is_named_in_the_same_number_of_queries(
        client, hfs_staff, provider_user, provider):
    client.force_login(hfs_staff)
    tickets = [make_submitted(provider_user, provider) for _ in range(4)]
    _home(client)  # the first request of a session also saves it
    _set_aside(tickets[:1])
    page, one = _home(client)
    assert "1 deadline could not be enforced" in page
    assert tickets[0].number in page and tickets[1].number not in page
    _set_aside(tickets[1:])
    page, four = _home(client)
    assert "4 deadlines could not be enforced" in page
    assert all(t.number in page for t in tickets)
    assert four == one
