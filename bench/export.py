"""Benchmark of the MCO queue's export as a job (issue 14) on PostgreSQL: one MCO's
166,666 tickets, out of 1,000,000, written to .xlsx by the job, while page requests go on.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_export \\
        flock /tmp/portal-bench.lock .venv/bin/python bench/export.py \\
        [--tickets 1000000] [--keep] [--runs 30]

Creates (or empties) the named database and loads the tickets with their clocks, decisions
and requests as ``bench/reports.py`` does (its ``Loader``, by COPY: three years of tickets,
most closed), every sixth one Molina's and presented to it (so Molina's queue, "All", holds
``--tickets`` / 6 rows); the queues' due-moment copies (``Ticket.response_due``,
``triage_due``) are set from the clocks, as migration 0011 does. ``--keep`` reuses a
database an earlier run loaded.

Then, as the worker would: a job row of ``tickets.mco_export`` (the queue's "All" status) is
run by ``jobs.runner.run`` — the claim, the export function, the file saved, the finish — in
a process of its own (a Celery worker's, without the broker), once for a complaint type
(about a tenth of the rows) and once for all of them, reporting the wall and CPU time,
rows/s, the file's size and the process's peak resident memory at the start and by the end
(and, with ``--tracemalloc``, the peak of Python's own allocations, slower). While the big one runs,
this process requests Molina's queue page and the job's status JSON through the real views
(test client, signed in) again and again: their times during the export are set beside
the same requests with nothing running. The load average is printed before and after.
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.test_settings")

MCO_SLUG = "molina"
#: The clocks whose due moment the ticket keeps a copy of (tickets.clock_kinds' mirror).
MIRRORS = {"triage": "triage_due", "mco_response": "response_due"}
BENCH_EMAIL = "mco-export@bench.invalid"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30,
                        help="requests of each page with nothing running")
    parser.add_argument("--keep", action="store_true",
                        help="measure the database loaded by an earlier run (no reload)")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also take the peak of Python's allocations (slower)")
    parser.add_argument("--run-job", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_job:
        return run_job(args.run_job, args.tracemalloc)
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (it is dropped and re-created).")
    if not args.keep:
        from bench.clock_sweep import ensure_database

        ensure_database(url)
    os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="bench-export-"))

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from portal.models import User
    from tickets.models import Ticket

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    call_command("migrate", verbosity=0)
    load_s = None
    if not args.keep:
        started = time.perf_counter()
        load(args.tickets)
        load_s = time.perf_counter() - started
    user = User.objects.get(email=BENCH_EMAIL)
    tickets = Ticket.objects.count()
    molina = Ticket.objects.filter(mco=user.mco_id, presented_at__isnull=False).count()
    connection.close()  # the job's process has its own connection

    queue = ("MCO queue (Molina, Needs our action)", "/tickets/mco/")
    queue_all = ("MCO queue (Molina, All)", "/tickets/mco/?status=all")
    idle = {name: timed(user, path, args.runs) for name, path in (queue, queue_all)}

    small = export(user, {"status": "all", "complaint_type": "claims-payment"},
                   args.tracemalloc)
    before = os.getloadavg()
    big = export(user, {"status": "all"}, args.tracemalloc,
                 during=[queue, queue_all, ("Job status JSON", None)])
    after = os.getloadavg()

    print()
    loaded = "loaded by an earlier run" if load_s is None else f"loaded in {load_s:.0f} s"
    print(f"{tickets:,} tickets ({loaded}); Molina's presented tickets: {molina:,}. "
          f"{datetime.date.today():%Y-%m-%d}, {os.cpu_count()} cores; load average "
          f"(1/5/15 min) {before[0]:.2f}/{before[1]:.2f}/{before[2]:.2f} before the big "
          f"export, {after[0]:.2f}/{after[1]:.2f}/{after[2]:.2f} after it.")
    print()
    print("| export (the job, in a worker process) | rows | wall (s) | CPU (s) | rows/s | "
          "file (MB) | peak RSS: at start → during (MB) | Python peak (MB) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, result in (("Molina, All, one complaint type", small),
                         ("Molina, All", big)):
        peak = f"{result['tracemalloc_peak_mb']:.1f}" if result.get(
            "tracemalloc_peak_mb") is not None else "—"
        print(f"| {name} | {result['rows']:,} | {result['wall_s']:.1f} | "
              f"{result['cpu_s']:.1f} | {result['rows'] / result['wall_s']:,.0f} | "
              f"{result['size'] / 1e6:.1f} | {result['rss_start_mb']:.0f} → "
              f"{result['rss_peak_mb']:.0f} | {peak} |")
    print()
    print(f"Progress written {big['progress_writes']} times during the big export "
          f"(status JSON seen: {big['progress_seen']}).")
    print()
    print("| request | nothing running: median / p95 (ms) | during the export: median / "
          "p95 / max (ms), requests |")
    print("|---|---:|---:|")
    for name, _path in (queue, queue_all, ("Job status JSON", None)):
        quiet = idle.get(name) or big["idle_json"]
        busy = big["during"][name]
        print(f"| {name} | {quiet[0]:.1f} / {quiet[1]:.1f} | {busy[0]:.1f} / {busy[1]:.1f} / "
              f"{busy[2]:.1f}, {busy[3]} |")


# --- Loading -----------------------------------------------------------------------------


def load(count, batch=50_000):
    """``count`` tickets by ``bench.reports``'s Loader; every sixth one Molina's and
    presented (a ticket the loader ends before presentation is drawn again for Molina)."""
    from django.db import connection
    from django.utils import timezone

    from bench.reports import Loader, copy_rows, reset_sequence
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
    provider_user = factories.provider_user(email="provider-export@bench.invalid")
    providers = [make_provider(i, npi="1234567893") for i in range(50)]
    for p in providers:
        approve(provider_user, p)
    mco_user = factories.mco_staff(MCO_SLUG, email=BENCH_EMAIL)
    people = {"provider": provider_user.pk,
              "hfs": factories.hfs_staff(email="hfs-export@bench.invalid").pk,
              "mco": mco_user.pk}
    molina = mco_user.mco_id
    others = list(MCO.objects.exclude(pk=molina).values_list("pk", flat=True))
    loader = Loader(tickets=count, now=timezone.now(), people=people, mcos=others,
                    types=list(ComplaintType.objects.values_list("pk", flat=True)),
                    providers=[p.pk for p in providers])
    for start in range(0, count, batch):
        rows = []
        for i in range(start, min(start + batch, count)):
            if i % 6 != 5:
                rows.append(loader.ticket(i))
                continue
            while True:  # a ticket closed or still at triage leaves only its triage clock
                mark = len(loader.clocks)
                row = loader.ticket(i)
                if row.get("presented_at"):
                    break
                del loader.clocks[mark:]
            row["mco_id"] = molina
            rows.append(row)
        # The queues' copies of the due moments (ClockKind.mirror), as deadlines.clocks
        # keeps them and migration 0011 first set them.
        by_id = {row["id"]: row for row in rows}
        for clock in loader.clocks:
            mirror = MIRRORS.get(clock["kind"])
            if mirror and clock["object_id"] in by_id:
                by_id[clock["object_id"]][mirror] = clock["due_at"]
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
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


# --- Timing ------------------------------------------------------------------------------


def client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def timed(user, path, runs):
    client = client_for(user)
    assert client.get(path).status_code == 200  # warm-up
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return summary(samples)[:2]


def summary(samples):
    samples = sorted(samples)
    p95 = samples[max(int(len(samples) * 0.95) - 1, 0)]
    return statistics.median(samples), p95, samples[-1], len(samples)


def export(user, filters, tracemalloc, during=()):
    """A job of the MCO export for ``user`` with ``filters``, run in a process of its own;
    while it runs, the ``during`` pages (a None path: the job's status JSON) are requested
    one after the other. Returns the job process's figures and the pages' times."""
    from django.urls import reverse

    from jobs.models import Job
    from tickets.exports import MCO_EXPORT

    # The queue's filters as the button posts them (tickets.views.mco._params).
    filters = {"status": "action", "complaint_type": "", "overdue": False, "awaiting": False,
               "mine": False, "query": "", **filters}
    job = Job.objects.create(kind=MCO_EXPORT, label="Bench export", requested_by=user,
                             params={"mco": user.mco_id, "filters": filters})
    json_url = reverse("job_status_json", args=[job.pk])
    client = client_for(user)
    idle_json = None
    if during:
        samples = []
        for _ in range(30):
            t0 = time.perf_counter()
            client.get(json_url)
            samples.append((time.perf_counter() - t0) * 1000)
        idle_json = summary(samples)[:2]
    command = [sys.executable, str(Path(__file__).resolve()), "--run-job", str(job.pk)]
    if tracemalloc:
        command.append("--tracemalloc")
    # This script itself, with a job id: no outside input.
    worker = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)  # noqa: S603
    times = {name: [] for name, _path in during}
    seen = set()
    while worker.poll() is None and during:
        for name, path in during:
            t0 = time.perf_counter()
            response = client.get(path or json_url)
            times[name].append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (name, response.status_code)
            if path is None:
                seen.add(response.json()["percent"])
    out, _ = worker.communicate()
    if worker.returncode:
        sys.exit(f"the job's process failed ({worker.returncode})")
    result = json.loads(out.strip().splitlines()[-1])
    job.refresh_from_db()
    assert job.status == "done", (job.status, job.error)
    assert job.rows_total == result["rows"]
    result["during"] = {name: summary(samples) for name, samples in times.items() if samples}
    result["idle_json"] = idle_json
    result["progress_seen"] = ", ".join(f"{p}%" for p in sorted(seen)) or "—"
    return result


def peak_rss_mb():
    """The process's peak resident memory so far (VmHWM; ``ru_maxrss`` would carry over the
    parent's from before the exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def run_job(job_id, trace):
    """The worker's side: run the job as the Celery task does, and report (one JSON line)."""
    import resource

    import django

    django.setup()
    import openpyxl  # noqa: F401  (imported before the baseline: the worker has it loaded)

    from jobs import runner
    from jobs.models import Job

    writes = [0]
    real_call = runner.Progress.__call__

    def counting(self, done, total=None):
        before = self.last_written
        real_call(self, done, total)
        writes[0] += self.last_written != before

    runner.Progress.__call__ = counting
    if trace:
        import tracemalloc

        tracemalloc.start()
    start_peak = peak_rss_mb()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    assert runner.run(job_id)
    wall = time.perf_counter() - t0
    end = resource.getrusage(resource.RUSAGE_SELF)
    job = Job.objects.get(pk=job_id)
    print(json.dumps({
        "rows": job.rows_total, "size": job.size, "wall_s": wall,
        "cpu_s": (end.ru_utime - usage.ru_utime) + (end.ru_stime - usage.ru_stime),
        "rss_start_mb": start_peak, "rss_peak_mb": peak_rss_mb(),
        "rss_growth_mb": peak_rss_mb() - start_peak, "progress_writes": writes[0],
        "tracemalloc_peak_mb": (tracemalloc.get_traced_memory()[1] / 1e6) if trace else None,
    }))


if __name__ == "__main__":
    main()
