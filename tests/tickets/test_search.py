"""Find any ticket (issue 11): the All-tickets page for HFS staff, and for each party over
what it may see (R-SEC-1); its filters, search, order, capped count, export job and audit
row. Dates come from the tickets' own conftest (Wed Nov 4, 2026, Central time)."""

import datetime
import io

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from deadlines.calendar import CENTRAL
from jobs.models import Job
from portal.access import Role
from portal.models import AuditEvent
from tests import factories
from tests.tickets.conftest import CONTACT, RESPONSE, approve, make_provider, make_submitted
from tickets import search, workflow
from tickets.models import Ticket, TicketClaim

pytestmark = pytest.mark.django_db

URL = reverse("ticket_search")
DECISION = {"outcome": "provider", "reasoning": "Covered.", "rests_on_contract": True,
            "rests_on_policy": False, "rests_on_law": False, "citations": "Contract 5.3"}


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def numbers(response):
    """The ticket numbers the page lists, in order."""
    assert response.status_code == 200, response.content.decode()[:2000]
    return [t.number for t in response.context["page"].tickets]


def at(day, hour=10):
    return time_machine.travel(datetime.datetime(2026, 11, day, hour, tzinfo=CENTRAL),
                               tick=True)


def decided(ticket, *, provider_user, mco_staff, hfs_staff, outcome="provider"):
    workflow.present(ticket.pk, by=hfs_staff)
    workflow.respond(ticket.pk, by=mco_staff, response=RESPONSE)
    workflow.contest(ticket.pk, by=provider_user,
                     contact={**CONTACT, "contacted_on": timezone.localdate()})
    workflow.request_review(ticket.pk, by=provider_user)
    for party, user in (("provider", provider_user), ("mco", mco_staff)):
        workflow.save_review_submission(ticket.pk, by=user, party=party, statement="All.",
                                        contacts="Dana, 555", complete=True)
    return workflow.decide(ticket.pk, by=hfs_staff, decision={**DECISION, "outcome": outcome})


@pytest.fixture
def world(provider_user, provider, other_provider_user, other_provider, mco_staff,
          other_mco_staff, hfs_staff):
    """Five tickets of two providers and two MCOs, filed on different days, in different
    states: a closed one, a decided one, a presented one, two only submitted."""
    with at(2):
        decided_ticket = make_submitted(provider_user, provider, tracking="MOL-1001")
        decided(decided_ticket, provider_user=provider_user, mco_staff=mco_staff,
                hfs_staff=hfs_staff)
    with at(3):
        closed = make_submitted(provider_user, provider, tracking="MOL-1002",
                                type_slug="eligibility")
        workflow.close_at_triage(closed.pk, by=hfs_staff, reason="duplicate",
                                 note="Same as another.")
    with at(4, 9):
        presented = make_submitted(provider_user, provider, tracking="MOL-1003")
        workflow.present(presented.pk, by=hfs_staff)
        workflow.assign(presented.pk, to=hfs_staff)
    with at(4, 11):
        aetna = make_submitted(provider_user, provider, mco="aetna", tracking="PDXGR1234567")
        workflow.present(aetna.pk, by=hfs_staff)
    with at(4, 12):
        theirs = make_submitted(other_provider_user, other_provider, tracking="MOL-2001")
    tickets = {t: Ticket.objects.get(pk=getattr(v, "pk", v)) for t, v in {
        "decided": decided_ticket, "closed": closed, "presented": presented,
        "aetna": aetna, "theirs": theirs}.items()}
    return tickets


def test_hfs_staff_see_every_filed_ticket_closed_ones_too_never_a_draft(
        world, hfs_staff, provider_user, provider):
    from tests.tickets.conftest import make_draft

    make_draft(provider_user, provider, tracking="MOL-9999")
    response = logged_in(hfs_staff).get(URL)
    assert numbers(response) == [world[k].number for k in (
        "theirs", "aetna", "presented", "closed", "decided")]
    page = response.content.decode()
    assert "5 tickets" in page and "Draft" not in page
    assert "Closed" in page and "Duplicate" in page


