"""Benchmark of the All-tickets page (issue 11) on PostgreSQL: any filter, a search by
tracking number or NPI, through the real view (test client, signed in), at 1,000,000
tickets (most of them closed).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_search \\
        .venv/bin/python bench/search.py [--tickets 1000000] [--runs 30]

Creates (or empties) the named database, migrates it, loads providers with the ORM and
tickets, their claim rows and decisions with COPY (the indexes are dropped for the load and
made again after it, with the definitions the migrations gave them), ANALYZEs, then
requests each page ``--runs`` times after a warm-up and prints the median and the 95th
percentile of the whole response, the median CPU time the web process spent on it (the rest
is the database and waiting for a core), and the SQL queries of one request, as a Markdown
table for docs/PERFORMANCE.md.
"""

import argparse
import datetime
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.test_settings")

PROVIDERS = 5_000
HFS_STAFF = 20
# States of the tickets, most of them closed (weights out of 100).
STATES = [("closed", 85), ("submitted", 2), ("with_mco", 5), ("awaiting_provider_info", 1),
          ("mco_responded", 3), ("contested", 1), ("hfs_review", 3)]
CLOSE_REASONS = [("accepted", 30), ("deemed_accepted", 25), ("incomplete", 8),
                 ("duplicate", 4), ("invalid_tracking", 3), ("outside_window", 3),
                 ("not_mco_dispute", 2), ("no_information", 6), ("information_incomplete", 2),
                 ("no_review_requested", 7), ("decided", 10)]
TRIAGE_REASONS = {"incomplete", "duplicate", "invalid_tracking", "outside_window",
                  "not_mco_dispute"}
WORDS = (  # noqa: SIM905 (a paragraph of words reads better than a list)
    "claim denied payment authorization prior referral modifier coding bundling eligibility "
    "member provider contract rate fee schedule timely filing appeal reprocess recoupment "
    "overpayment underpaid pharmacy dental vision behavioral inpatient outpatient emergency "
    "ambulance therapy physical occupational speech hospice nursing facility home health "
    "durable medical equipment laboratory radiology anesthesia surgery maternity newborn "
    "pediatric vaccine immunization transport interpreter roster credentialing enrollment "
    "portal remittance advice explanation benefits coordination third party liability "
    "medicare crossover retro coverage termination span waiver diagnosis procedure units "
    "documentation records submitted twice missing attachment letter phone call"
).split()
RARE_WORD = "orthodontic"  # in one description of ten thousand


