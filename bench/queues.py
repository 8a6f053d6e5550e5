"""Benchmark of every queue page and every role's home (issue 14) at several sizes, through
the real views (Django's test client, signed in as each role, every middleware).

    .venv/bin/python bench/queues.py --tickets 10000,100000,1000000 [--runs 200] [--keep]

Each size gets its own PostgreSQL database, named after DATABASE_URL's (default
``postgres://postgres@127.0.0.1:5432/portal_bench_queues``) with the size appended
(``portal_bench_queues_10k``, ``_100k``, ``_1m``): dropped, re-created, migrated and seeded
by ``bench/queue_seed.py`` (COPY; three years of tickets, 80% closed, every MCO and clock
kind, with their history), then VACUUM ANALYZE. ``--keep`` reuses a size's database when
an earlier run seeded it completely.

Then, holding /tmp/portal-bench.lock (so no other engineer's measurement overlaps; the
seeding runs outside it; ``--no-lock`` when you hold it yourself, e.g. under flock(1)),
each page is requested ``--runs`` times after a warm-up, with the garbage collector frozen
after start-up as portal/wsgi.py does: median and 95th percentile of the whole response,
and its SQL query count. The runs are split over ``--rounds`` (default 2): the sizes are
measured in turn, round after round (10k, 100k, 1m, 10k, ...), so a machine that gets
busier or quieter during the run moves every size alike; a page's percentiles are of all
its rounds' requests together. Each size runs in a process of its own; the last one prints the
table for docs/PERFORMANCE.md: every page at every size, the ratio of the largest size's
p95 to the smallest's, the rows each page shows at each size, the growth from the smallest
size whose page shows as many rows as the largest's (at 10k a queue's page 40 can be its
last page of 3 rows), and the query count, which must be the same at every size (the run
fails otherwise). A page that misses p95 <= 50 ms at the largest size or grows more than
1.5 times gets its slowest query printed with EXPLAIN (ANALYZE, BUFFERS).
"""

import argparse
import fcntl
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

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_queues"
LOCK = "/tmp/portal-bench.lock"  # noqa: S108 (the team's shared lock file)
#: The goals (issue 14): p95 at the largest size, and its growth from the smallest.
P95_MS = 50
GROWTH = 1.5
#: The furthest page a capped queue links to (1,000 rows, 25 a page).
LATER_PAGE = 40
#: The billing agent's waiting page asked for (about 500 tickets wait on the agent at
#: 1,000,000: 21 pages; at the smaller sizes the page shown is the last one).
WAITING_PAGE = 20