@pytest.mark.parametrize("query, expected", [
    ({"mco": "aetna"}, ["aetna"]),
    ({"type": "eligibility"}, ["closed"]),
    ({"state": "closed"}, ["closed", "decided"]),
    ({"state": "open"}, ["theirs", "aetna", "presented"]),
    ({"state": "submitted"}, ["theirs"]),
    ({"close_reason": "duplicate"}, ["closed"]),
    ({"close_reason": "decided"}, ["decided"]),
    ({"outcome": "provider"}, ["decided"]),
    ({"outcome": "mco"}, []),
    ({"filed_from": "2026-11-03", "filed_to": "2026-11-03"}, ["closed"]),
    ({"filed_from": "2026-11-04"}, ["theirs", "aetna", "presented"]),
    ({"filed_to": "2026-11-02"}, ["decided"]),
    ({"closed_from": "2026-11-03"}, ["closed"]),
    ({"closed_to": "2026-11-02"}, ["decided"]),
    ({"assigned": "none", "state": "open"}, ["theirs", "aetna"]),
    ({"mco": "molina", "state": "open"}, ["theirs", "presented"]),
])
def test_each_filter(query, expected, world, hfs_staff):
    response = logged_in(hfs_staff).get(URL, query)
    assert numbers(response) == [world[k].number for k in expected]


def test_the_assigned_and_sanction_filters(world, hfs_staff):
    client = logged_in(hfs_staff)
    assert numbers(client.get(URL, {"assigned": hfs_staff.pk})) == [world["presented"].number]
    Ticket.objects.filter(pk=world["aetna"].pk).update(
        sanction_candidate_at=datetime.datetime(2026, 11, 4, 12, tzinfo=CENTRAL))
    assert numbers(client.get(URL, {"sanction": "yes"})) == [world["aetna"].number]
    assert world["aetna"].number not in numbers(client.get(URL, {"sanction": "no"}))


def test_search_by_ticket_number_with_or_without_the_leading_zeros(world, hfs_staff):
    client = logged_in(hfs_staff)
    number = world["closed"].number
    assert numbers(client.get(URL, {"q": number.lower()})) == [number]
    short = f"PRP-{number[4:8]}-{int(number[9:])}"
    assert numbers(client.get(URL, {"q": short})) == [number]


@pytest.mark.parametrize("typed", ["MOL-1002", "mol-1002", "  MOL-1002 "])
def test_search_by_the_tickets_tracking_number(typed, world, hfs_staff):
    assert numbers(logged_in(hfs_staff).get(URL, {"q": typed})) == [world["closed"].number]


def test_search_by_a_claim_rows_tracking_number_and_member_rin(world, hfs_staff):
    TicketClaim.objects.filter(ticket=world["decided"]).update(
        tracking_number="CLAIM-TRK-77", member_rin="987654321")
    client = logged_in(hfs_staff)
    assert numbers(client.get(URL, {"q": "claim-trk-77"})) == [world["decided"].number]
    assert numbers(client.get(URL, {"q": "987654321"})) == [world["decided"].number]


def test_search_by_provider_name_npi_tax_id_and_medicaid_id(world, hfs_staff, other_provider):
    client = logged_in(hfs_staff)
    theirs = [world["theirs"].number]
    assert numbers(client.get(URL, {"q": "lakeside clinic 1"})) == theirs
    assert numbers(client.get(URL, {"q": other_provider.medicaid_id})) == theirs
    tax_id = other_provider.tax_id
    assert numbers(client.get(URL, {"q": f"{tax_id[:2]}-{tax_id[2:]}"})) == theirs
    type(other_provider).objects.filter(pk=other_provider.pk).update(npi="1245319599")
    assert numbers(client.get(URL, {"q": "1245319599"})) == theirs


