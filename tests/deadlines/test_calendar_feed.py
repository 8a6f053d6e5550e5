"""Issue 15: the deadline calendar feeds, read back with a real iCalendar parser.

A person's feed holds one event per running clock they act on (their side of the tickets
they may see, R-SEC-1), follows the clocks as they move or stop (R-CLK-5), says the due day
and the due moment in Central time (R-CLK-2), carries no PHI, and opens with its token
alone: a wrong, revoked or replaced token is "not found".
"""

import datetime

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar

from deadlines import clocks, closures, feeds, kinds
from deadlines.calendar import CENTRAL
from deadlines.models import CalendarFeed, Clock, FeedScope
from deadlines.models.feeds import hash_token
from portal.models import AuditEvent
from tests.registration.helpers import make_request
from tests.tickets.conftest import (  # noqa: F401 (the provider fixtures)
    CLAIM,
    NOW,
    RESPONSE,
    make_submitted,
    other_provider,
    provider,
)
from tickets import clock_kinds as ticket_kinds

# The fixtures imported above are used by name (pytest): the test arguments shadow them.
# ruff: noqa: F811
from tickets import workflow

pytestmark = pytest.mark.django_db

# Presented on Wed Nov 4, 2026 (NOW): the MCO's written response is due on day 30, Fri
# Dec 4, 2026, at the end of the day in Central time (R-FLOW-2, R-CLK-2).
RESPONSE_DUE = datetime.date(2026, 12, 4)
# With the extension, day 60 is Sun Jan 3, 2027: the period runs to Mon Jan 4 (R-CLK-3).
EXTENDED_DUE = datetime.date(2027, 1, 4)


@pytest.fixture(autouse=True)
def _on_november_4_2026():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def ticket(provider_user, provider, hfs_staff):
    """Lakeside Clinic 0's ticket against Molina, presented to Molina today."""
    return workflow.present(make_submitted(provider_user, provider).pk, by=hfs_staff)


@pytest.fixture
def aetna_ticket(other_provider_user, other_provider, hfs_staff):
    """Another provider's ticket against another MCO, presented too."""
    submitted = make_submitted(other_provider_user, other_provider, mco="aetna",
                               tracking="PDXGR1234567")
    return workflow.present(submitted.pk, by=hfs_staff)


def feed_of(user, scope=FeedScope.ALL):
    """Turn the person's feed on; its address (as the account page shows it once)."""
    return feeds.feed_url(feeds.turn_on(user, scope=scope))


def read(url, client=None, **headers):
    client = client or Client()
    return client.get(url.removeprefix("http://127.0.0.1:8000"), **headers)


def events(url):
    response = read(url)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content).walk("VEVENT")


def summaries(url):
    return sorted(str(e["SUMMARY"]) for e in events(url))


def running(ticket, kind):
    return clocks.running_clock(ticket, kind)


# --- Who gets what ---------------------------------------------------------------------------


def test_every_declared_clock_kind_has_its_parties_and_its_words():
    """A new clock of SPEC §5 must say who acts on it before it can reach a feed."""
    declared = [k for k in vars(ticket_kinds).values() if isinstance(k, kinds.ClockKind)]
    declared.append(kinds.REGISTRATION)
    assert len(declared) == 10
    for kind in declared:
        assert feeds.KIND_PARTIES[kind.key], kind.key
        assert feeds.SUMMARIES[kind.key], kind.key


def test_mco_staff_get_their_mcos_presented_tickets_mco_deadlines_only(
        ticket, aetna_ticket, mco_staff, other_mco_staff):
    number = ticket.number
    assert summaries(feed_of(mco_staff)) == [
        f"{number}: Last day for the MCO to ask for information",
        f"{number}: Last day to ask for an extension",
        f"{number}: MCO written response due",
    ]
    theirs = summaries(feed_of(other_mco_staff))
    assert len(theirs) == 3
    assert all(s.startswith(f"{aetna_ticket.number}: ") for s in theirs)


