"""Benchmark of the integration API (issue 13) on PostgreSQL: an MCO client's ticket list
(the first page, a later page reached by following ``next``, each filter) and the change
feed read 1,000 events at a time, through the real views (Django's test client with the
bearer token, every middleware), at 100,000 tickets.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_api \\
        .venv/bin/python bench/api.py [--tickets 100000] [--runs 200] [--keep]

Creates (or empties) the named database and loads tickets with their clocks, decisions and
requests as ``bench/reports.py`` does (its ``Loader``, by COPY: three years of tickets, most
closed), plus each ticket's timeline events (submitted, presented, responded, closed...)
and its ``updated_at``. The query count of every request is taken first at ``--small``
tickets (1,000), then again once all are loaded: it must be the same (no query per row).
Then each request is timed ``--runs`` times after a warm-up: median and 95th percentile,
with the load average, as a Markdown table for docs/PERFORMANCE.md. ``--keep`` measures a
database an earlier run loaded (no reload, no small-size count).

The token's rate limit is raised for the run (the limiter still runs: its cache reads and
writes are in the figures); everything else is the portal's own settings.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.test_settings")

DAY = datetime.timedelta(days=1)
#: Targets (issue 13): a list page's p95 at 100,000 tickets; the feed reading 1,000 events.
LIST_P95_MS = 50
FEED_P95_MS = 100


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=1_000,
                        help="the first size at which the query counts are taken")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--keep", action="store_true",
                        help="measure the database loaded by an earlier run (no reload)")
    parser.add_argument("--freeze-gc", action="store_true",
                        help="gc.freeze() before timing, as a server that freezes its "
                             "start-up objects would (no full collections over them)")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (it is dropped and re-created).")
    if not args.keep:
        from bench.clock_sweep import ensure_database

        ensure_database(url)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        "api_read": "1000000/min", "api_write": "1000000/min"}}
    now = timezone.now()
    small_counts, load_s = None, None
    call_command("migrate", verbosity=0)  # with --keep: the migrations made since the load
    if not args.keep:
        started = time.perf_counter()
        loader = start_loading(args.tickets, now)
        load_tickets(loader, 0, min(args.small, args.tickets))
        analyze()
        small_counts = query_counts(requests_to_time(api_client(), now))
        load_tickets(loader, min(args.small, args.tickets), args.tickets)
        finish_loading()
        load_s = time.perf_counter() - started
    client = api_client()
    requests = requests_to_time(client, now)
    counts = query_counts(requests)
    if small_counts is not None:
        changed = {name: (small_counts[name], counts[name]) for name in counts
                   if small_counts.get(name) != counts[name]}
        assert not changed, f"query counts change with the number of tickets: {changed}"

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tickets_ticket")
        tickets = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM tickets_ticketevent")
        events = cursor.fetchone()[0]
    visible = visible_counts(client)
    if args.freeze_gc:
        import gc

        gc.collect()
        gc.freeze()
    before = os.getloadavg()
    rows = [(name, *timed(client, path, args.runs), counts[name], target)
            for name, path, target in requests]
    after = os.getloadavg()

    print()
    loaded = "loaded by an earlier run" if load_s is None else f"loaded in {load_s:.0f} s"
    print(f"{tickets:,} tickets and {events:,} events ({loaded}); the MCO client sees "
          f"{visible['tickets']:,} tickets and {visible['events']:,} events. "
          f"{now:%Y-%m-%d}, {os.cpu_count()} cores, load average (1/5/15 min) "
          f"{before[0]:.2f}/{before[1]:.2f}/{before[2]:.2f} before the runs, "
          f"{after[0]:.2f}/{after[1]:.2f}/{after[2]:.2f} after; {args.runs} requests each"
          f"{'; gc.freeze() before the runs' if args.freeze_gc else ''}.")
    if small_counts is not None:
        print(f"Query counts at {min(args.small, args.tickets):,} and {tickets:,} tickets: "
              "the same for every request.")
    print()
    print("| request | rows | median (ms) | p95 (ms) | SQL queries | target p95 (ms) | met |")
    print("|---|---:|---:|---:|---:|---:|---|")
    missed = []
    for name, returned, median, p95, queries, target in rows:
        met = p95 <= target
        if not met:
            missed.append(name)
        print(f"| {name} | {returned} | {median:.1f} | {p95:.1f} | {queries} | {target} | "
              f"{'yes' if met else 'no'} |")
    if missed:
        print()
        print("Missed: " + "; ".join(missed) + ". Their queries, with EXPLAIN ANALYZE:")
        for name, path, _target in requests:
            if name in missed:
                explain(client, name, path)


# --- Loading ----------------------------------------------------------------------------


def start_loading(count, now):
    """The reference data, the people and providers, and ``bench.reports``'s Loader."""
    from bench.reports import Loader
    from portal.models import MCO, ComplaintType
    from portal.reference_data import load_reference_data
    from tests import factories
    from tests.tickets.conftest import approve, make_provider

    load_reference_data()
    provider_user = factories.provider_user(email="provider@bench.invalid")
    providers = [make_provider(i, npi="1234567893") for i in range(50)]
    for p in providers:
        approve(provider_user, p)
    people = {"provider": provider_user.pk,
              "hfs": factories.hfs_staff(email="hfs@bench.invalid").pk,
              "mco": factories.mco_staff("molina", email="mco@bench.invalid").pk}
    return Loader(tickets=count, now=now, people=people,
                  mcos=list(MCO.objects.values_list("pk", flat=True)),
                  types=list(ComplaintType.objects.values_list("pk", flat=True)),
                  providers=[p.pk for p in providers])