def weighted(pairs):
    values, weights = zip(*pairs, strict=True)
    return values, weights


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true",
                        help="measure the database loaded by an earlier run (no reload)")
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

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    if not args.keep:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        people = load(args.tickets)
        load_s = time.perf_counter() - started
    else:
        people, load_s = existing_people(), 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tickets_ticket")
        total = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('tickets_ticket'))")
        size = cursor.fetchone()[0]
    before = os.getloadavg()
    rows = measure_all(people, args.runs)
    after = os.getloadavg()
    loaded = "loaded by an earlier run" if args.keep else f"loaded in {load_s:.0f} s"
    print(f"{total:,} tickets ({size} with indexes), {loaded}; load "
          f"average (1/5/15 min) {before[0]:.2f}/{before[1]:.2f}/{before[2]:.2f} before the "
          f"runs, {after[0]:.2f}/{after[1]:.2f}/{after[2]:.2f} after")
    print()
    print("| page | matches | median (ms) | p95 (ms) | CPU of the web process, median (ms) "
          "| SQL queries |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, matches, median, p95, cpu, queries in rows:
        print(f"| {name} | {matches} | {median:.1f} | {p95:.1f} | {cpu:.1f} | {queries} |")


# --- Loading ----------------------------------------------------------------------------


def load(count):
    from django.db import connection
    from django.utils import timezone

    from deadlines.calendar import CENTRAL
    from portal.models import MCO, ComplaintType
    from portal.reference_data import load_reference_data
    from registration.models import Provider, ProviderMembership
    from registration.validators import normalise_address
    from tests import factories

    random.seed(11)
    load_reference_data()
    hfs = [factories.hfs_staff(email=f"hfs{n}@bench.invalid") for n in range(HFS_STAFF)]
    mco_user = factories.mco_staff("molina", email="mco@bench.invalid")
    agent = factories.provider_user(email="agent@bench.invalid")
    providers = Provider.objects.bulk_create([
        Provider(legal_name=f"{random.choice(['Lakeside', 'Prairie', 'Riverside', 'Lincoln'])}"
                 f" {random.choice(['Clinic', 'Hospital', 'Health Center', 'Pediatrics'])} {n}",
                 medicaid_id=f"IL{2000000 + n}", npi=f"1{n:09d}", tax_id=f"36{n:07d}",
                 street=f"{n} Main Street", city="Springfield", state="IL", zip_code="62701",
                 address_key=normalise_address(f"{n} Main Street", "Springfield", "IL",
                                               "62701"))
        for n in range(PROVIDERS)
    ], batch_size=1000)
    # A billing agent for 50 providers (the provider's view of the page).
    ProviderMembership.objects.bulk_create([
        ProviderMembership(user=agent, provider=p, relationship="representative",
                           approved_at=timezone.now()) for p in providers[:50]
    ])
    mcos = list(MCO.objects.values_list("pk", "slug"))
    types = list(ComplaintType.objects.values_list("pk", flat=True))
    states, state_w = weighted(STATES)
    reasons, reason_w = weighted(CLOSE_REASONS)
    start = datetime.datetime(2023, 1, 2, 9, tzinfo=CENTRAL)
    span = (datetime.datetime(2026, 11, 20, 17, tzinfo=CENTRAL) - start).total_seconds()
    indexes = drop_indexes(["tickets_ticket", "tickets_ticketclaim", "tickets_decision"])

    columns = ("id, number, state, provider_id, mco_id, complaint_type_id, dispute_filed_on, "
               "tracking_number, internal_process_exhausted, description, "
               "uses_claims_template, claims_template_name, created_by_id, created_at, "
               "submitted_at, presented_at, responded_at, sanction_candidate_at, closed_at, "
               "close_reason, close_note, assigned_to_id")
    decided = []
    per_year = {}
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY tickets_ticket ({columns}) FROM STDIN") as copy:
        for pk in range(1, count + 1):
            submitted = start + datetime.timedelta(seconds=span * pk / count)
            state = random.choices(states, state_w)[0]
            reason = random.choices(reasons, reason_w)[0] if state == "closed" else ""
            presented = None if state == "submitted" or reason in TRIAGE_REASONS else (
                submitted + datetime.timedelta(days=random.randint(1, 14)))
            responded = presented + datetime.timedelta(days=random.randint(3, 40)) if (
                presented and state not in ("with_mco", "awaiting_provider_info")
                and reason not in ("no_information", "information_incomplete")) else None
            closed = (responded or presented or submitted) + datetime.timedelta(
                days=random.randint(1, 60)) if state == "closed" else None
            sanction = presented + datetime.timedelta(days=31) if (
                responded and responded - presented > datetime.timedelta(days=30)) else None
            mco_pk, slug = mcos[pk % len(mcos)]
            words = random.sample(WORDS, 14)
            if pk % 10_000 == 0:
                words[3] = RARE_WORD
            if reason == "decided":
                decided.append((pk, closed))
            per_year[submitted.year] = per_year.get(submitted.year, 0) + 1
            number = f"PRP-{submitted.year}-{per_year[submitted.year]:06d}"
            copy.write_row((
                pk, number, state, providers[pk % PROVIDERS].pk, mco_pk,
                types[pk % len(types)], (submitted - datetime.timedelta(days=40)).date(),
                f"{slug[:3].upper()}-{pk:08d}", True, " ".join(words).capitalize() + ".",
                False, "", agent.pk, submitted, submitted, presented, responded, sanction,
                closed, reason, "", hfs[pk % HFS_STAFF].pk if pk % 10 < 7 else None,
            ))
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval('tickets_ticket_id_seq', %s)", [count])
        claim_columns = ("ticket_id, row_number, claim_number, tracking_number, member_rin, "
                         "member_name, service_from, service_to, billed, paid, disputed, "
                         "denial_reason, comments")
        with cursor.cursor.copy(f"COPY tickets_ticketclaim ({claim_columns}) FROM STDIN") as copy:
            day = datetime.date(2026, 8, 1)
            for pk in range(1, count + 1):
                rows = 5 if pk % 20 == 0 else 1
                for row in range(rows):
                    copy.write_row((
                        pk, row + 2 if rows > 1 else None, f"CLM-{pk}-{row}",
                        f"CT-{pk:08d}-{row}" if rows > 1 else "",
                        f"{(pk * 7919 + row) % 10**9:09d}", "Member", day, day, "100.00",
                        "0.00", "100.00", "CO-16", "",
                    ))
        decision_columns = ("ticket_id, outcome, reasoning, rests_on_contract, rests_on_policy, "
                            "rests_on_law, citations, decided_at, decided_by_id")
        with cursor.cursor.copy(f"COPY tickets_decision ({decision_columns}) FROM STDIN") as copy:
            for n, (pk, closed) in enumerate(decided):
                copy.write_row((pk, ("provider", "mco", "partly")[n % 3], "Reasons.", True,
                                False, False, "Contract 5.3", closed, hfs[0].pk))
    restore_indexes(indexes)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"hfs": hfs[0], "mco": mco_user, "agent": agent, "hfs_other": hfs[1]}


