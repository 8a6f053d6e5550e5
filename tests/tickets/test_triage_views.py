"""HFS triage through the pages: the queue, assigning, presenting, closing, notes and
what MCOs and providers then see (R-FLOW-1, R-FLOW-10, R-SEC-1)."""

import pytest
from django.urls import reverse

from tests.tickets.conftest import make_submitted
from tickets.models import State, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def hfs_client(client, hfs_staff):
    client.force_login(hfs_staff)
    return client


def test_the_queue_lists_submitted_tickets_soonest_due_first(hfs_client, provider_user,
                                                             provider):
    first = make_submitted(provider_user, provider)
    second = make_submitted(provider_user, provider)
    html = hfs_client.get(reverse("triage_queue")).content.decode()
    assert html.index(first.number) < html.index(second.number)
    html = hfs_client.get(reverse("triage_queue"), {"q": second.number}).content.decode()
    assert second.number in html and first.number not in html
    html = hfs_client.get(reverse("triage_queue"), {"mco": "aetna"}).content.decode()
    assert first.number not in html


def test_the_queue_query_count_does_not_grow(hfs_client, provider_user, provider,
                                            django_assert_max_num_queries):
    make_submitted(provider_user, provider)
    with django_assert_max_num_queries(20) as few:
        hfs_client.get(reverse("triage_queue"))
    for _ in range(8):
        make_submitted(provider_user, provider)
    with django_assert_max_num_queries(len(few.captured_queries)):
        hfs_client.get(reverse("triage_queue"))


def test_assign_present_and_the_mco_then_sees_it(hfs_client, hfs_staff, mco_staff,
                                                 other_mco_staff, submitted_ticket):
    from django.test import Client

    client = Client()
    hfs_client.post(reverse("ticket_assign", args=[submitted_ticket.pk]))
    mine = hfs_client.get(reverse("triage_queue"), {"mine": "1"}).content.decode()
    assert submitted_ticket.number in mine
    client.force_login(mco_staff)
    assert client.get(reverse("ticket_detail", args=[submitted_ticket.pk])).status_code == 404
    response = hfs_client.post(reverse("ticket_present", args=[submitted_ticket.pk]),
                               {"note": "Complete."})
    assert response.status_code == 302
    assert Ticket.objects.get(pk=submitted_ticket.pk).state == State.WITH_MCO
    assert client.get(reverse("ticket_detail", args=[submitted_ticket.pk])).status_code == 200
    client.force_login(other_mco_staff)
    assert client.get(reverse("ticket_detail", args=[submitted_ticket.pk])).status_code == 404


def test_a_second_present_gets_a_clear_message(hfs_client, submitted_ticket):
    hfs_client.post(reverse("ticket_present", args=[submitted_ticket.pk]))
    response = hfs_client.post(reverse("ticket_present", args=[submitted_ticket.pk]),
                               follow=True)
    assert "that action no longer applies, so nothing was changed" in response.content.decode()
    assert submitted_ticket.events.filter(action="presented").count() == 1


def test_closing_needs_a_reason_and_tells_the_provider(hfs_client, submitted_ticket,
                                                       provider_user):
    from django.test import Client

    client = Client()
    response = hfs_client.post(reverse("ticket_close", args=[submitted_ticket.pk]),
                               {"note": "Same as PRP-2026-000009."})
    assert response.status_code == 400
    page = response.content.decode()
    assert "reason for closing" in page.lower() and "closes for good" in page
    assert "Same as PRP-2026-000009." in page  # what was typed is kept
    assert Ticket.objects.get(pk=submitted_ticket.pk).state == State.SUBMITTED
    hfs_client.post(reverse("ticket_close", args=[submitted_ticket.pk]),
                    {"reason": "duplicate", "note": "Same as PRP-2026-000009.",
                     "confirm": "on"})
    ticket = Ticket.objects.get(pk=submitted_ticket.pk)
    assert ticket.state == State.CLOSED and ticket.close_reason == "duplicate"
    client.force_login(provider_user)
    html = client.get(reverse("ticket_detail", args=[ticket.pk])).content.decode()
    assert "Duplicate" in html and "Same as PRP-2026-000009." in html


def test_internal_notes_are_for_hfs_only(hfs_client, submitted_ticket, provider_user):
    from django.test import Client

    client = Client()
    hfs_client.post(reverse("ticket_note", args=[submitted_ticket.pk]),
                    {"text": "Called the MCO about the number."})
    assert "Called the MCO" in hfs_client.get(
        reverse("ticket_detail", args=[submitted_ticket.pk])).content.decode()
    client.force_login(provider_user)
    assert "Called the MCO" not in client.get(
        reverse("ticket_detail", args=[submitted_ticket.pk])).content.decode()


def test_the_ticket_page_shows_the_checks_for_triage(hfs_client, submitted_ticket):
    html = hfs_client.get(reverse("ticket_detail", args=[submitted_ticket.pk])).content.decode()
    assert "Filed inside the filing window" in html and "R-FILE" not in html
    assert "Present to the MCO" in html


def test_the_overdue_filter_finds_tickets_past_their_triage_date(hfs_client, hfs_staff,
                                                                 provider_user, provider):
    import datetime

    import time_machine

    from deadlines import clocks

    late = make_submitted(provider_user, provider)
    due = clocks.running_clock(late, "triage").due_at
    clocks.enforce_due_clocks(due + datetime.timedelta(seconds=1))  # escalated, clock expired
    with time_machine.travel(due + datetime.timedelta(hours=1), tick=False):
        hfs_client.force_login(hfs_staff)  # a session that is fresh at that time
        html = hfs_client.get(reverse("triage_queue"), {"overdue": "1"}).content.decode()
    assert late.number in html and "Overdue" in html
