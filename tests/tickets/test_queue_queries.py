"""Every queue page and every role's home answers in the same number of SQL queries
whatever the number of tickets, and each queue's order is the one its partial index reads
(issue 14). The triage queue's and the MCO queue's first pages are in test_queue_scale.py;
here: their filters, the review, extension and registration queues, both overdue lists,
the HFS and provider homes."""

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from registration import services as registration
from registration.models import DenialReason, RegistrationRequest
from tests.registration.helpers import make_request
from tests.tickets.conftest import CONTACT, RESPONSE, make_submitted
from tickets import workflow
from tickets.models import ExtensionRequest, Ticket

pytestmark = pytest.mark.django_db


# --- Tickets in each state, made through the workflow -------------------------------------


def _presented(world):
    return workflow.present(_submitted(world).pk, by=world["hfs"])


def _submitted(world):
    world["n"] += 1
    return make_submitted(world["provider_user"], world["provider"],
                          tracking=f"MOL-{world['n']:05d}")


def _assigned(world):
    ticket = _submitted(world)
    workflow.assign(ticket.pk, to=world["hfs"])
    return ticket


def _triage_overdue(world):
    ticket = _submitted(world)
    Ticket.objects.filter(pk=ticket.pk).update(
        triage_due=timezone.now() - datetime.timedelta(days=1))
    return ticket


def _closed_at_triage(world):
    return workflow.close_at_triage(_submitted(world).pk, by=world["hfs"],
                                    reason="duplicate")


def _awaiting(world):
    return workflow.request_information(_presented(world).pk, by=world["mco"],
                                        request_text="The EOB, please.")


def _extension_pending(world):
    ticket = _presented(world)
    workflow.ask_for_extension(ticket.pk, by=world["mco"], circumstances="Flood.")
    return ticket


def _overdue_response(world):
    """A sanction candidate not answered: its response was due yesterday, and the sweep
    marked it a minute later (R-FLOW-2)."""
    ticket = _presented(world)
    due = timezone.now() - datetime.timedelta(days=1)
    Ticket.objects.filter(pk=ticket.pk).update(
        response_due=due, sanction_candidate_at=due + datetime.timedelta(minutes=1))
    return ticket


def _responded(world):
    return workflow.respond(_presented(world).pk, by=world["mco"], response=RESPONSE)


def _closed_accepted(world):
    return workflow.accept(_responded(world).pk, by=world["provider_user"])


def _contested(world):
    return workflow.contest(_responded(world).pk, by=world["provider_user"],
                            contact=CONTACT)


def _in_review(world):
    return workflow.request_review(_contested(world).pk, by=world["provider_user"])


def _decision_due(world):
    """In review with its record closed: the decision clock runs (decision_due set)."""
    ticket = _in_review(world)
    workflow.close_record(Ticket.objects.get(pk=ticket.pk), at=timezone.now(),
                          why="Both parties are done.")
    return ticket


STAGES = {f.__name__.lstrip("_"): f for f in (
    _submitted, _assigned, _triage_overdue, _closed_at_triage, _presented, _awaiting,
    _extension_pending, _overdue_response, _responded, _closed_accepted, _contested,
    _in_review, _decision_due)}


@pytest.fixture
def world(provider_user, provider, hfs_staff, mco_staff, registration_admin):
    return {"n": 0, "provider_user": provider_user, "provider": provider, "hfs": hfs_staff,
            "mco": mco_staff, "registration_admin": registration_admin}


def _add_tickets(world, stages):
    for stage in stages:
        STAGES[stage](world)


def _add_requests(world, count):
    """Registration requests, open, approved and denied in turn."""
    reason = DenialReason.objects.first()
    for i in range(count):
        world["n"] += 1
        request = make_request(world["provider_user"], at=timezone.now(),
                               email=f"requester{world['n']}@example.test")
        if i % 3 == 1:
            registration.approve(request, by=world["registration_admin"],
                                 provider_ids=list(request.providers.values_list(
                                     "pk", flat=True)))
        elif i % 3 == 2:
            registration.deny(request, by=world["registration_admin"], reasons=[reason])


# --- The pages -------------------------------------------------------------------------