def load_tickets(loader, first, last, batch=50_000):
    """Tickets ``first`` to ``last`` (0-based) with their rows around them and events."""
    from bench.reports import copy_rows, reset_sequence
    from deadlines.models import Clock
    from tickets.models import (
        Decision,
        ExtensionRequest,
        InformationRequest,
        Investigation,
        RepresentativeContact,
        Ticket,
        TicketEvent,
    )

    for start in range(first, last, batch):
        rows = [loader.ticket(i) for i in range(start, min(start + batch, last))]
        events = []
        for row in rows:
            timeline = list(ticket_events(row, loader.people))
            row["updated_at"] = timeline[-1]["at"]
            events.extend(timeline)
        copy_rows(Ticket, rows)
        copy_rows(TicketEvent, events)
        copy_rows(Clock, loader.clocks)
        for model, name in ((Decision, "decisions"), (RepresentativeContact, "contacts"),
                            (ExtensionRequest, "extensions"),
                            (InformationRequest, "requests"),
                            (Investigation, "investigations")):
            copy_rows(model, getattr(loader, name))
            setattr(loader, name, [])
        loader.clocks = []
        print(f"  {start + len(rows):,} tickets loaded", flush=True)
    for model in (Ticket, TicketEvent, Clock, Decision, RepresentativeContact,
                  ExtensionRequest, InformationRequest, Investigation):
        reset_sequence(model)


def ticket_events(row, people):
    """A ticket's timeline as its row tells it, oldest first."""
    steps = [("submitted", "draft", "submitted", "provider", row["submitted_at"])]
    if row.get("presented_at"):
        steps.append(("presented", "submitted", "with_mco", "hfs", row["presented_at"]))
    if row.get("responded_at"):
        steps.append(("responded", "with_mco", "mco_responded", "mco", row["responded_at"]))
    if row.get("review_requested_at"):
        steps.append(("review_requested", "contested", "hfs_review", "provider",
                      row["review_requested_at"]))
    if row.get("closed_at"):
        steps.append((row.get("close_reason") or "closed", "", "closed", "hfs",
                      row["closed_at"]))
    actor = {"provider": people["provider"], "hfs": people["hfs"], "mco": people["mco"]}
    for action, from_state, to_state, role, at in steps:
        yield {"ticket_id": row["id"], "action": action, "from_state": from_state,
               "to_state": to_state, "actor_id": actor[role], "role": role, "at": at,
               "note": "", "internal": False}


def analyze():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def finish_loading():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as autovacuum would after a bulk load


# --- The client and its requests ----------------------------------------------------------


