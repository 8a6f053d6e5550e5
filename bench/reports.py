"""Benchmark of the reports at scale (issue 11): the HFS reports page for a year, the MCO
scorecard, a spreadsheet export and publishing a quarter, with 1,000,000 tickets and their
clocks over three years, through the real views (test client, signed in).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_reports \\
        .venv/bin/python bench/reports.py [--tickets 1000000]

Creates (or empties) the named database and loads tickets, clocks, decisions, contacts,
extension and information requests with COPY (most tickets closed, about 3% still open),
then recounts the summaries from scratch (``reports.summaries.rebuild``, timed), times a
refresh of 1,000 changed tickets, and times 20 requests of each page after a warm-up:
median, 95th percentile and SQL queries per page, with the load average.
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.test_settings")

DAY = datetime.timedelta(days=1)


def copy_rows(model, rows):
    """COPY ``rows`` (dicts by attname; every other column gets its default; the primary key
    only when the rows give it) into the model's table. Returns how many were written."""
    from django.db import connection
    from django.db.models import NOT_PROVIDED

    rows = list(rows)
    if not rows:
        return 0
    fields = list(model._meta.concrete_fields)
    if model._meta.pk.attname not in rows[0]:  # the database numbers them
        fields.remove(model._meta.pk)
    defaults = {}
    for f in fields:
        if f.default is not NOT_PROVIDED:
            defaults[f.attname] = f.get_default()
        elif f.blank and f.get_internal_type() in ("CharField", "TextField"):
            defaults[f.attname] = ""
        else:
            defaults[f.attname] = None
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row.get(f.attname, defaults[f.attname]) for f in fields])
            count += 1
    return count


def reset_sequence(model):
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [model]):
            cursor.execute(sql)