def drop_indexes(tables):
    """Drop the tables' secondary indexes (not the primary keys or unique constraints) and
    return their definitions."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            [tables])
        found = cursor.fetchall()
        for name, _definition in found:
            cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in found]


def restore_indexes(definitions):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for definition in definitions:
            cursor.execute(definition)


def existing_people():
    from portal.models import User

    return {"hfs": User.objects.get(email="hfs0@bench.invalid"),
            "hfs_other": User.objects.get(email="hfs1@bench.invalid"),
            "mco": User.objects.get(email="mco@bench.invalid"),
            "agent": User.objects.get(email="agent@bench.invalid")}


# --- Measuring --------------------------------------------------------------------------


def measure_all(people, runs):
    from registration.models import Provider
    from tickets.models import Ticket

    middle = Ticket.objects.order_by("pk").values_list("pk", flat=True)[
        Ticket.objects.count() // 2]
    ticket = Ticket.objects.select_related("provider").get(pk=middle)
    claim_ticket = (middle // 20) * 20
    npi = Provider.objects.order_by("pk").values_list("npi", flat=True)[1234]
    agent_npi = Provider.objects.order_by("pk").values_list("npi", flat=True)[7]
    molina = Ticket.objects.filter(mco__slug="molina", presented_at__isnull=False).order_by(
        "-pk").values_list("tracking_number", flat=True).first()
    hfs, other = people["hfs"], people["hfs_other"]
    pages = [
        ("HFS: all tickets, newest filed first", hfs, {}),
        ("HFS: search by ticket number", hfs, {"q": ticket.number}),
        ("HFS: search by the ticket's tracking number", hfs, {"q": ticket.tracking_number}),
        ("HFS: search by a claim row's tracking number", hfs,
         {"q": f"CT-{claim_ticket:08d}-3"}),
        ("HFS: search by NPI", hfs, {"q": npi}),
        ("HFS: search by member RIN", hfs, {"q": f"{(middle * 7919) % 10**9:09d}"}),
        ("HFS: search by Tax ID", hfs, {"q": ticket.provider.tax_id}),
        ("HFS: search by provider name", hfs, {"q": "Pediatrics 1234"}),
        ("HFS: description words, a rare one", hfs, {"q": RARE_WORD}),
        ("HFS: description words, common ones", hfs, {"q": "dental referral"}),
        ("HFS: filter MCO", hfs, {"mco": "molina"}),
        ("HFS: filter complaint type", hfs, {"type": "eligibility"}),
        ("HFS: filter status in HFS review", hfs, {"state": "hfs_review"}),
        ("HFS: filter status open", hfs, {"state": "open"}),
        ("HFS: filter close reason duplicate", hfs, {"close_reason": "duplicate"}),
        ("HFS: filter decision outcome", hfs, {"outcome": "provider"}),
        ("HFS: filter sanction candidates", hfs, {"sanction": "yes"}),
        ("HFS: filter assigned staff", hfs, {"assigned": other.pk}),
        ("HFS: filter not assigned", hfs, {"assigned": "none"}),
        ("HFS: filter filed in one month", hfs,
         {"filed_from": "2025-03-01", "filed_to": "2025-03-31"}),
        ("HFS: filter closed in one month, closed newest first", hfs,
         {"closed_from": "2025-03-01", "closed_to": "2025-03-31", "sort": "-closed"}),
        ("HFS: MCO + type + closed + reason + filed range", hfs,
         {"mco": "aetna", "type": "claims-payment", "state": "closed",
          "close_reason": "accepted", "filed_from": "2024-01-01", "filed_to": "2024-12-31"}),
        ("HFS: filter MCO + status in HFS review", hfs, {"mco": "meridian",
                                                        "state": "hfs_review"}),
        ("HFS: sort closed newest first", hfs, {"sort": "-closed"}),
        ("HFS: sort closed oldest first", hfs, {"sort": "closed"}),
        ("HFS: sort filed oldest first", hfs, {"sort": "filed"}),
        ("HFS: sort ticket number", hfs, {"sort": "number"}),
        ("HFS: page 40 (the last before the cap)", hfs, {"page": "40"}),
        ("MCO staff: all their presented tickets", people["mco"], {}),
        ("MCO staff: search by tracking number", people["mco"], {"q": molina}),
        ("MCO staff: filter status open", people["mco"], {"state": "open"}),
        ("Provider (50 providers): all their tickets", people["agent"], {}),
        ("Provider (50 providers): search by NPI", people["agent"], {"q": agent_npi}),
        ("Provider (50 providers): closed, filed in 2025", people["agent"],
         {"state": "closed", "filed_from": "2025-01-01", "filed_to": "2025-12-31"}),
    ]
    return [(name, *measure(user, query, runs)) for name, user, query in pages]


def measure(user, query, runs):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    response = client.get("/tickets/all/", query)  # warm-up
    assert response.status_code == 200, (response.status_code, query)
    found = re.search(r'id="results-heading">([^<]*)<', response.content.decode())
    samples, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        response = client.get("/tickets/all/", query)
        samples.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get("/tickets/all/", query)
    samples.sort()
    p95 = samples[max(0, int(len(samples) * 0.95 + 0.5) - 1)]
    return (found.group(1).split(" ")[0], statistics.median(samples), p95,
            statistics.median(cpu), len(queries))


if __name__ == "__main__":
    main()