def test_search_by_words_of_the_description(world, hfs_staff):
    Ticket.objects.filter(pk=world["presented"].pk).update(
        description="The orthodontic claim was denied for a missing referral.")
    client = logged_in(hfs_staff)
    assert numbers(client.get(URL, {"q": "orthodontic referral"})) == [
        world["presented"].number]
    assert numbers(client.get(URL, {"q": "orthodontic podiatry"})) == []
    # Every other ticket of the fixture says "prior authorization was on file".
    assert len(numbers(client.get(URL, {"q": "prior authorization"}))) == 4


@pytest.mark.postgres
def test_full_text_search_on_postgresql_stems_words_and_uses_the_gin_index(world, hfs_staff):
    Ticket.objects.filter(pk=world["presented"].pk).update(
        description="Both orthodontic claims were denied; the referrals were on file.")
    client = logged_in(hfs_staff)
    assert numbers(client.get(URL, {"q": "orthodontics claim referral"})) == [
        world["presented"].number]
    assert numbers(client.get(URL, {"q": '"claims were denied"'})) == [
        world["presented"].number]
    found = search.text_search("orthodontic referral")
    assert found.uses_full_text
    tickets = search.matching(hfs_staff, {}, search=found)
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        plan = tickets.values("pk").explain()
        cursor.execute("SET enable_seqscan = on")
    assert "ticket_description_search_idx" in plan


def test_a_provider_finds_only_its_own_providers_tickets(world, provider_user,
                                                        other_provider_user):
    client = logged_in(provider_user)
    mine = numbers(client.get(URL))
    assert world["theirs"].number not in mine and len(mine) == 4
    for q in (world["theirs"].number, "MOL-2001", "Lakeside Clinic 1"):
        assert numbers(client.get(URL, {"q": q})) == []
    assert numbers(logged_in(other_provider_user).get(URL)) == [world["theirs"].number]
    # The history filter: the provider's closed tickets.
    assert numbers(client.get(URL, {"state": "closed"})) == [
        world["closed"].number, world["decided"].number]


def test_mco_staff_find_only_their_mcos_presented_tickets(world, mco_staff, other_mco_staff):
    molina = numbers(logged_in(mco_staff).get(URL))
    # Not "closed" (closed at triage, never presented) nor "theirs" (only submitted).
    assert molina == [world["presented"].number, world["decided"].number]
    assert numbers(logged_in(mco_staff).get(URL, {"q": "PDXGR1234567"})) == []
    assert numbers(logged_in(mco_staff).get(URL, {"q": "MOL-2001"})) == []
    assert numbers(logged_in(other_mco_staff).get(URL)) == [world["aetna"].number]
    assert numbers(logged_in(other_mco_staff).get(URL, {"q": "MOL-1003"})) == []


def test_the_filters_each_role_has(world, hfs_staff, mco_staff, provider_user):
    hfs = logged_in(hfs_staff).get(URL).content.decode()
    assert 'name="assigned"' in hfs and 'name="sanction"' in hfs and 'name="mco"' in hfs
    mco = logged_in(mco_staff).get(URL, {"assigned": hfs_staff.pk, "sanction": "yes"})
    assert 'name="assigned"' not in mco.content.decode() and 'name="mco"' not in (
        mco.content.decode())
    # A filter the role does not have is ignored, never applied.
    assert numbers(mco) == [world["presented"].number, world["decided"].number]
    provider = logged_in(provider_user).get(URL).content.decode()
    assert 'name="mco"' in provider and 'name="assigned"' not in provider


@pytest.mark.parametrize("sort, expected", [
    ("-filed", ["theirs", "aetna", "presented", "closed", "decided"]),
    ("filed", ["decided", "closed", "presented", "aetna", "theirs"]),
    ("-closed", ["closed", "decided", "theirs", "aetna", "presented"]),
    ("closed", ["decided", "closed", "presented", "aetna", "theirs"]),
    ("number", ["decided", "closed", "presented", "aetna", "theirs"]),
    ("-number", ["theirs", "aetna", "presented", "closed", "decided"]),
    ("; DROP TABLE", ["theirs", "aetna", "presented", "closed", "decided"]),
])
def test_sorting_by_a_whitelisted_key(sort, expected, world, hfs_staff):
    assert numbers(logged_in(hfs_staff).get(URL, {"sort": sort})) == [
        world[k].number for k in expected]