def test_provider_users_get_their_providers_tickets_provider_deadlines_only(
        ticket, aetna_ticket, provider_user, other_provider_user):
    # While the MCO works on it, the provider's only deadline is the extension cut-off.
    assert summaries(feed_of(provider_user)) == [
        f"{ticket.number}: Last day to ask for an extension"]
    assert summaries(feed_of(other_provider_user)) == [
        f"{aetna_ticket.number}: Last day to ask for an extension"]


def test_hfs_staff_get_triage_of_every_submitted_ticket_or_only_theirs(
        provider_user, provider, hfs_staff):
    first = make_submitted(provider_user, provider)
    second = make_submitted(provider_user, provider, tracking="MOL-12346")
    workflow.assign(second.pk, to=hfs_staff, by=hfs_staff)
    assert summaries(feed_of(hfs_staff)) == [f"{first.number}: HFS triage due",
                                             f"{second.number}: HFS triage due"]
    feeds.change_scope(hfs_staff, FeedScope.ASSIGNED)
    feed = CalendarFeed.objects.get(user=hfs_staff)
    assert [e.summary for e in feeds.events_for(hfs_staff, feed.scope)] == [
        f"{second.number}: HFS triage due"]


def test_mco_staff_may_keep_only_the_tickets_assigned_to_them(
        ticket, provider_user, provider, hfs_staff, mco_staff):
    other = workflow.present(make_submitted(provider_user, provider, tracking="MOL-12346").pk,
                             by=hfs_staff)
    ticket.mco_assigned_to = mco_staff
    ticket.save(update_fields=["mco_assigned_to"])
    mine = summaries(feed_of(mco_staff, scope=FeedScope.ASSIGNED))
    assert len(mine) == 3
    assert all(s.startswith(f"{ticket.number}: ") for s in mine)
    assert not any(other.number in s for s in mine)


def test_registration_admins_get_open_requests_but_their_own(
        registration_admin, provider_user):
    request = make_request(provider_user, at=NOW)
    url = feed_of(registration_admin)
    assert summaries(url) == [f"{request.reference}: Registration decision due"]
    [event] = events(url)
    assert str(event["URL"]).endswith(reverse("registration_review", args=[request.pk]))


def test_a_person_with_no_role_has_no_feed(stranger):
    assert not feeds.may_have_feed(stranger)
    with pytest.raises(PermissionError):
        feeds.turn_on(stranger)


# --- Following the clocks --------------------------------------------------------------------


def test_the_due_day_and_the_due_moment_are_in_central_time(ticket, mco_staff):
    [event] = [e for e in events(feed_of(mco_staff)) if "written response" in e["SUMMARY"]]
    # An all-day event on the last day (a date: the same day in any time zone).
    assert event["DTSTART"].dt == RESPONSE_DUE
    assert event["DTEND"].dt == RESPONSE_DUE + datetime.timedelta(days=1)
    assert not isinstance(event["DTSTART"].dt, datetime.datetime)
    assert "Due by 11:59 PM Central time on Friday, December 4, 2026." in event["DESCRIPTION"]
    clock = running(ticket, "mco_response")
    assert clock.due_at.astimezone(CENTRAL).date() == RESPONSE_DUE
    # The reminder: 9:00 Central (CST, UTC-6) on the business day before.
    [alarm] = event.walk("VALARM")
    assert alarm["TRIGGER"].dt == datetime.datetime(2026, 12, 3, 15, tzinfo=datetime.UTC)
    assert str(event["URL"]) == "http://127.0.0.1:8000" + reverse("ticket_detail",
                                                                    args=[ticket.pk])
    assert event["TRANSP"] == "TRANSPARENT"


def test_an_extended_clock_moves_its_event_under_the_same_uid(ticket, mco_staff):
    url = feed_of(mco_staff)
    [before] = [e for e in events(url) if "written response" in e["SUMMARY"]]
    with time_machine.travel(NOW + datetime.timedelta(days=3), tick=False):
        clocks.change_length(running(ticket, "mco_response"), length=60,
                             reason="extension approved")
        [after] = [e for e in events(url) if "written response" in e["SUMMARY"]]
    assert after["UID"] == before["UID"]
    assert before["DTSTART"].dt == RESPONSE_DUE
    assert after["DTSTART"].dt == EXTENDED_DUE
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert after["DTSTAMP"].dt > before["DTSTAMP"].dt
    assert "Monday, January 4, 2027" in after["DESCRIPTION"]


