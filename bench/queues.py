"""Benchmark of the queue pages at scale (issues 5 and 6): the HFS triage queue and an MCO's
queue with 100,000 tickets, through the real views (test client, signed in).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_queues \\
        .venv/bin/python bench/queues.py [--tickets 100000]

Creates (or empties) the named database, loads tickets with their clocks in bulk, then
times 30 requests of each page after a warm-up and prints the median, the 95th percentile
and the number of SQL queries per page.
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (it is dropped and re-created).")
    from bench.clock_sweep import ensure_database

    ensure_database(url)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    call_command("migrate", verbosity=0)

    from django.contrib.contenttypes.models import ContentType

    from deadlines.calendar import deadline_moment
    from deadlines.models import Clock
    from portal.models import MCO, ComplaintType
    from portal.reference_data import load_reference_data
    from tests import factories
    from tests.tickets.conftest import approve, make_provider
    from tickets.models import State, Ticket

    load_reference_data()
    provider_user = factories.provider_user()
    providers = [make_provider(i, npi="1234567893") for i in range(50)]
    for p in providers:
        approve(provider_user, p)
    hfs = factories.hfs_staff()
    mco_user = factories.mco_staff("molina")
    mcos = list(MCO.objects.all())
    types = list(ComplaintType.objects.all())
    now = timezone.now()
    ticket_type = ContentType.objects.get_for_model(Ticket)

    started = time.perf_counter()
    batch = []
    for i in range(args.tickets):
        presented = i % 2 == 0
        t = Ticket(
            number=f"PRP-2026-{i + 1:06d}", provider=providers[i % len(providers)],
            mco=mcos[i % len(mcos)], complaint_type=types[i % len(types)],
            dispute_filed_on=datetime.date(2026, 9, 1), tracking_number=f"T-{i}",
            internal_process_exhausted=True, description="Bench ticket.",
            created_by=provider_user, submitted_at=now - datetime.timedelta(minutes=i),
            presented_at=now if presented else None,
        )
        t.__dict__["state"] = State.WITH_MCO if presented else State.SUBMITTED
        batch.append(t)
    Ticket.objects.bulk_create(batch, batch_size=5000)
    clocks = []
    for t in Ticket.objects.values_list("pk", "state", named=True).iterator():
        kind = "mco_response" if t.state == State.WITH_MCO else "triage"
        due = (now + datetime.timedelta(days=(t.pk % 40) - 5)).date()
        clocks.append(Clock(
            kind=kind, content_type=ticket_type, object_id=t.pk, unit="business", length=10,
            started_at=now, start_date=now.date(), due_date=due, due_at=deadline_moment(due),
            outcome="",
        ))
    Clock.objects.bulk_create(clocks, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    load_s = time.perf_counter() - started

    def measure(user, path, runs=30):
        client = Client()
        client.force_login(user)
        client.get(path)  # warm-up
        samples = []
        for _ in range(runs):
            t0 = time.perf_counter()
            response = client.get(path)
            samples.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, response.status_code
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        samples.sort()
        return statistics.median(samples), samples[int(len(samples) * 0.95) - 1], len(queries)

    rows = [
        ("HFS triage queue", *measure(hfs, "/tickets/triage/")),
        ("HFS triage queue, search by ticket number",
         *measure(hfs, "/tickets/triage/?q=PRP-2026-000099")),
        ("MCO queue (Molina)", *measure(mco_user, "/tickets/mco/")),
        ("MCO queue, overdue only", *measure(mco_user, "/tickets/mco/?overdue=1")),
        ("Provider home", *measure(provider_user, "/home/provider/")),
    ]
    print(f"{args.tickets:,} tickets loaded in {load_s:.0f} s; {now:%Y-%m-%d}")
    print()
    print("| page | median (ms) | p95 (ms) | SQL queries |")
    print("|---|---:|---:|---:|")
    for name, median, p95, queries in rows:
        print(f"| {name} | {median:.1f} | {p95:.1f} | {queries} |")


if __name__ == "__main__":
    main()