def test_the_sortable_headings_link_to_their_order_and_say_which_is_in_use(world, hfs_staff):
    page = logged_in(hfs_staff).get(URL, {"state": "closed", "sort": "-filed"}).content.decode()
    assert '<th scope="col" aria-sort="descending"><a class="usa-link portal-sort" ' \
           'href="?state=closed&amp;sort=filed">Filed' in page
    assert 'href="?state=closed&amp;sort=-closed">Closed' in page


def test_the_count_stops_at_the_cap_and_the_pages_with_it(world, hfs_staff, monkeypatch):
    monkeypatch.setattr(search, "COUNT_CAP", 3)
    monkeypatch.setattr(search, "PAGE_SIZE", 2)
    client = logged_in(hfs_staff)
    first = client.get(URL)
    page = first.context["page"]
    assert (page.count, page.more_than_cap, page.pages) == (4, True, 2)
    assert "3+ tickets" in first.content.decode()
    assert "More than 3 tickets match" in first.content.decode()
    last = client.get(URL, {"page": "99"}).context["page"]
    assert last.number == 2 and not last.has_next
    # The pages end with the count: the third ticket, not the fourth.
    assert [t.number for t in last.tickets] == [world["presented"].number]
    exact = client.get(URL, {"state": "open"})
    assert "3 tickets" in exact.content.decode() and not exact.context["page"].more_than_cap


# The provider user's four tickets, in each order (the sort test above, without "theirs").
PROVIDER_ORDERS = {
    "-filed": ["aetna", "presented", "closed", "decided"],
    "filed": ["decided", "closed", "presented", "aetna"],
    "-closed": ["closed", "decided", "aetna", "presented"],
    "closed": ["decided", "closed", "presented", "aetna"],
    "-number": ["aetna", "presented", "closed", "decided"],
}


@pytest.mark.parametrize("sort", PROVIDER_ORDERS)
def test_above_the_cap_a_page_is_its_keys_in_order_then_their_rows(
        sort, world, provider_user, monkeypatch):
    """More matches than the cap: the page's keys are read in the sort's order, only the
    person's own (R-SEC-1), then those rows shown (issue 14); the pages end at the cap."""
    monkeypatch.setattr(search, "COUNT_CAP", 3)
    monkeypatch.setattr(search, "PAGE_SIZE", 2)
    client = logged_in(provider_user)
    shown = []
    for number in (1, 2):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, {"sort": sort, "page": number})
        page = response.context["page"]
        assert page.more_than_cap and page.pages == 2
        shown += numbers(response)
        rows = [q["sql"] for q in queries if 'FROM "tickets_ticket"' in q["sql"]]
        assert len(rows) == 3, rows  # the capped ids, the page's keys, their rows
        assert all("LIMIT" in sql or "IN (" in sql for sql in rows), rows
    assert shown == [world[k].number for k in PROVIDER_ORDERS[sort][:3]]
    assert world["theirs"].number not in shown
    body = response.content.decode()
    assert world["decided"].provider.legal_name in body  # the rows' display joins


@pytest.mark.parametrize("query", [{}, {"q": "prior authorization"}, {"state": "closed"}])
def test_the_count_never_counts_the_whole_table(query, world, hfs_staff):
    with CaptureQueriesContext(connection) as queries:
        logged_in(hfs_staff).get(URL, query)
    tickets = [q["sql"] for q in queries if 'FROM "tickets_ticket"' in q["sql"]]
    assert len(tickets) == 2, tickets  # the ids that match (the count), then the page
    assert all("LIMIT" in sql for sql in tickets), tickets
    assert "COUNT(" not in " ".join(tickets).upper()