def test_an_office_closure_moves_the_event(ticket, mco_staff, hfs_staff):
    url = feed_of(mco_staff)
    closures.add_closure(RESPONSE_DUE, "Snow emergency", by=hfs_staff)
    [event] = [e for e in events(url) if "written response" in e["SUMMARY"]]
    assert event["DTSTART"].dt == datetime.date(2026, 12, 7)  # the next business day


def test_a_stopped_clock_leaves_the_feed(ticket, mco_staff, provider_user):
    mco_url, provider_url = feed_of(mco_staff), feed_of(provider_user)
    workflow.respond(ticket.pk, by=mco_staff, response=RESPONSE)
    assert events(mco_url) == []
    # The provider now answers the response; asking for review waits until it is contested.
    assert summaries(provider_url) == [
        f"{ticket.number}: Provider's answer to the MCO response due"]


# --- The address -----------------------------------------------------------------------------


def test_the_feed_opens_with_its_token_alone(ticket, mco_staff):
    url = feed_of(mco_staff)
    client = Client()
    response = read(url, client)
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert response["Cache-Control"] == "private, max-age=300"
    assert response["Referrer-Policy"] == "no-referrer"


def test_a_wrong_token_is_not_found(ticket, mco_staff):
    url = feed_of(mco_staff)
    assert read(url[:-10] + "xxxxxx.ics").status_code == 404
    assert read(reverse("calendar_feed", kwargs={"token": "abc"})).status_code == 404


def test_a_turned_off_feed_is_not_found(ticket, mco_staff):
    url = feed_of(mco_staff)
    assert feeds.turn_off(mco_staff)
    assert read(url).status_code == 404


def test_a_new_address_makes_the_old_one_not_found(ticket, mco_staff):
    old = feed_of(mco_staff)
    new = feed_of(mco_staff)
    assert old != new
    assert read(old).status_code == 404
    assert read(new).status_code == 200
    assert CalendarFeed.objects.filter(user=mco_staff).count() == 1


def test_a_deactivated_persons_feed_is_not_found(ticket, mco_staff):
    url = feed_of(mco_staff)
    mco_staff.is_active = False
    mco_staff.save(update_fields=["is_active"])
    assert read(url).status_code == 404


def test_only_the_tokens_hash_is_stored(mco_staff):
    token = feeds.turn_on(mco_staff)
    feed = CalendarFeed.objects.get(user=mco_staff)
    assert feed.token_hash == hash_token(token)
    assert token not in str(CalendarFeed.objects.filter(pk=feed.pk).values().get())


def test_the_feed_holds_no_phi(ticket, provider_user, mco_staff):
    for person in (provider_user, mco_staff):
        body = read(feed_of(person)).content.decode()
        # Unfolded (long lines are folded at 75 octets): every text the events hold.
        texts = " ".join(str(value) for event in Calendar.from_ical(body).walk("VEVENT")
                         for value in event.values())
        assert ticket.number in texts
        for secret in (CLAIM["member_name"], CLAIM["member_rin"], ticket.description,
                       ticket.provider.legal_name, ticket.tracking_number,
                       CLAIM["claim_number"], mco_staff.email, provider_user.email):
            assert secret not in body, secret
            assert secret not in texts, secret