def size_name(count):
    for unit, suffix in ((1_000_000, "m"), (1_000, "k")):
        if count >= unit and count % unit == 0:
            return f"{count // unit}{suffix}"
    return str(count)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", default="10000,100000,1000000",
                        help="the sizes, comma-separated")
    parser.add_argument("--runs", type=int, default=200,
                        help="timed requests per page and size, in all rounds together")
    parser.add_argument("--rounds", type=int, default=2,
                        help="measure the sizes this many times, alternately (10k, 100k, "
                             "1m, 10k, ...), each round a share of the runs; each page's "
                             "percentiles are of all its rounds' requests")
    parser.add_argument("--closed", type=float, default=0.8, help="share of closed tickets")
    parser.add_argument("--keep", action="store_true",
                        help="reuse a size's database an earlier run seeded")
    parser.add_argument("--seed-only", action="store_true",
                        help="seed the databases (as --keep would reuse them), time nothing")
    parser.add_argument("--no-lock", action="store_true",
                        help=f"do not take {LOCK} (you hold it already)")
    parser.add_argument("--only", default="",
                        help="time only the pages whose name contains this text")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    base = os.environ.get("DATABASE_URL", "")
    base = base if base.startswith("postgres") else DEFAULT_URL
    sizes = sorted(int(s.replace("_", "")) for s in args.tickets.split(","))
    rounds = 1 if args.seed_only else max(1, args.rounds)
    shares = [args.runs // rounds + (n < args.runs % rounds) for n in range(rounds)]
    by_size = {count: [] for count in sizes}
    for n, runs in enumerate(shares):
        for count in sizes:
            with tempfile.NamedTemporaryFile(suffix=".json") as out:
                command = [sys.executable, __file__, "--child", str(count), "--out",
                           out.name, "--runs", str(runs), "--closed", str(args.closed),
                           "--only", args.only]
                # Only the first round may seed; the later ones reuse what it seeded.
                command += (["--keep"] * (args.keep or n > 0) + ["--no-lock"] * args.no_lock
                            + ["--seed-only"] * args.seed_only)
                env = {**os.environ, "DATABASE_URL": f"{base}_{size_name(count)}"}
                print(f"== {count:,} tickets ({env['DATABASE_URL'].rsplit('/', 1)[1]}), "
                      f"round {n + 1} of {rounds}", flush=True)
                subprocess.run(command, env=env, check=True)  # noqa: S603
                by_size[count].append(json.loads(Path(out.name).read_text()))
    if not args.seed_only:
        sys.exit(report([merge_rounds(by_size[count]) for count in sizes]))


def merge_rounds(rounds):
    """One size's rounds as one result: each page's percentiles over every round's
    requests; the first round's seeding, the load average before the first and after the
    last round."""
    merged = {**rounds[-1], "rounds": len(rounds)}
    for key in ("seed_s", "copy_s", "seed_load"):
        if key in rounds[0]:
            merged[key] = rounds[0][key]
    merged["load_before"] = rounds[0]["load_before"]
    pages = []
    for page in rounds[-1]["pages"]:
        samples = sorted(s for r in rounds for p in r["pages"] if p["name"] == page["name"]
                         for s in p["samples"])
        pages.append({**page, "p50": statistics.median(samples), "p95": percentile(
            samples, 0.95), "runs": len(samples)})
    merged["pages"] = pages
    return merged


def percentile(ordered, share):
    """The nearest-rank percentile of sorted values."""
    return ordered[max(0, int(len(ordered) * share + 0.5) - 1)]


# --- One size, in its own process -----------------------------------------------------------


def child(args):
    url = os.environ["DATABASE_URL"]
    seeded = args.keep and _seeded(url, args.child)
    if not seeded:
        from bench.clock_sweep import ensure_database

        ensure_database(url)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    result = {"tickets": args.child, "database": url.rsplit("/", 1)[1]}
    from django.db.migrations.executor import MigrationExecutor

    started = time.perf_counter()
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    call_command("migrate", verbosity=0)  # with --keep: the migrations made since
    if pending and seeded:
        # A migration that wrote rows (a copy filled in) leaves their pages not all-visible
        # and the statistics old: vacuum and analyze as autovacuum soon would, or the
        # planner prices index-only walks as heap reads for this run only.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    result["migrate_s"] = time.perf_counter() - started
    if not seeded:
        from bench import queue_seed

        load_before = os.getloadavg()
        started = time.perf_counter()
        result["rows"] = queue_seed.load(args.child, now=timezone.now(), closed=args.closed)
        result["copy_s"] = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # as autovacuum would after a bulk load
        result["seed_s"] = time.perf_counter() - started
        result["seed_load"] = [load_before[0], os.getloadavg()[0]]
        started = time.perf_counter()
        result["mirror_differences"] = queue_seed.check_mirrors()
        result["check_s"] = time.perf_counter() - started
        assert not any(result["mirror_differences"].values()), result["mirror_differences"]
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE IF NOT EXISTS bench_seeded (tickets integer)")
            cursor.execute("INSERT INTO bench_seeded VALUES (%s)", [args.child])
        print(f"  seeded in {result['seed_s']:.0f} s (COPY {result['copy_s']:.0f} s)",
              flush=True)
    result.update(describe())
    if args.seed_only:
        Path(args.out).write_text(json.dumps(result, default=str))
        return
    with bench_lock(not args.no_lock):
        result["load_before"] = os.getloadavg()
        result["pages"] = measure_pages(args.runs, args.only)
        result["load_after"] = os.getloadavg()
    result["date"] = timezone.now().date().isoformat()
    Path(args.out).write_text(json.dumps(result, default=str))


def _seeded(url, count):
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT tickets FROM bench_seeded").fetchone()
    except psycopg.Error:
        return False
    return row is not None and row[0] == count


class bench_lock:
    """The benchmarks' lock file, as flock(1) takes it: one measurement at a time."""

    def __init__(self, take=True):
        self.take = take

    def __enter__(self):
        if not self.take:
            return self
        self.file = open(LOCK, "a")  # noqa: SIM115
        try:
            fcntl.flock(self.file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"  waiting for {LOCK} (another measurement runs)", flush=True)
            fcntl.flock(self.file, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        if self.take:
            fcntl.flock(self.file, fcntl.LOCK_UN)
            self.file.close()


def describe():
    """What the database holds: tickets by state, the queues' sizes."""
    from django.db.models import Count

    from deadlines.models import Clock
    from registration.models import RegistrationRequest
    from tickets.models import ExtensionRequest, Ticket, TicketEvent

    states = dict(Ticket.objects.values_list("state").annotate(n=Count("id")).order_by())
    return {
        "states": states,
        "clocks": Clock.objects.count(),
        "clock_kinds": dict(Clock.objects.values_list("kind").annotate(n=Count("id"))
                            .order_by()),
        "events": TicketEvent.objects.count(),
        "sanction_candidates": Ticket.objects.filter(
            sanction_candidate_at__isnull=False).count(),
        "pending_extensions": ExtensionRequest.objects.filter(status="pending").count(),
        "registration_requests": dict(RegistrationRequest.objects.values_list("status")
                                      .annotate(n=Count("id")).order_by()),
        "molina_presented": Ticket.objects.filter(mco__slug="molina",
                                                  presented_at__isnull=False).count(),
    }


def pages():
    """(name, persona, path) of every page timed: each queue, its filters, page 1 and the
    furthest page its capped count links to, and each role's home."""
    from registration.views.admin import STATUS_FILTERS as REGISTRATION_FILTERS
    from tickets.views.mco import STATUS_FILTERS

    later = f"page={LATER_PAGE}"
    rows = [
        ("HFS home", "hfs", "/home/hfs/"),
        ("HFS triage queue", "hfs", "/tickets/triage/"),
        (f"HFS triage queue, page {LATER_PAGE}", "hfs", f"/tickets/triage/?{later}"),
        ("HFS triage queue, overdue", "hfs", "/tickets/triage/?overdue=1"),
        ("HFS triage queue, one MCO (Molina)", "hfs", "/tickets/triage/?mco=molina"),
        ("HFS triage queue, assigned to me", "hfs", "/tickets/triage/?mine=1"),
        ("Review queue", "hfs", "/tickets/reviews/"),
        (f"Review queue, page {LATER_PAGE}", "hfs", f"/tickets/reviews/?{later}"),
        ("Extension queue", "hfs", "/tickets/extensions/"),
        ("Overdue responses, all", "hfs", "/tickets/overdue-responses/"),
        ("Overdue responses, all, page 20", "hfs", "/tickets/overdue-responses/?page=20"),
        ("Overdue responses, not answered", "hfs", "/tickets/overdue-responses/?show=open"),
        ("Overdue responses, not answered, page 20", "hfs",
         "/tickets/overdue-responses/?show=open&page=20"),
    ]
    for status, label in STATUS_FILTERS.items():
        name = "MCO queue = MCO home" if status == "action" else f"MCO queue, {label}"
        rows.append((f"{name} [{status}]", "mco", f"/tickets/mco/?status={status}"))
        rows.append((f"MCO queue, {label}, page {LATER_PAGE}", "mco",
                     f"/tickets/mco/?status={status}&{later}"))
    rows += [
        ("MCO queue, overdue", "mco", "/tickets/mco/?overdue=1"),
        (f"MCO queue, overdue, page {LATER_PAGE}", "mco", f"/tickets/mco/?overdue=1&{later}"),
        ("MCO queue, awaiting the provider", "mco", "/tickets/mco/?awaiting=1"),
        ("MCO queue, assigned to me", "mco", "/tickets/mco/?mine=1"),
        ("MCO queue, one complaint type", "mco", "/tickets/mco/?type=claims-payment"),
    ]
    for status, label in REGISTRATION_FILTERS.items():
        name = ("Registration queue = registration admin home" if status == "open"
                else f"Registration queue, {label}")
        rows.append((f"{name} [{status}]", "registration_admin",
                     f"/registration/queue/?status={status}"))
    rows += [
        (f"Registration queue, page {LATER_PAGE}", "registration_admin",
         f"/registration/queue/?status=all&{later}"),
        ("Registration queue, overdue", "registration_admin",
         "/registration/queue/?overdue=1"),
        ("Provider home (billing agent, 50 providers)", "agent", "/home/provider/"),
        ("Provider home (a clinic, one provider)", "clinic", "/home/provider/"),
        ("Provider's waiting page (billing agent)", "agent", "/home/provider/waiting/"),
        (f"Provider's waiting page (billing agent), page {WAITING_PAGE}", "agent",
         f"/home/provider/waiting/?page={WAITING_PAGE}"),
    ]
    return rows


def measure_pages(runs, only=""):
    import gc

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.queue_seed import EMAILS, clinic_user
    from portal.models import User

    # A signed-in session is saved at most once a minute (SessionTouchMiddleware, R-SEC-3):
    # never during the measurement, so that the query count of a page is its own, not
    # sometimes three more for the session's save.
    settings.SESSION_TOUCH_SECONDS = 10**9
    clinic_user()
    clients = {}
    for persona, email in EMAILS.items():
        client = Client()
        client.force_login(User.objects.get(email=email))
        clients[persona] = client
    todo = [page for page in pages() if only in page[0]]
    for _name, persona, path in todo:  # warm-up: every template and code path once
        response = clients[persona].get(path)
        assert response.status_code == 200, (path, response.status_code)
    gc.collect()
    gc.freeze()  # as portal/wsgi.py does after start-up
    measured = []
    for name, persona, path in todo:
        client = clients[persona]
        for _ in range(3):
            client.get(path)
        samples = []
        for _ in range(runs):
            t0 = time.perf_counter()
            response = client.get(path)
            samples.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        slowest = max(queries.captured_queries, key=lambda q: float(q["time"]))
        samples.sort()
        measured.append({
            "name": name, "path": path, "p50": statistics.median(samples),
            "p95": percentile(samples, 0.95), "samples": samples,
            "queries": len(queries), "rows": rows_shown(response.content), "sql_ms": sum(
                float(q["time"]) for q in queries.captured_queries) * 1000,
            "slowest_ms": float(slowest["time"]) * 1000, "slowest": slowest["sql"],
            "explain": explain(slowest["sql"]),
        })
        print(f"  {name}: p50 {measured[-1]['p50']:.1f} ms, p95 {measured[-1]['p95']:.1f}"
              f" ms, {len(queries)} queries", flush=True)
    return measured


def rows_shown(html):
    """How many rows a page lists: table rows of its tables' bodies, items of its
    collections (a home's waiting list) and its cards (the extension queue). A page that
    shows fewer rows at one size than another is not the same page: its growth is not
    history's."""
    import re

    bodies = re.findall(rb"<tbody>(.*?)</tbody>", html, re.S)
    return (sum(body.count(b"<tr") for body in bodies)
            + html.count(b'class="usa-collection__item"')
            + html.count(b'<section class="usa-card'))


def explain(sql):
    from django.db import connection

    if not sql.lstrip().upper().startswith("SELECT"):
        return ""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(line for (line,) in cursor.fetchall())


# --- The report ------------------------------------------------------------------------------


def report(results):
    """Print the Markdown for docs/PERFORMANCE.md; 1 when a query count differs by size."""
    first, last = results[0], results[-1]
    print()
    for r in results:
        seeded = (f"seeded in {r['seed_s']:.0f} s (COPY {r['copy_s']:.0f} s, then VACUUM "
                  f"ANALYZE; load average {r['seed_load'][0]:.2f} → {r['seed_load'][1]:.2f})"
                  if "seed_s" in r else "seeded by an earlier run")
        closed = r["states"].get("closed", 0) / r["tickets"]
        print(f"- {r['tickets']:,} tickets ({r['database']}): {seeded}; {closed:.0%} closed; "
              f"states {dict(sorted(r['states'].items()))}; {r['clocks']:,} clocks of "
              f"{len(r['clock_kinds'])} kinds; {r['events']:,} events; "
              f"{r['sanction_candidates']:,} sanction candidates; "
              f"{r['pending_extensions']:,} pending extensions; registration requests "
              f"{dict(sorted(r['registration_requests'].items()))}; Molina's presented "
              f"tickets {r['molina_presented']:,}. Timings {r['date']}, load average "
              f"{r['load_before'][0]:.2f} before, {r['load_after'][0]:.2f} after; "
              f"{r.get('rounds', 1)} round(s), {r['pages'][0].get('runs', '?')} requests "
              "a page.")
    print()
    header = " | ".join(f"{size_name(r['tickets'])} p50 / p95" for r in results)
    print(f"| page | {header} | p95 {size_name(last['tickets'])} / "
          f"{size_name(first['tickets'])} | rows shown | p95 growth, same rows | SQL queries |")
    print("|---|" + "---:|" * len(results) + "---:|---:|---:|---:|")
    by_size = [{p["name"]: p for p in r["pages"]} for r in results]
    mismatched, missed = [], []
    for page in last["pages"]:
        name = page["name"]
        cells = [by[name] for by in by_size]
        ratio = cells[-1]["p95"] / cells[0]["p95"]
        counts = {c["queries"] for c in cells}
        if len(counts) > 1:
            mismatched.append(name)
        miss = cells[-1]["p95"] > P95_MS or ratio > GROWTH
        if miss:
            missed.append(name)
        times = " | ".join(f"{c['p50']:.1f} / {c['p95']:.1f}" for c in cells)
        query_text = " / ".join(str(c["queries"]) for c in cells) if len(counts) > 1 \
            else str(cells[0]["queries"])
        rows = " / ".join(str(c.get("rows", "?")) for c in cells)
        # From the smallest size whose page shows as many rows as the largest size's: at
        # 10k a queue's page 40 may be its last, of 3 rows, against 25 at 1M.
        alike = next(n for n, c in enumerate(cells) if c.get("rows") == cells[-1].get("rows"))
        same = (f"{cells[-1]['p95'] / cells[alike]['p95']:.2f} from "
                f"{size_name(results[alike]['tickets'])}" if alike < len(cells) - 1 else "–")
        print(f"| {name} | {times} | {ratio:.2f}{' **miss**' if miss else ''} | {rows} | "
              f"{same} | {query_text} |")
    print()
    if mismatched:
        print("Query counts that change with the number of tickets: " + "; ".join(mismatched))
    else:
        print("Query counts: the same at every size for every page.")
    for name in missed:
        page = next(p for p in last["pages"] if p["name"] == name)
        print()
        print(f"### Missed: {name} ({page['path']}), slowest query {page['slowest_ms']:.1f} ms "
              f"of {page['sql_ms']:.1f} ms SQL")
        print(page["slowest"])
        print(page["explain"])
    return 1 if mismatched else 0


if __name__ == "__main__":
    main()