@pytest.mark.parametrize("query, field, message", [
    ({"filed_from": "2026-13-45"}, "filed_from", "Filed from: enter a real date, like"),
    ({"closed_to": "yesterday"}, "closed_to", "Closed to: enter a real date, like"),
    ({"mco": "no-such-mco"}, "mco", "MCO: choose one of the MCOs in the list."),
    ({"type": "x"}, "type", "Complaint type: choose one of the complaint types in the list."),
    ({"state": "draft"}, "state", "Status: choose one of the statuses in the list."),
    ({"outcome": "maybe"}, "outcome", "Decision outcome: choose one of the outcomes"),
    ({"assigned": "999999"}, "assigned", "Assigned HFS staff: choose one of the people"),
    ({"filed_from": "2026-11-04", "filed_to": "2026-11-01"}, "filed_to",
     "Filed to: the last day must be on or after the first."),
    ({"q": "x" * 201}, "q", "Search: use at most 200 characters."),
    ({"q": "MOL\x00-1002"}, "q", "Null characters are not allowed."),
])
def test_bad_input_is_named_at_its_field_and_kept(query, field, message, world, hfs_staff):
    response = logged_in(hfs_staff).get(URL, {**query, "q": query.get("q", "MOL-1002")})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert f'href="#id_{field}"' in page  # the summary links to the field
    assert 'value="MOL-1002"' in page or field == "q"  # what was typed is kept
    assert "page" not in response.context or response.context["page"] is None


@pytest.mark.parametrize("query", [{"page": "-1"}, {"page": "99999999999"}, {"page": "x"},
                                   {"sort": "provider__password"}, {"unknown": "1"}])
def test_odd_paging_and_ordering_fall_back_to_the_first_page_in_the_default_order(
        query, world, hfs_staff):
    response = logged_in(hfs_staff).get(URL, query)
    assert numbers(response)[0] == world["theirs"].number
    assert response.context["page"].number == 1


def test_each_search_is_an_audit_row(world, hfs_staff):
    response = logged_in(hfs_staff).get(URL, {"q": "MOL-1002", "state": "closed"})
    row = AuditEvent.objects.get(request_id=response["X-Request-ID"])
    assert (row.user, row.action, row.object_type, row.object_id) == (
        hfs_staff, "search", "ticket", None)
    assert "q=MOL-1002" in row.detail and "state=closed" in row.detail


def test_each_role_reaches_the_page_from_its_navigation(world, hfs_staff, mco_staff,
                                                        provider_user):
    for user in (hfs_staff, mco_staff, provider_user):
        nav = logged_in(user).get(reverse("home"), follow=True).context["nav_items"]
        assert {"label": "All tickets", "url": URL, "current": False} in nav


def _query_count(client, query=None):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, query or {}).status_code == 200
    return len(queries)


@pytest.mark.parametrize("query", [{}, {"q": "MOL-1001"}, {"q": "lakeside"},
                                   {"state": "closed", "outcome": "provider"}])
def test_the_number_of_queries_does_not_grow_with_the_tickets(
        query, hfs_staff, provider_user, provider, mco_staff, django_assert_max_num_queries):
    with at(2):
        decided(make_submitted(provider_user, provider, tracking="MOL-1001"),
                provider_user=provider_user, mco_staff=mco_staff, hfs_staff=hfs_staff)
    client = logged_in(hfs_staff)
    one = _query_count(client, query)
    with at(3):
        for n in range(6):
            ticket = make_submitted(provider_user, provider, tracking=f"MOL-1001{n}")
            workflow.assign(ticket.pk, to=factories.hfs_staff())
            decided(ticket, provider_user=provider_user, mco_staff=mco_staff,
                    hfs_staff=hfs_staff)
        make_submitted(provider_user, provider, tracking="MOL-1001")
    with django_assert_max_num_queries(one):
        client.get(URL, query)


# --- The export job -------------------------------------------------------------------


def _export(client, data, capture):
    with capture(execute=True):
        response = client.post(reverse("ticket_search_export"), data)
    assert response.status_code == 302
    job = Job.objects.latest("pk")
    assert response["Location"] == reverse("job_status", args=[job.pk])
    return job


def _sheet(client, job):
    response = client.get(reverse("job_download", args=[job.pk]))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return workbook["Tickets"]


