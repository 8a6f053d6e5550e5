"""The change feed (issue 13): every event a client may see, in order; a poller misses
nothing and sees nothing twice; other parties' and HFS-internal events never appear."""

import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from api import feed
from tests.api.conftest import RESPONSE, body
from tickets import workflow
from tickets.models import TicketEvent

pytestmark = pytest.mark.django_db


def _all(api, after=""):
    """Poll the feed to its end, 2 events a page; the events and the last cursor."""
    seen, cursor = [], after
    while True:
        page = body(api.get("/api/v1/events", {"after": cursor, "limit": 2}))
        seen.extend(page["events"])
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return seen, cursor


def test_a_poller_sees_each_event_once_in_order(molina_api, presented_ticket, hfs_staff):
    first, cursor = _all(molina_api)
    assert [e["action"] for e in first][-1] == "presented"
    molina_api.post(f"/api/v1/tickets/{presented_ticket.pk}/messages", {"body": "Hello"})
    workflow.request_information(presented_ticket.pk, by=presented_ticket.mco.staff.first()
                                 or _molina_user(molina_api), request_text="EOB please")
    more, cursor = _all(molina_api, cursor)
    assert [e["action"] for e in more] == ["message_posted", "information_requested"]
    again, _ = _all(molina_api, cursor)
    assert again == []
    ids = [e["id"] for e in first + more]
    assert len(ids) == len(set(ids))


def _molina_user(api):
    from api.models import ApiToken

    return ApiToken.objects.get(key_id=api.token_text.split("_")[1]).client.user


def test_other_parties_and_internal_notes_stay_out(molina_api, aetna_api, billing_api,
                                                   other_billing_api, presented_ticket,
                                                   hfs_staff):
    workflow.add_internal_note(presented_ticket.pk, by=hfs_staff, text="Check the MCO's SLA.")
    molina, _ = _all(molina_api)
    provider, _ = _all(billing_api)
    assert {e["ticket_id"] for e in molina} == {presented_ticket.pk}
    assert "internal_note" not in {e["action"] for e in molina + provider}
    assert not TicketEvent.objects.filter(ticket=presented_ticket, internal=False,
                                          action__icontains="internal").exists()
    assert _all(aetna_api)[0] == []
    assert _all(other_billing_api)[0] == []
    # The provider's side sees the filing too; the MCO only from presentation on.
    assert "submitted" in {e["action"] for e in provider}


def test_now_starts_at_the_latest_event(molina_api, presented_ticket):
    page = body(molina_api.get("/api/v1/events", {"after": "now"}))
    assert page["events"] == [] and page["next_cursor"] != feed.START
    molina_api.post(f"/api/v1/tickets/{presented_ticket.pk}/response",
                    {k: (v.isoformat() if hasattr(v, "isoformat") else v)
                     for k, v in RESPONSE.items()})
    later = body(molina_api.get("/api/v1/events", {"after": page["next_cursor"]}))
    assert [e["action"] for e in later["events"]] == ["responded"]


@pytest.mark.parametrize("after", ["x", "1-", "-1-2", "99999999999999999999999-1-1", "1-a"])
def test_a_made_up_cursor_is_a_400_naming_after(molina_api, after):
    response = molina_api.get("/api/v1/events", {"after": after})
    assert response.status_code == 400
    assert body(response)["errors"][0]["field"] == "after"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_event_committed_late_is_not_skipped():
    """Two transactions: the first writes an event (the lower id) and commits last. A feed
    ordered by id alone would hand out the second's id as the cursor and skip the first
    for good; this feed shows neither until the first ends, then both, first first."""
    from tests.api.conftest import Api, presented_for_molina_system

    ticket, secret = presented_for_molina_system(scope="read", n=8)
    api = Api(secret)
    start = body(api.get("/api/v1/events", {"after": "now"}))["next_cursor"]

    written, release, done = threading.Event(), threading.Event(), threading.Event()

    def slow_writer():
        try:
            with transaction.atomic():
                TicketEvent.objects.create(ticket=ticket, action="slow", role="system",
                                           at=timezone.now())
                written.set()
                release.wait(timeout=30)
        finally:
            connection.close()
            done.set()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert written.wait(timeout=30)
    fast = TicketEvent.objects.create(ticket=ticket, action="fast", role="system",
                                      at=timezone.now())
    while_open = body(api.get("/api/v1/events", {"after": start}))
    assert while_open["events"] == []  # "fast" waits behind the open transaction
    release.set()
    assert done.wait(timeout=30)
    thread.join(timeout=30)
    after = body(api.get("/api/v1/events", {"after": start}))
    assert [e["action"] for e in after["events"]] == ["slow", "fast"]
    assert after["events"][-1]["id"] == fast.pk


@pytest.mark.postgres
def test_each_poll_is_planned_for_its_person_and_the_setting_ends_with_it(
        billing_api, presented_ticket):
    """Issue 14: a prepared statement polled again and again may get a generic plan made
    for every person, which for a client of one provider walked the whole state's events.
    The feed's query runs with per-poll plans; the connection keeps its own setting."""
    def show():
        with connection.cursor() as cursor:
            cursor.execute("SHOW plan_cache_mode")
            return cursor.fetchone()[0]

    seen = []

    def during_the_feed_query(execute, sql, params, many, context):
        if '"tickets_ticketevent"' in sql and sql.startswith("SELECT") and not seen:
            seen.append(None)  # SHOW runs through this wrapper too
            seen[0] = show()
        return execute(sql, params, many, context)

    before = show()
    with connection.execute_wrapper(during_the_feed_query):
        page = body(billing_api.get("/api/v1/events", {"after": ""}))
    assert [e["action"] for e in page["events"]]  # the billing agent's ticket's events
    assert seen == ["force_custom_plan"]
    assert show() == before != "force_custom_plan"
