"""Benchmark: people filing tickets for one provider at the same time, on PostgreSQL
(issue 10: the action lock once took the joined provider and MCO rows too, and deadlocked
with concurrent filings' foreign-key checks).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_filing \\
        .venv/bin/python bench/concurrent_filing.py [--seconds 20] [--filers 1,2,4,6,8]

Creates (or empties) the named database and migrates it. For each number of filers, that
many processes (each its own connection, each its own approved user of the SAME provider)
create a draft and submit it — the workflow's full transaction: the ticket lock, the
filing checks, the ticket number, the event, the audit row, the triage clock and the
notification rows — as fast as they can for --seconds. Prints, per filer count, the
filings per second, the errors (any "deadlock detected" among them) and the p50/p95 of a
filing. Prints a Markdown table for docs/PERFORMANCE.md.
"""

import argparse
import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("DEBUG", "false")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--filers", default="1,2,4,6,8")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (it is dropped and re-created).")
    from bench.clock_sweep import ensure_database

    ensure_database(url)

    import django

    django.setup()
    import time_machine
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0)
    call_command("load_reference_data", verbosity=0)

    from tests import factories
    from tests.tickets.conftest import NOW, approve, make_provider

    # File inside the dispute's window, whatever today is (tests.tickets.conftest's date).
    traveller = time_machine.travel(NOW, tick=True)
    traveller.start()
    provider = make_provider(1)
    rows = []
    context = multiprocessing.get_context("fork")
    counts = [int(n) for n in args.filers.split(",")]
    everyone = [factories.provider_user() for _ in range(max(counts))]
    for user in everyone:  # the same people registered for the provider in every run
        approve(user, provider)
    for count in counts:
        users = everyone[:count]
        connections.close_all()  # each process opens its own connection
        results = context.Queue()
        start_at = time.time() + 1.0
        procs = [context.Process(target=_file_until, args=(
            user.pk, provider.pk, start_at, start_at + args.seconds, results))
            for user in users]
        for p in procs:
            p.start()
        times, errors = [], []
        for _ in procs:
            got_times, got_errors = results.get()
            times += got_times
            errors += got_errors
        for p in procs:
            p.join()
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1] if times else 0
        deadlocks = sum("deadlock" in e for e in errors)
        rate = len(times) / args.seconds
        rows.append((count, rate, len(errors), deadlocks,
                     statistics.median(times) * 1000 if times else 0, p95 * 1000))
        print(f"{count} filers: {rate:.1f} filings/s, {len(errors)} errors "
              f"({deadlocks} deadlocks)", flush=True)
        for e in sorted(set(errors))[:3]:
            print("   ", e)
    traveller.stop()
    load = os.getloadavg()
    print(f"\nLoad average before the last run ended: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print("\n| filers | filings/s | errors | deadlocks | p50 ms | p95 ms |")
    print("|---:|---:|---:|---:|---:|---:|")
    for count, rate, errs, dead, p50, p95 in rows:
        print(f"| {count} | {rate:.1f} | {errs} | {dead} | {p50:.1f} | {p95:.1f} |")


def _file_until(user_id, provider_id, start_at, stop_at, results):
    """One filer, in its own process (no shared interpreter lock): draft and submit until
    ``stop_at``; send back the time of each filing and the errors."""
    from django.db import connection

    from portal.models import User
    from registration.models import Provider
    from tests.tickets.conftest import FILED_ON, make_draft
    from tickets import workflow

    user, provider = User.objects.get(pk=user_id), Provider.objects.get(pk=provider_id)
    times, errors = [], []
    while time.time() < start_at:
        time.sleep(0.01)
    while time.time() < stop_at:
        began = time.perf_counter()
        try:
            workflow.submit(make_draft(user, provider, filed_on=FILED_ON).pk, by=user)
        except Exception as error:  # noqa: BLE001 - counted and shown
            errors.append(type(error).__name__ + ": " + str(error)[:80])
            continue
        times.append(time.perf_counter() - began)
    connection.close()
    results.put((times, errors))


if __name__ == "__main__":
    main()