def test_an_unchanged_feed_answers_not_modified(ticket, mco_staff):
    url = feed_of(mco_staff)
    first = read(url)
    again = read(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    workflow.respond(ticket.pk, by=mco_staff, response=RESPONSE)
    assert read(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_reading_the_feed_takes_the_same_queries_for_one_ticket_or_many(
        ticket, provider_user, provider, hfs_staff, mco_staff):
    url = feed_of(mco_staff)
    read(url)  # the content types and the closure days are cached after the first read

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert read(url).status_code == 200
        return len(captured)

    one = queries()
    for n in range(4):
        workflow.present(make_submitted(provider_user, provider,
                                        tracking=f"MOL-2{n:04d}").pk, by=hfs_staff)
    ticket_type = ContentType.objects.get_for_model(ticket)
    assert Clock.objects.filter(content_type=ticket_type, outcome="").count() == 15
    assert len(events(url)) == 15
    assert queries() == one


def test_reads_are_noted_on_the_feed_not_in_the_audit_log(ticket, mco_staff):
    url = feed_of(mco_staff)
    rows = AuditEvent.objects.count()
    read(url, HTTP_USER_AGENT="Google-Calendar-Importer")
    read(url, HTTP_USER_AGENT="Google-Calendar-Importer")
    feed = CalendarFeed.objects.get(user=mco_staff)
    assert feed.last_read_at == NOW
    assert feed.last_read_agent == "Google-Calendar-Importer"
    assert AuditEvent.objects.count() == rows


def test_turning_on_a_new_address_and_off_are_audited(mco_staff):
    feeds.turn_on(mco_staff)
    feeds.turn_on(mco_staff)
    feeds.change_scope(mco_staff, FeedScope.ASSIGNED)
    feeds.turn_off(mco_staff)
    rows = AuditEvent.objects.filter(object_type="person", object_id=mco_staff.pk)
    assert list(rows.order_by("pk").values_list("action", "user")) == [
        ("calendar_feed_on", mco_staff.pk), ("calendar_feed_new_address", mco_staff.pk),
        ("calendar_feed_scope", mco_staff.pk), ("calendar_feed_off", mco_staff.pk)]


# --- The account page ------------------------------------------------------------------------


def _once(page):
    """The form's one-time value, as the browser sends it back."""
    return page.content.decode().split('name="once" value="')[1].split('"')[0]


def test_the_account_page_shows_the_address_once(client, mco_staff):
    client.force_login(mco_staff)
    page = client.get(reverse("account_settings"))
    assert b"Turn on the calendar feed" in page.content
    shown = client.post(reverse("calendar_feed_change"),
                        {"action": "turn_on", "once": _once(page), "scope": "assigned"})
    assert shown.status_code == 200
    address = shown.context["calendar_feed_address"]
    assert address.encode() in shown.content
    assert "no-store" in shown["Cache-Control"]
    assert CalendarFeed.objects.get(user=mco_staff).scope == FeedScope.ASSIGNED
    assert read(address).status_code == 200
    later = client.get(reverse("account_settings"))
    assert address.encode() not in later.content
    assert b"Make a new address" in later.content


def test_sending_the_turn_on_form_again_makes_no_second_address(client, mco_staff):
    client.force_login(mco_staff)
    once = _once(client.get(reverse("account_settings")))
    shown = client.post(reverse("calendar_feed_change"), {"action": "turn_on", "once": once})
    again = client.post(reverse("calendar_feed_change"), {"action": "turn_on", "once": once})
    assert again.status_code == 302
    assert read(shown.context["calendar_feed_address"]).status_code == 200


def test_the_account_page_makes_a_new_address_and_turns_the_feed_off(client, provider_user):
    client.force_login(provider_user)
    page = client.get(reverse("account_settings"))
    first = client.post(reverse("calendar_feed_change"),
                        {"action": "turn_on", "once": _once(page)})
    old = first.context["calendar_feed_address"]
    page = client.get(reverse("account_settings"))
    assert b"Which tickets" not in page.content  # providers have no assignments
    second = client.post(reverse("calendar_feed_change"),
                         {"action": "new_address", "once": _once(page)})
    assert b"The old address no longer works" in second.content
    new = second.context["calendar_feed_address"]
    assert read(old).status_code == 404
    assert read(new).status_code == 200
    off = client.post(reverse("calendar_feed_change"), {"action": "turn_off"})
    assert off.status_code == 302
    assert read(new).status_code == 404
    assert b"Turn on the calendar feed" in client.get(reverse("account_settings")).content