def api_client():
    """A fresh Molina client (each run its own) with a read token, as a test client."""
    from django.test import Client

    from api import clients
    from portal.models import MCO, User
    from tests import factories

    run = time.time_ns()
    hfs = User.objects.filter(email="hfs@bench.invalid").first() or factories.hfs_staff(
        email="hfs@bench.invalid")
    client = clients.create_client(by=hfs, kind="mco", name=f"Molina bench {run}",
                                   contact_email="it@molina.example.test",
                                   mco=MCO.objects.get(slug="molina"))
    _token, secret = clients.issue_token(client, by=hfs, name="bench", scope="read")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def requests_to_time(client, now):
    """(name, path, target p95) of each request; the later page is reached by following
    ``next`` from the first page ten times (or as far as it goes)."""
    from django.utils import timezone

    from deadlines.calendar import CENTRAL

    today = timezone.localtime(now, CENTRAL).date()
    path = "/api/v1/tickets"
    for _ in range(10):
        following = client.get(path).json().get("next")
        if not following:
            break
        path = following.split("testserver", 1)[-1]
    week = (today + 7 * DAY).isoformat()
    since = (now - DAY).isoformat()
    return [
        ("tickets: first page (50)", "/api/v1/tickets", LIST_P95_MS),
        ("tickets: a later page, following next 10 times", path, LIST_P95_MS),
        ("tickets: state=with_mco", "/api/v1/tickets?state=with_mco", LIST_P95_MS),
        ("tickets: response_due_before a week ahead",
         f"/api/v1/tickets?response_due_before={week}", LIST_P95_MS),
        ("tickets: state=with_mco and response_due_before a week ahead",
         f"/api/v1/tickets?state=with_mco&response_due_before={week}", LIST_P95_MS),
        ("tickets: response_due_before two years ago (the oldest only)",
         f"/api/v1/tickets?response_due_before={(today - 730 * DAY).isoformat()}",
         LIST_P95_MS),
        ("tickets: updated_since a day ago",
         "/api/v1/tickets?" + _query(updated_since=since), LIST_P95_MS),
        ("tickets: updated_since a year ago",
         "/api/v1/tickets?" + _query(updated_since=(now - 365 * DAY).isoformat()),
         LIST_P95_MS),
        ("events: limit=1000 from the start", "/api/v1/events?limit=1000", FEED_P95_MS),
        ("events: limit=1000 from the middle", _middle_of_feed(client), FEED_P95_MS),
    ]


def _query(**params):
    from urllib.parse import urlencode

    return urlencode(params)


def _middle_of_feed(client):
    """The feed read on from a cursor half-way through what the client may see."""
    from api import feed
    from api.models import ApiToken

    token = ApiToken.objects.select_related("client__user").order_by("-pk").first()
    events = feed.visible_events(token.client.user).order_by("txid", "pk")
    middle = events[events.count() // 2]
    return f"/api/v1/events?limit=1000&after={feed.cursor_of(middle)}"


def query_counts(requests):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_client()
    client.get("/api/v1/me")  # a new token's first request also notes its last use
    counts = {}
    for name, path, _target in requests:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code, response.content)
        counts[name] = len(queries)
    return counts


def visible_counts(client):
    from api import feed
    from api.models import ApiToken
    from tickets.models import Ticket

    user = ApiToken.objects.select_related("client__user").order_by(
        "-pk").first().client.user
    return {"tickets": Ticket.objects.visible_to(user).count(),
            "events": feed.visible_events(user).count()}


def timed(client, path, runs):
    response = client.get(path)  # warm-up
    assert response.status_code == 200, (path, response.status_code, response.content)
    body = response.json()
    returned = len(body.get("results", body.get("events", [])))
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.status_code
    samples.sort()
    p95 = samples[max(0, int(len(samples) * 0.95 + 0.5) - 1)]
    return returned, statistics.median(samples), p95


def explain(client, name, path):
    """Print EXPLAIN ANALYZE of the request's slowest query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    slowest = max(queries.captured_queries, key=lambda q: float(q["time"]))
    print()
    print(f"### {name} ({slowest['time']} s)")
    print(slowest["sql"])
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
        for (line,) in cursor.fetchall():
            print("    " + line)


if __name__ == "__main__":
    main()