# (persona, path, the stage that puts a row on the page)
PAGES = [
    ("hfs", "/tickets/triage/?overdue=1", "triage_overdue"),
    ("hfs", "/tickets/triage/?mco=molina", "submitted"),
    ("hfs", "/tickets/triage/?mine=1", "assigned"),
    ("hfs", "/tickets/triage/?page=2", "submitted"),
    ("hfs", "/tickets/reviews/", "decision_due"),
    ("hfs", "/tickets/extensions/", "extension_pending"),
    ("hfs", "/tickets/overdue-responses/", "overdue_response"),
    ("hfs", "/tickets/overdue-responses/?show=open", "overdue_response"),
    ("hfs", "/home/hfs/", "submitted"),
    ("mco", "/tickets/mco/?status=open", "responded"),
    ("mco", "/tickets/mco/?status=with_mco", "presented"),
    ("mco", "/tickets/mco/?status=awaiting_provider_info", "awaiting"),
    ("mco", "/tickets/mco/?status=mco_responded", "responded"),
    ("mco", "/tickets/mco/?status=closed", "closed_accepted"),
    ("mco", "/tickets/mco/?status=all", "presented"),
    ("mco", "/tickets/mco/?overdue=1", "overdue_response"),
    ("mco", "/tickets/mco/?awaiting=1", "awaiting"),
    ("mco", "/tickets/mco/?mine=1&status=all", "presented"),
    ("provider_user", "/home/provider/", "responded"),
    ("registration_admin", "/registration/queue/", None),
    ("registration_admin", "/registration/queue/?status=all", None),
    ("registration_admin", "/registration/queue/?overdue=1", None),
]


def _assign_presented(world):
    """The MCO's "assigned to me": every presented ticket is the MCO persona's."""
    Ticket.objects.filter(presented_at__isnull=False).update(mco_assigned_to=world["mco"])


def _client(world, persona):
    client = Client()
    client.force_login(world[persona])
    return client


def _queries(client, path):
    client.get(path)  # a first request fills the per-process caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, path
    return captured


@pytest.mark.parametrize(("persona", "path", "stage"), PAGES)
def test_the_page_costs_the_same_queries_for_3_or_15_tickets(world, persona, path, stage):
    """Three tickets (the page's own kind among them), then twelve more of every state."""
    client = _client(world, persona)
    if stage is None:
        _add_requests(world, 3)
    else:
        _add_tickets(world, [stage, "presented", "closed_accepted"])
    _assign_presented(world)
    few = _queries(client, path)
    if stage is None:
        _add_requests(world, 12)
    else:
        _add_tickets(world, (list(STAGES) * 2)[:12])
    _assign_presented(world)
    many = _queries(client, path)
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)


def test_the_mixed_states_are_what_the_pages_list(world):
    """The stages above make what they say (so the counts compare full pages)."""
    _add_tickets(world, list(STAGES))
    states = set(Ticket.objects.values_list("state", flat=True))
    assert states >= {"submitted", "with_mco", "awaiting_provider_info", "mco_responded",
                      "contested", "hfs_review", "closed"}
    assert ExtensionRequest.objects.filter(status="pending").exists()
    assert Ticket.objects.filter(state="hfs_review", decision_due__isnull=False).exists()
    _add_requests(world, 3)
    assert set(RegistrationRequest.objects.values_list("status", flat=True)) == {
        "submitted", "approved", "denied"}


# --- Each queue's order is its partial index's ---------------------------------------------

# (persona, path, stage, the index, the index's leading columns the query fixes by equality)
ORDERED = [
    ("hfs", "/tickets/triage/", "submitted", Ticket, "ticket_triage_queue_idx", 0),
    ("hfs", "/tickets/triage/?overdue=1", "triage_overdue", Ticket,
     "ticket_triage_queue_idx", 0),
    ("hfs", "/tickets/reviews/", "decision_due", Ticket, "ticket_review_queue_idx", 0),
    ("hfs", "/tickets/overdue-responses/", "overdue_response", Ticket,
     "ticket_sanctions_idx", 0),
    ("hfs", "/tickets/overdue-responses/?show=open", "overdue_response", Ticket,
     "ticket_overdue_response_idx", 0),
    ("hfs", "/tickets/extensions/", "extension_pending", ExtensionRequest,
     "extension_pending_idx", 0),
    ("mco", "/tickets/mco/", "presented", Ticket, "ticket_mco_action_queue_idx", 1),
    ("mco", "/tickets/mco/?overdue=1", "overdue_response", Ticket,
     "ticket_mco_action_queue_idx", 1),
    ("mco", "/tickets/mco/?status=open", "responded", Ticket, "ticket_mco_open_queue_idx", 1),
    ("mco", "/tickets/mco/?status=all", "presented", Ticket, "ticket_mco_queue_idx", 1),
    ("mco", "/tickets/mco/?status=closed", "closed_accepted", Ticket,
     "ticket_mco_queue_idx", 1),
    ("registration_admin", "/registration/queue/", None, RegistrationRequest,
     "regreq_queue_idx", 1),
    ("registration_admin", "/registration/queue/?status=approved", None, RegistrationRequest,
     "regreq_queue_idx", 1),
    ("registration_admin", "/registration/queue/?status=all", None, RegistrationRequest,
     "regreq_all_idx", 0),
]
ORDERED_IDS = [path for _persona, path, *_rest in ORDERED]


