"""Benchmark of the deadline sweep on PostgreSQL (issue 3, R-CLK-4).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench \\
        .venv/bin/python bench/clock_sweep.py [--open 1000000] [--due 10000]

Creates (or empties) the named database, migrates it, loads running clocks with COPY, and
measures:
  1. a sweep with nothing due, at 10k, 100k and --open running clocks (median of 50), and
     the query plan that proves the partial index is used;
  2. a sweep that expires --due clocks, each in its own transaction with its subject row
     locked, running an expiry handler that updates the subject (as a ticket transition
     would): clocks per second.
Writes nothing but the benchmark database; prints a Markdown table for docs/PERFORMANCE.md.
"""

import argparse
import datetime
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("DEBUG", "false")


def ensure_database(url):
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--open", type=int, default=1_000_000, help="running clocks, none due")
    parser.add_argument("--due", type=int, default=10_000, help="clocks due at the sweep")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (it is dropped and re-created).")
    ensure_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)

    from django.contrib.contenttypes.models import ContentType

    from deadlines import clocks, kinds
    from deadlines.calendar import CENTRAL
    from deadlines.kinds import ClockKind, Unit
    from deadlines.models import Clock, Outcome
    from portal.models import MCO

    bench_kind = kinds.register_kind(
        ClockKind(key="bench", label="Benchmark", length=5, unit=Unit.BUSINESS_DAYS,
                  actor="nobody", on_expiry="update the subject", remind=False)
    )

    @kinds.on_expiry(bench_kind.key)
    def touch_subject(clock, now):
        MCO.objects.filter(pk=clock.object_id).update(is_active=False)

    now = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=CENTRAL)
    future_due = datetime.datetime(2027, 6, 1, 23, 59, 59, 999999, tzinfo=CENTRAL)
    past_due = datetime.datetime(2027, 2, 1, 23, 59, 59, 999999, tzinfo=CENTRAL)
    mco_type = ContentType.objects.get_for_model(MCO)

    def copy_clocks(first_id, count, due_at, remind_at):
        started = datetime.datetime(2027, 1, 4, 9, tzinfo=CENTRAL)
        columns = ("kind, content_type_id, object_id, unit, length, extra_calendar_days, "
                   "started_at, start_date, start_event, due_date, due_at, remind_at, "
                   "stop_event, outcome")
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(f"COPY deadlines_clock ({columns}) FROM STDIN") as copy:
                for object_id in range(first_id, first_id + count):
                    copy.write_row((
                        "bench", mco_type.pk, object_id, "business", 5, 0, started,
                        started.date(), "bench", due_at.date(), due_at, remind_at, "", "",
                    ))
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE deadlines_clock")

    def median_sweep_ms(runs=50):
        samples = []
        for _ in range(runs):
            t0 = time.perf_counter()
            expired = clocks.enforce_due_clocks(now)
            reminded = clocks.send_due_reminders(now)
            samples.append((time.perf_counter() - t0) * 1000)
            assert expired == 0 and reminded == 0
        return statistics.median(samples), max(samples)

    rows = []
    loaded = 0
    remind_far = datetime.datetime(2027, 5, 28, 0, 0, tzinfo=CENTRAL)
    for target in sorted({10_000, 100_000, args.open}):
        if target > args.open:
            continue
        t0 = time.perf_counter()
        copy_clocks(1_000_000_000 + loaded, target - loaded, future_due, remind_far)
        load_s = time.perf_counter() - t0
        loaded = target
        med, worst = median_sweep_ms()
        rows.append((target, med, worst, load_s))

    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN SELECT * FROM deadlines_clock WHERE outcome = '' AND due_at < %s "
            "ORDER BY due_at LIMIT 1000", [now]
        )
        plan = "\n".join(r[0] for r in cursor.fetchall())

    # Due clocks, each on a real subject row that the handler updates.
    MCO.objects.bulk_create(
        [MCO(slug=f"bench-{i}", name=f"Bench MCO {i}", short_name=f"B{i}")
         for i in range(args.due)], batch_size=5000,
    )
    first_mco = MCO.objects.order_by("pk").first().pk
    copy_clocks(first_mco, args.due, past_due, None)
    t0 = time.perf_counter()
    expired = clocks.enforce_due_clocks(now)
    sweep_s = time.perf_counter() - t0
    assert expired == args.due, expired
    assert Clock.objects.filter(outcome=Outcome.EXPIRED).count() == args.due
    assert MCO.objects.filter(is_active=False).count() == args.due

    print(f"Machine: {platform.node()} · {os.cpu_count()} cores · Python "
          f"{platform.python_version()} · PostgreSQL "
          f"{connection.cursor().connection.info.server_version} · "
          f"{timezone.now():%Y-%m-%d}")
    print()
    print("| running clocks, none due | sweep median (ms) | sweep worst of 50 (ms) |")
    print("|---:|---:|---:|")
    for target, med, worst, _ in rows:
        print(f"| {target:,} | {med:.2f} | {worst:.2f} |")
    print()
    print(f"Expiring {args.due:,} due clocks (with {loaded:,} others running): "
          f"{sweep_s:.2f} s, {args.due / sweep_s:,.0f} clocks/s")
    print()
    print("Plan of the due-clock query:")
    print("```")
    print(plan)
    print("```")


if __name__ == "__main__":
    main()