class Loader:
    """Tickets over ``years`` years up to ``now``, each lived to a plausible end."""

    def __init__(self, *, tickets, now, people, mcos, types, providers):
        from django.contrib.contenttypes.models import ContentType

        from deadlines.calendar import CENTRAL
        from tickets.models import Ticket

        self.n, self.now, self.people = tickets, now, people
        self.mcos, self.types, self.providers = mcos, types, providers
        self.rng = random.Random(11)
        self.central = CENTRAL
        self.ticket_type = ContentType.objects.get_for_model(Ticket).pk
        self.start = now - datetime.timedelta(days=3 * 365)
        self.clocks, self.decisions, self.contacts = [], [], []
        self.extensions, self.requests, self.investigations = [], [], []
        self.clock_id = 0

    def end_of(self, day):
        return datetime.datetime.combine(day, datetime.time(23, 59, 59, 999999),
                                         tzinfo=self.central)

    def clock(self, ticket_id, kind, unit, length, started, end=None, outcome=""):
        """A clock started at ``started``; ``end``: when its step happened (None: it runs,
        or expired at its due moment when that has passed)."""
        start_date = started.astimezone(self.central).date()
        days = length if unit == "calendar" else length * 7 // 5
        due_date = start_date + days * DAY
        due_at = self.end_of(due_date)
        stopped_at, event = None, ""
        if end is not None:
            stopped_at = end
            if not outcome:
                outcome = "expired" if end > due_at else "met"
        elif due_at < self.now:
            outcome, stopped_at = "expired", due_at + datetime.timedelta(minutes=1)
        self.clock_id += 1
        self.clocks.append({
            "id": self.clock_id, "kind": kind, "content_type_id": self.ticket_type,
            "object_id": ticket_id, "unit": unit, "length": length, "started_at": started,
            "start_date": start_date, "start_event": "bench", "due_date": due_date,
            "due_at": due_at, "stopped_at": stopped_at, "stop_event": event,
            "outcome": outcome,
        })
        return due_at, outcome

    def ticket(self, i):
        """One ticket's row; its clocks and the rows around it are collected on the side."""
        from tickets.models.ticket import TRIAGE_CLOSE_REASONS, State

        rng, pk = self.rng, i + 1
        span = (self.now - self.start).total_seconds()
        submitted = self.start + datetime.timedelta(seconds=span * i / self.n
                                                    + rng.random() * 600)
        row = {
            "id": pk, "number": f"PRP-{submitted.year}-{pk:07d}",
            "provider_id": self.providers[i % len(self.providers)],
            "mco_id": self.mcos[rng.randrange(len(self.mcos))],
            "complaint_type_id": self.types[rng.randrange(len(self.types))],
            "dispute_filed_on": (submitted - 40 * DAY).date(), "tracking_number": f"T-{pk}",
            "internal_process_exhausted": True, "description": "Bench ticket.",
            "created_by_id": self.people["provider"], "created_at": submitted,
            "submitted_at": submitted, "submitted_by_id": self.people["provider"],
            "state": State.SUBMITTED,
        }
        hfs = self.people["hfs"]
        late_open = (self.now - submitted).days < 100  # the newest tickets may still be open
        triage_end = submitted + rng.choice([1, 2, 3, 4, 6, 8, 12, 15]) * DAY
        if late_open and rng.random() < 0.15 and triage_end > self.now - 5 * DAY:
            self.clock(pk, "triage", "business", 10, submitted)
            return row
        if rng.random() < 0.08:  # closed at triage
            self.clock(pk, "triage", "business", 10, submitted, triage_end, outcome="stopped")
            row.update(state=State.CLOSED, closed_at=triage_end,
                       close_reason=rng.choice(TRIAGE_CLOSE_REASONS))
            return row
        presented = triage_end
        _, triage = self.clock(pk, "triage", "business", 10, submitted, presented)
        row.update(state=State.WITH_MCO, presented_at=presented, presented_by_id=hfs)
        if triage == "expired":
            row["triage_overdue_at"] = presented - DAY
        self.clock(pk, "info_window", "business", 5, presented, presented + 7 * DAY,
                   outcome="expired")
        extended = rng.random() < 0.05
        if extended:
            self.extensions.append({
                "ticket_id": pk, "party": rng.choice(["mco", "provider"]),
                "requested_by_id": self.people["mco"], "requested_at": presented + 10 * DAY,
                "circumstances": "Bench.", "status": "approved", "decided_by_id": hfs,
                "decided_at": presented + 11 * DAY})
        elif rng.random() < 0.02:
            self.extensions.append({
                "ticket_id": pk, "party": "mco", "requested_by_id": self.people["mco"],
                "requested_at": presented + 10 * DAY, "circumstances": "Bench.",
                "status": "denied", "decided_by_id": hfs, "decided_at": presented + 11 * DAY})
        self.clock(pk, "extension_cutoff", "calendar", 23, presented,
                   presented + 24 * DAY, outcome="expired")
        if rng.random() < 0.15:
            asked = presented + 2 * DAY
            answered = asked + rng.choice([1, 2, 3, 4, 5, 8]) * DAY
            if answered > self.now:
                answered = None
            self.requests.append({"ticket_id": pk, "requested_by_id": self.people["mco"],
                                  "requested_at": asked, "request_text": "Bench.",
                                  "answered_by_id": self.people["provider"] if answered
                                  else None, "answered_at": answered})
            self.clock(pk, "provider_info", "business", 5, asked, answered)
        respond_days = rng.choice([5, 10, 14, 20, 25, 28, 29, 30, 33, 40, 55])
        responded = presented + respond_days * DAY
        length = 60 if extended else 30
        if responded > self.now or rng.random() < 0.02:
            due_at, outcome = self.clock(pk, "mco_response", "calendar", length, presented)
            if outcome == "expired":
                row["sanction_candidate_at"] = due_at
            return row
        due_at, outcome = self.clock(pk, "mco_response", "calendar", length, presented,
                                     responded)
        if outcome == "expired":
            row["sanction_candidate_at"] = due_at
        row.update(state=State.MCO_RESPONDED, responded_at=responded)
        self.clock(pk, "review_request", "calendar", 30, responded,
                   responded + rng.choice([3, 5]) * DAY, outcome="stopped")
        roll = rng.random()
        if roll < 0.4:
            closed = responded + 2 * DAY
            self.clock(pk, "provider_answer", "business", 5, responded, closed,
                       outcome="stopped")
            row.update(state=State.CLOSED, closed_at=closed, close_reason="accepted")
        elif roll < 0.75:
            closed = responded + 8 * DAY
            self.clock(pk, "provider_answer", "business", 5, responded, None)
            row.update(state=State.CLOSED, closed_at=closed, close_reason="deemed_accepted")
        else:
            contested = responded + 3 * DAY
            self.clock(pk, "provider_answer", "business", 5, responded, contested)
            self.contacts.append({"ticket_id": pk, "contacted_on": contested.date(),
                                  "method": "phone", "outcome": "Bench.",
                                  "recorded_by_id": self.people["provider"],
                                  "recorded_at": contested})
            if rng.random() < 0.4:
                closed = responded + 31 * DAY
                row.update(state=State.CLOSED, closed_at=closed,
                           close_reason="no_review_requested")
            else:
                asked = contested + 2 * DAY
                record = asked + rng.choice([10, 20, 30]) * DAY
                decided = record + rng.choice([5, 10, 20, 28, 35]) * DAY
                self.clock(pk, "review_submissions", "calendar", 30, asked, record)
                row.update(state=State.HFS_REVIEW, review_requested_at=asked,
                           record_closed_at=record)
                if decided > self.now:
                    self.clock(pk, "hfs_decision", "calendar", 30, record)
                    return row
                self.clock(pk, "hfs_decision", "calendar", 30, record, decided)
                self.decisions.append({
                    "ticket_id": pk, "outcome": rng.choice(["provider", "mco", "partly"]),
                    "reasoning": "Bench.", "rests_on_contract": True, "citations": "Bench.",
                    "decided_by_id": hfs, "decided_at": decided})
                row.update(state=State.CLOSED, closed_at=decided, close_reason="decided")
        if rng.random() < 0.003:
            self.investigations.append({"ticket_id": pk, "reported_by_id": self.people[
                "provider"], "reported_at": row.get("closed_at") or responded,
                "description": "Bench.", "status": "open"})
        return row