def _page_query(world, persona, path, stage, model):
    """The page's own query: the one that reads the rows shown, from ``model``'s table.
    Two rows for the page, and some history it must not read."""
    if stage is None:
        _add_requests(world, 4)
    else:
        _add_tickets(world, [stage, stage, "closed_accepted", "closed_at_triage"])
    captured = _queries(_client(world, persona), path)
    table = connection.ops.quote_name(model._meta.db_table)
    pages = [q["sql"] for q in captured.captured_queries
             if re.search(rf"FROM {re.escape(table)}", q["sql"]) and " ORDER BY " in q["sql"]
             and " LIMIT " in q["sql"] and not q["sql"].startswith("SELECT COUNT(")]
    assert pages, f"no paged query on {table}"
    return pages[0]


def _order_by(sql):
    """[(column, descending)] of the query's outermost ORDER BY."""
    clause = sql.rsplit(" ORDER BY ", 1)[1].split(" LIMIT ")[0]
    order = []
    for term in clause.split(", "):
        column = term.split()[0].rsplit(".", 1)[-1].strip('"')
        order.append((column, " DESC" in term))
    return order


@pytest.mark.parametrize(("persona", "path", "stage", "model", "index", "fixed"), ORDERED,
                         ids=ORDERED_IDS)
def test_the_queue_orders_by_its_index_columns(world, persona, path, stage, model, index,
                                               fixed):
    """The ORDER BY is the index's columns after the ones the filter fixes, all one way
    (read forward or backward), the id last: the page is read from the index in order."""
    definition = next(i for i in model._meta.indexes if i.name == index)
    columns = [model._meta.get_field(f.lstrip("-")).column for f in definition.fields]
    sql = _page_query(world, persona, path, stage, model)
    order = _order_by(sql)
    assert [column for column, _desc in order] == columns[fixed:], sql
    assert len({desc for _column, desc in order}) == 1
    assert order[-1][0] == "id"


@pytest.mark.postgres
@pytest.mark.parametrize(("persona", "path", "stage", "model", "index", "fixed"), ORDERED,
                         ids=ORDERED_IDS)
def test_postgresql_reads_the_page_from_the_partial_index_without_sorting(
        world, persona, path, stage, model, index, fixed):
    """The named index can give the page in order: with sequential scans, bitmap scans and
    sorts priced out (with a few rows either would be cheapest), and the other indexes on
    the same columns dropped for the test's transaction (with a few rows the planner may
    take any of them), the plan reads the named index and has no Sort node."""
    sql = _page_query(world, persona, path, stage, model)
    definition = next(i for i in model._meta.indexes if i.name == index)
    siblings = [i.name for i in model._meta.indexes
                if i.name != index and list(i.fields) == list(definition.fields)]
    with connection.cursor() as cursor:
        for name in siblings:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(line for (line,) in cursor.fetchall())
    main = _without_subplans(plan)
    assert re.search(rf"Index (Only )?Scan( Backward)? using {index} ", main), plan
    assert not re.search(r"(^|->)\s*(Incremental )?Sort ", main, re.MULTILINE), plan


def _without_subplans(plan):
    """The plan without its SubPlan blocks (a row's own subquery, e.g. the MCO queue's
    extension status: at most one row to order, whatever the queue)."""
    kept, inside = [], None
    for line in plan.splitlines():
        indent = len(line) - len(line.lstrip())
        if inside is not None and indent > inside:
            continue
        inside = indent if line.strip().startswith("SubPlan") else None
        if inside is None:
            kept.append(line)
    return "\n".join(kept)
