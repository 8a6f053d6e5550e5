"""The provider's home (issue 11): what waits on the provider comes first, each with its
action, due date and days left in the viewer's terms (R-CLK-5), read from the stored clocks;
then their recent tickets with each one's next deadline. Every date is derived from the
project calendar (deadlines.calendar) from the frozen moment of tests/tickets/conftest.py
(Wed Nov 4, 2026, 10:00 Central), never from today's date."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deadlines import calendar
from deadlines.calendar import CENTRAL
from deadlines.days import short_date
from tests.tickets.conftest import CONTACT, NOW, RESPONSE, make_submitted
from tickets import workflow

pytestmark = pytest.mark.django_db

URL = reverse("provider_home")
DAY0 = NOW.date()


def waiting(client):
    """What the home page lists under "Action needed" (signed in afresh: a session left
    idle across a time travel has ended, R-SEC-3)."""
    client.force_login(client.user)
    response = client.get(URL)
    assert response.status_code == 200
    return [(w.ticket.number, w.text) for w in response.context["waiting"]]


def by(day):
    return short_date(day, weekday=True)


@pytest.fixture
def client(provider_user):
    client = Client()
    client.user = provider_user
    client.force_login(provider_user)
    return client


@pytest.fixture
def presented(provider_user, provider, hfs_staff):
    ticket = make_submitted(provider_user, provider, tracking="MOL-1")
    return workflow.present(ticket.pk, by=hfs_staff)


def test_information_requested_shows_the_business_days_left_or_the_ticket_closes(
        client, presented, mco_staff):
    workflow.request_information(presented.pk, by=mco_staff, request_text="The EOB.")
    due = calendar.add_business_days(DAY0, 5)
    # The next morning: one business day of the five has gone (or none, on a holiday).
    tomorrow = datetime.datetime.combine(DAY0 + datetime.timedelta(days=1),
                                         datetime.time(9), tzinfo=CENTRAL)
    left = calendar.business_days_between(tomorrow.date(), due)
    with time_machine.travel(tomorrow, tick=False):
        assert waiting(client) == [(presented.number,
            f"Send the information the MCO asked for by {by(due)} — {left} business days "
            "left, or the ticket closes.")]
        page = client.get(URL).content.decode()
        assert page.index("Action needed") < page.index("Your tickets")
        assert "1 ticket waits on you, soonest deadline first." in page
        heading = page.index(f'#answer">{presented.number}</a></h3>')
        assert page.index("Send the information the MCO asked for by", heading) > heading


def test_the_response_to_accept_or_contest(client, presented, mco_staff):
    workflow.respond(presented.pk, by=mco_staff, response=RESPONSE)
    due = calendar.add_business_days(DAY0, 5)
    left = calendar.business_days_between(DAY0, due)
    assert waiting(client) == [(presented.number,
        f"Accept or contest the MCO's response by {by(due)} — {left} business days left, "
        "or the response counts as accepted and the ticket closes.")]


def test_a_contested_ticket_waits_for_the_review_request_in_calendar_days(
        client, presented, mco_staff, provider_user):
    workflow.respond(presented.pk, by=mco_staff, response=RESPONSE)
    workflow.contest(presented.pk, by=provider_user, contact=CONTACT)
    due = calendar.calendar_deadline(DAY0, 30)
    assert waiting(client) == [(presented.number,
        f"Ask HFS to review the dispute by {by(due)} — {(due - DAY0).days} days left, or "
        "the ticket closes.")]


def test_the_review_submission_waits_until_the_provider_marks_it_complete(
        client, presented, mco_staff, provider_user):
    workflow.respond(presented.pk, by=mco_staff, response=RESPONSE)
    workflow.contest(presented.pk, by=provider_user, contact=CONTACT)
    workflow.request_review(presented.pk, by=provider_user)
    due = calendar.calendar_deadline(DAY0, 30)
    assert waiting(client) == [(presented.number,
        f"Send HFS your information and mark it complete by {by(due)} — "
        f"{(due - DAY0).days} days left, after that the record closes without it.")]
    workflow.save_review_submission(presented.pk, by=provider_user, party="provider",
                                    statement="All we have.", contacts="Dana, 555",
                                    complete=True)
    assert waiting(client) == []  # the MCO's submission is still open: not the provider's


def test_due_today_and_past_the_due_moment(client, presented, mco_staff):
    workflow.request_information(presented.pk, by=mco_staff, request_text="The EOB.")
    due = calendar.add_business_days(DAY0, 5)
    with time_machine.travel(datetime.datetime.combine(due, datetime.time(8), tzinfo=CENTRAL),
                             tick=False):
        assert waiting(client)[0][1] == (
            f"Send the information the MCO asked for by {by(due)} — due today, or the "
            "ticket closes.")
    after = calendar.deadline_moment(due) + datetime.timedelta(minutes=1)
    with time_machine.travel(after, tick=False):  # before the sweep closes it
        assert waiting(client)[0][1] == (
            f"Send the information the MCO asked for: the deadline, {by(due)}, has passed; "
            "the portal is about to act on it.")


def test_only_what_waits_on_this_provider_soonest_first(
        client, presented, provider_user, provider, other_ticket, other_provider_user,
        mco_staff, hfs_staff):
    # The other provider's ticket waits on them, never on us; ours with the MCO waits on
    # the MCO: both stay out of "Action needed".
    workflow.present(other_ticket.pk, by=hfs_staff)
    workflow.respond(other_ticket.pk, by=mco_staff, response=RESPONSE)
    with_mco = workflow.present(make_submitted(provider_user, provider, tracking="MOL-2").pk,
                                by=hfs_staff)
    workflow.respond(presented.pk, by=mco_staff, response=RESPONSE)  # 5 business days
    later = workflow.present(make_submitted(provider_user, provider, tracking="MOL-3").pk,
                             by=hfs_staff)
    workflow.request_information(later.pk, by=mco_staff, request_text="The EOB.")
    with time_machine.travel(NOW + datetime.timedelta(days=1), tick=True):
        asked_late = workflow.present(
            make_submitted(provider_user, provider, tracking="MOL-4").pk, by=hfs_staff)
        workflow.request_information(asked_late.pk, by=mco_staff, request_text="The EOB.")
        found = [number for number, _ in waiting(client)]
    assert found == [presented.number, later.number, asked_late.number]
    assert other_ticket.number not in found and with_mco.number not in found
    page = client.get(URL)
    rows = {t.number: t for t in page.context["tickets"]}
    assert other_ticket.number not in rows
    response_due = calendar.calendar_deadline(DAY0, 30)
    assert rows[with_mco.number].next_clock.kind == "mco_response"
    assert rows[with_mco.number].next_clock.due_date == response_due
    assert ("MCO written response: Due <time datetime=") in page.content.decode()


def test_nothing_waiting_says_so(client, presented):
    page = client.get(URL).content.decode()
    assert "Nothing waits on you now." in page
    assert presented.number in page  # in "Your tickets", with its MCO's deadline


def test_the_number_of_queries_does_not_grow_with_the_tickets(
        client, presented, provider_user, provider, hfs_staff, mco_staff):
    workflow.request_information(presented.pk, by=mco_staff, request_text="The EOB.")
    client.get(URL)  # the first request after signing in also notes the session's activity
    with CaptureQueriesContext(connection) as one:
        client.get(URL)
    for n in range(5):
        ticket = workflow.present(make_submitted(provider_user, provider,
                                                 tracking=f"MOL-9{n}").pk, by=hfs_staff)
        if n % 2:
            workflow.request_information(ticket.pk, by=mco_staff, request_text="The EOB.")
        else:
            workflow.respond(ticket.pk, by=mco_staff, response=RESPONSE)
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL)
    assert len(response.context["waiting"]) == 6
    assert len(many) == len(one), [q["sql"] for q in many]


WAITING_URL = reverse("provider_waiting")


@pytest.fixture
def six_waiting(presented, provider_user, provider, hfs_staff, mco_staff):
    """Six tickets waiting on the provider, asked a day apart: their due days are in
    that order. Returns their numbers, soonest first."""
    workflow.request_information(presented.pk, by=mco_staff, request_text="The EOB.")
    numbers = [presented.number]
    for n in range(1, 6):
        with time_machine.travel(NOW + datetime.timedelta(days=n), tick=True):
            ticket = workflow.present(make_submitted(provider_user, provider,
                                                     tracking=f"MOL-7{n}").pk, by=hfs_staff)
            workflow.request_information(ticket.pk, by=mco_staff, request_text="The EOB.")
        numbers.append(ticket.number)
    return numbers


def test_the_home_shows_the_soonest_and_links_to_all_that_wait(
        client, six_waiting, monkeypatch):
    from portal.views import home

    monkeypatch.setattr(home, "ACTION_NEEDED_LIMIT", 4)
    response = client.get(URL)
    assert [w.ticket.number for w in response.context["waiting"]] == six_waiting[:4]
    page = response.content.decode()
    assert "6 tickets wait on you; here are the 4 with the soonest deadlines." in page
    assert f'href="{WAITING_URL}">See all 6 tickets that wait on you</a>' in page
    monkeypatch.setattr(home, "ACTION_NEEDED_LIMIT", 6)  # all of them shown: no link
    page = client.get(URL).content.decode()
    assert "6 tickets wait on you, soonest deadline first." in page
    assert WAITING_URL not in page


def test_the_waiting_page_lists_every_one_soonest_first_a_page_at_a_time(
        client, six_waiting, monkeypatch, other_ticket, hfs_staff, mco_staff):
    from portal.views import home

    workflow.present(other_ticket.pk, by=hfs_staff)  # another provider's: never listed
    workflow.request_information(other_ticket.pk, by=mco_staff, request_text="The EOB.")
    monkeypatch.setattr(home, "WAITING_PER_PAGE", 4)
    first = client.get(WAITING_URL)
    assert [w.ticket.number for w in first.context["waiting"]] == six_waiting[:4]
    text = first.content.decode()
    assert "6 tickets wait on you, soonest deadline first." in text
    assert "Send the information the MCO asked for by" in text
    assert "Page 1 of 2" in text and "?page=2" in text
    assert 'aria-current="page"><span>My provider work</span>' in text  # a home page
    second = client.get(WAITING_URL, {"page": 2})
    assert [w.ticket.number for w in second.context["waiting"]] == six_waiting[4:]
    assert other_ticket.number not in text + second.content.decode()
    assert client.get(WAITING_URL, {"page": "last-one"}).status_code == 200  # page 1


def test_the_waiting_page_reads_a_page_in_a_fixed_number_of_queries(
        client, presented, six_waiting, provider_user, provider, hfs_staff, mco_staff):
    client.get(WAITING_URL)  # the first request after signing in notes the session
    with CaptureQueriesContext(connection) as six:
        client.get(WAITING_URL)
    for n in range(3):
        ticket = workflow.present(make_submitted(provider_user, provider,
                                                 tracking=f"MOL-8{n}").pk, by=hfs_staff)
        workflow.respond(ticket.pk, by=mco_staff, response=RESPONSE)
    with CaptureQueriesContext(connection) as nine:
        response = client.get(WAITING_URL)
    assert len(response.context["waiting"]) == 9
    assert len(nine) == len(six), [q["sql"] for q in nine]


def test_nothing_waiting_on_the_waiting_page_says_so(client, presented):
    assert "Nothing waits on you now." in client.get(WAITING_URL).content.decode()


def test_the_providers_list_narrows_what_a_person_sees_and_never_widens_it(
        presented, provider_user, provider, other_ticket):
    """``of_providers`` is the planner's hint on a provider user's pages (issue 14): with
    another provider's id it adds nothing to what ``visible_to`` lets them see (R-SEC-1)."""
    from tickets.models import Ticket

    mine = Ticket.objects.visible_to(provider_user)
    assert list(mine.of_providers([provider.pk])) == [presented]
    assert not mine.of_providers([other_ticket.provider_id]).exists()
    assert not mine.of_providers([]).exists()
