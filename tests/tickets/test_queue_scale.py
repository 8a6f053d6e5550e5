"""Queues that do not grow with history (issue 14): each queue orders by a copy of its
clock's due moment kept on the ticket (ClockKind.mirror), counts up to a cap, and answers
in a constant number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deadlines import clocks, closures
from deadlines.calendar import CENTRAL
from tests.tickets.conftest import make_submitted
from tickets import workflow
from tickets.clock_kinds import MCO_RESPONSE, TRIAGE
from tickets.models import Ticket
from tickets.queues import CappedPaginator

pytestmark = pytest.mark.django_db


def _clock(ticket, kind):
    return ticket.clocks.get(kind=kind.key)


def test_the_due_moments_are_copied_to_the_ticket_and_follow_every_move(
        provider_user, provider, hfs_staff):
    ticket = make_submitted(provider_user, provider)
    ticket.refresh_from_db()
    assert ticket.triage_due == _clock(ticket, TRIAGE).due_at
    ticket = workflow.present(ticket.pk, by=hfs_staff)
    ticket.refresh_from_db()
    response = _clock(ticket, MCO_RESPONSE)
    assert ticket.response_due == response.due_at
    # An approved extension moves it (30 → 60 calendar days)...
    clocks.change_length(response, length=60, reason="extension approved", by=hfs_staff)
    ticket.refresh_from_db()
    assert ticket.response_due == _clock(ticket, MCO_RESPONSE).due_at
    assert ticket.response_due > response.due_at
    # ...and so does a closure day inside a business-day clock's window.
    submitted = make_submitted(provider_user, provider)
    triage = _clock(submitted, TRIAGE)
    day = triage.start_date + datetime.timedelta(days=1)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    closures.add_closure(day, "Storm closure", hfs_staff)
    submitted.refresh_from_db()
    moved = _clock(submitted, TRIAGE)
    assert moved.due_date > triage.due_date
    assert submitted.triage_due == moved.due_at


def test_a_queue_counts_to_its_cap_and_says_so(provider_user, provider, monkeypatch):
    for _ in range(5):
        make_submitted(provider_user, provider)
    monkeypatch.setattr(CappedPaginator, "cap", 3)
    paginator = CappedPaginator(Ticket.objects.filter(state="submitted"), 2)
    assert paginator.count == 4 and paginator.capped and paginator.count_text == "3+"
    monkeypatch.setattr(CappedPaginator, "cap", 10)
    exact = CappedPaginator(Ticket.objects.filter(state="submitted"), 2)
    assert exact.count == 5 and not exact.capped and exact.count_text == "5"


def test_the_triage_queue_says_1000_plus_and_pages_keep_their_filters(
        client, hfs_staff, provider_user, provider, monkeypatch):
    for _ in range(28):
        make_submitted(provider_user, provider)
    monkeypatch.setattr(CappedPaginator, "cap", 26)
    client.force_login(hfs_staff)
    page = client.get("/tickets/triage/", {"mco": "molina"})
    text = page.content.decode()
    assert "26+ tickets waiting for triage" in text
    assert "?mco=molina&amp;page=2" in text
    assert "Page 1 of" not in text  # the real number of pages is not known


@pytest.mark.parametrize("path", ["/tickets/triage/", "/tickets/mco/"])
def test_queue_pages_answer_in_a_constant_number_of_queries(
        client, path, hfs_staff, mco_staff, provider_user, provider):
    client.force_login(hfs_staff if "triage" in path else mco_staff)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    def add(n):
        for _ in range(n):
            ticket = make_submitted(provider_user, provider)
            if "mco" in path:
                workflow.present(ticket.pk, by=hfs_staff)

    add(2)
    queries()
    few = queries()
    add(6)
    assert queries() == few


def test_the_queue_order_is_the_due_moment_then_the_filing(provider_user, provider,
                                                           hfs_staff):
    from tickets.views.hfs import triage_queryset

    first, second = make_submitted(provider_user, provider), make_submitted(provider_user,
                                                                            provider)
    hfs = hfs_staff
    late = datetime.datetime(2030, 1, 1, tzinfo=CENTRAL)
    Ticket.objects.filter(pk=first.pk).update(triage_due=late)
    assert list(triage_queryset(hfs).values_list("pk", flat=True)) == [second.pk, first.pk]


def test_the_hfs_home_counts_stop_at_the_cap(client, hfs_staff, provider_user, provider,
                                             monkeypatch):
    from tickets import queues

    for _ in range(3):
        make_submitted(provider_user, provider)
    monkeypatch.setattr(queues, "COUNT_CAP", 2)
    client.force_login(hfs_staff)
    text = client.get("/home/hfs/").content.decode()
    assert '<span class="portal-kpi__count">2+</span>' in text


def test_the_overdue_list_shows_the_unanswered_or_all(client, hfs_staff, presented_ticket,
                                                      provider_user, provider):
    from django.utils import timezone

    answered = workflow.present(make_submitted(provider_user, provider).pk, by=hfs_staff)
    now = timezone.now()
    Ticket.objects.filter(pk__in=[presented_ticket.pk, answered.pk]).update(
        sanction_candidate_at=now)
    Ticket.objects.filter(pk=answered.pk).update(responded_at=now)
    client.force_login(hfs_staff)
    everything = client.get("/tickets/overdue-responses/").content.decode()
    unanswered = client.get("/tickets/overdue-responses/", {"show": "open"}).content.decode()
    assert presented_ticket.number in everything and answered.number in everything
    assert presented_ticket.number in unanswered and answered.number not in unanswered


def test_the_review_queue_puts_open_records_after_due_decisions(provider_user, provider,
                                                                hfs_staff, client):
    from django.utils import timezone

    first = make_submitted(provider_user, provider)
    second = make_submitted(provider_user, provider)
    Ticket.objects.filter(pk__in=[first.pk, second.pk]).update(
        state="hfs_review", review_requested_at=timezone.now())
    Ticket.objects.filter(pk=second.pk).update(decision_due=timezone.now())
    client.force_login(hfs_staff)
    text = client.get("/tickets/reviews/").content.decode()
    assert text.index(second.number) < text.index(first.number)


def test_a_page_finds_its_keys_first_then_completes_only_its_rows(provider_user, provider,
                                                                  hfs_staff):
    """With ``rows``, the queue's own query finds the page's keys (no joins for display)
    and the rows are completed for those keys only, in the queue's order."""
    from tickets.views.hfs import triage_queryset, triage_rows

    for _ in range(5):
        make_submitted(provider_user, provider)
    order = list(triage_queryset(hfs_staff).values_list("pk", flat=True))
    completed = []

    def rows(queryset):
        completed.append(sorted(queryset.values_list("pk", flat=True)))
        return triage_rows(queryset)

    paginator = CappedPaginator(triage_queryset(hfs_staff), 2, rows=rows)
    second = paginator.page(2)
    assert [t.pk for t in second] == order[2:4]
    assert completed == [sorted(order[2:4])]
    assert all(t.triage_due_at == t.triage_due for t in second)  # the row's clock, joined
    assert [t.pk for t in paginator.page(3)] == order[4:]
    assert paginator.count == 5


def test_row_forms_give_each_row_its_own_ids():
    from tickets.forms import ExtensionDecisionForm
    from tickets.views.common import row_forms

    forms = row_forms(ExtensionDecisionForm, [7, 12])
    assert str(ExtensionDecisionForm(auto_id="x7_%s")) == forms[7]
    assert 'id="x12_note"' in forms[12] and "x7_" not in forms[12]