def test_the_export_is_a_job_with_the_filters_and_text_cells_only(
        world, hfs_staff, django_capture_on_commit_callbacks):
    formula = '=HYPERLINK("http://evil.example","click")'
    Ticket.objects.filter(pk=world["closed"].pk).update(description=formula)
    client = logged_in(hfs_staff)
    job = _export(client, {"state": "closed", "sort": "filed"},
                  django_capture_on_commit_callbacks)
    assert job.status == "done" and job.rows_total == 2
    assert job.params == {"filters": {"state": "closed"}, "sort": "filed"}
    sheet = _sheet(client, job)
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:3] == ("Ticket", "Status", "Filed")
    assert "Assigned to" in header  # HFS staff get HFS's columns
    assert [r[0] for r in rows[1:]] == [world["decided"].number, world["closed"].number]
    cell = sheet.cell(row=3, column=header.index("Description") + 1)
    assert cell.value == formula and cell.data_type == "s"
    for row in sheet.iter_rows(min_row=2):
        for c in row:
            assert c.data_type != "f"
    export_row = AuditEvent.objects.get(action="export", object_id=job.pk)
    assert export_row.user == hfs_staff and "state=closed" in export_row.detail


def test_a_providers_export_holds_only_its_own_tickets(
        world, provider_user, django_capture_on_commit_callbacks):
    client = logged_in(provider_user)
    job = _export(client, {"q": "Lakeside"}, django_capture_on_commit_callbacks)
    rows = list(_sheet(client, job).iter_rows(values_only=True))
    assert world["theirs"].number not in [r[0] for r in rows]
    assert len(rows) == 1 + 4 and "Assigned to" not in rows[0]


def test_someone_elses_export_is_not_found(world, provider_user, other_provider_user,
                                           django_capture_on_commit_callbacks):
    job = _export(logged_in(provider_user), {}, django_capture_on_commit_callbacks)
    other = logged_in(other_provider_user)
    assert other.get(reverse("job_status", args=[job.pk])).status_code == 404
    assert other.get(reverse("job_download", args=[job.pk])).status_code == 404


def test_an_export_with_bad_filters_goes_back_to_the_page_with_them(world, hfs_staff):
    response = logged_in(hfs_staff).post(reverse("ticket_search_export"),
                                         {"filed_from": "not a date"})
    assert response.status_code == 302
    assert response["Location"] == URL + "?filed_from=not+a+date"
    assert not Job.objects.exists()


def test_the_export_is_cut_at_its_cap_and_says_so(world, hfs_staff, settings,
                                                  django_capture_on_commit_callbacks):
    settings.TICKET_EXPORT_MAX_ROWS = 2
    client = logged_in(hfs_staff)
    job = _export(client, {}, django_capture_on_commit_callbacks)
    sheet = _sheet(client, job)
    assert sheet.max_row == 3
    response = client.get(reverse("job_download", args=[job.pk]))
    about = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["About"]
    notes = " ".join(str(c.value) for row in about.iter_rows() for c in row if c.value)
    assert "Only the first 2 tickets in this order" in notes


def test_an_hfs_persona_without_the_group_gets_nothing(world, stranger):
    Group.objects.get(name=Role.HFS.group_name)  # the role exists; the stranger lacks it
    assert logged_in(stranger).get(URL).status_code == 403


def test_approving_a_membership_later_shows_that_providers_tickets(world, provider_user,
                                                                  other_provider):
    approve(provider_user, other_provider)
    assert world["theirs"].number in numbers(logged_in(provider_user).get(URL))


def test_a_provider_of_many_locations_searches_by_its_tax_id(world, provider_user, provider):
    second = make_provider(5)
    approve(provider_user, second)
    type(second).objects.filter(pk=second.pk).update(tax_id=provider.tax_id)
    with at(4, 13):
        ticket = make_submitted(provider_user, second, tracking="MOL-5005")
    found = numbers(logged_in(provider_user).get(URL, {"q": provider.tax_id}))
    assert ticket.number in found and len(found) == 5