def load(args, now):
    from deadlines.models import Clock
    from portal.models import MCO, ComplaintType
    from portal.reference_data import load_reference_data
    from tests import factories
    from tests.tickets.conftest import approve, make_provider
    from tickets.models import (
        Decision,
        ExtensionRequest,
        InformationRequest,
        Investigation,
        RepresentativeContact,
        Ticket,
    )

    load_reference_data()
    provider_user = factories.provider_user()
    providers = [make_provider(i, npi="1234567893") for i in range(50)]
    for p in providers:
        approve(provider_user, p)
    people = {"provider": provider_user.pk, "hfs": factories.hfs_staff().pk,
              "mco": factories.mco_staff("molina").pk}
    loader = Loader(tickets=args.tickets, now=now, people=people,
                    mcos=list(MCO.objects.values_list("pk", flat=True)),
                    types=list(ComplaintType.objects.values_list("pk", flat=True)),
                    providers=[p.pk for p in providers])
    batch = 50_000
    for start in range(0, args.tickets, batch):
        rows = [loader.ticket(i) for i in range(start, min(start + batch, args.tickets))]
        copy_rows(Ticket, rows)
        copy_rows(Clock, loader.clocks)
        for model, name in ((Decision, "decisions"), (RepresentativeContact, "contacts"),
                            (ExtensionRequest, "extensions"),
                            (InformationRequest, "requests"),
                            (Investigation, "investigations")):
            copy_rows(model, getattr(loader, name))
            setattr(loader, name, [])
        loader.clocks = []
        print(f"  {start + len(rows):,} tickets loaded", flush=True)
    for model in (Ticket, Clock, Decision, RepresentativeContact, ExtensionRequest,
                  InformationRequest, Investigation):
        reset_sequence(model)
    return loader


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--measure-only", action="store_true",
                        help="keep the database a previous run loaded; time the pages only")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (it is dropped and re-created).")
    from bench.clock_sweep import ensure_database

    if not args.measure_only:
        ensure_database(url)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from deadlines.models import Clock
    from reports import public, summaries
    from reports.models import ChangedTicket, MonthlyCount, MonthlyDuration, TicketFact
    from tests import factories
    from tickets.models import Ticket

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    call_command("migrate", verbosity=0)
    now = timezone.now()
    load_s = rebuild_s = refresh_s = None
    if not args.measure_only:
        started = time.perf_counter()
        load(args, now)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        load_s = time.perf_counter() - started
        started = time.perf_counter()
        summaries.rebuild(progress=lambda n: n % 200_000 == 0 and print(
            f"  {n:,} tickets counted", flush=True))
        rebuild_s = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # as autovacuum would after a bulk load

        ids = list(Ticket.objects.order_by("-pk").values_list("pk", flat=True)[:1000])
        ChangedTicket.objects.bulk_create([ChangedTicket(ticket_id=pk) for pk in ids])
        started = time.perf_counter()
        summaries.refresh()
        refresh_s = time.perf_counter() - started
    tickets, clocks = Ticket.objects.count(), Clock.objects.count()

    run = int(time.time())  # fresh people each run (--measure-only runs again)
    hfs = factories.hfs_staff(email=f"bench-hfs-{run}@example.test")
    mco_user = factories.mco_staff("molina", email=f"bench-mco-{run}@example.test")
    last = now.date().replace(day=1)
    first = (last - 330 * DAY).replace(day=1)
    year = f"first_month={first:%Y-%m}&last_month={last:%Y-%m}"

    def measure(user, path, runs=args.runs):
        client = Client()
        client.force_login(user)
        response = client.get(path)  # warm-up
        assert response.status_code == 200, (path, response.status_code)
        samples = []
        for _ in range(runs):
            t0 = time.perf_counter()
            response = client.get(path)
            samples.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, response.status_code
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        samples.sort()
        return statistics.median(samples), samples[max(int(len(samples) * 0.95) - 1, 0)], len(
            queries)

    load_before = os.getloadavg()
    rows = [
        ("HFS reports, a year, all MCOs", *measure(hfs, f"/reports/?{year}")),
        ("HFS reports, a year, one MCO and type",
         *measure(hfs, f"/reports/?{year}&mco=molina&complaint_type=claims-payment")),
        ("HFS reports, three years", *measure(
            hfs, f"/reports/?first_month={now.year - 3}-{now.month:02d}&last_month={last:%Y-%m}")),
        ("HFS export: volumes by month (.xlsx)",
         *measure(hfs, f"/reports/export/by_month.xlsx?{year}", runs=10)),
        ("MCO scorecard, a year (Molina)", *measure(mco_user, f"/reports/scorecard/?{year}")),
        ("Monthly MCO summary", *measure(
            hfs, f"/reports/monthly/?mco=molina&month={(last - DAY).replace(day=1):%Y-%m}")),
    ]
    quarter = public.ended_quarters(now.date(), count=1)[0]
    t0 = time.perf_counter()
    public.publish(quarter, by=hfs)
    publish_ms = (time.perf_counter() - t0) * 1000
    rows.append(("Public report page", *measure(
        factories.UserFactory(email=f"bench-reader-{run}@example.test"), "/transparency/")))
    load_after = os.getloadavg()

    print()
    print(f"{tickets:,} tickets and {clocks:,} clocks ({now:%Y-%m-%d}); "
          f"{TicketFact.objects.count():,} ticket facts, "
          f"{MonthlyCount.objects.count():,} monthly counts, "
          f"{MonthlyDuration.objects.count():,} duration rows")
    if load_s is not None:
        print(f"loaded in {load_s:.0f} s; rebuild_reports: {rebuild_s:.0f} s; "
              f"a refresh of 1,000 changed tickets: {refresh_s * 1000:.0f} ms")
    print(f"publishing {quarter}: {publish_ms:.0f} ms")
    print(f"load average before the timings {load_before[0]:.2f}, after {load_after[0]:.2f} "
          f"({os.cpu_count()} cores)")
    print()
    print("| page | median (ms) | p95 (ms) | SQL queries |")
    print("|---|---:|---:|---:|")
    for name, median, p95, queries in rows:
        print(f"| {name} | {median:.1f} | {p95:.1f} | {queries} |")


if __name__ == "__main__":
    main()
