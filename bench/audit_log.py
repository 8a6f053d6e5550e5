"""Benchmark of the audit reader (R-SEC-2, issue 10) on a large audit log: the searches
and pages of ``portal.views.audit`` against PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_audit \\
        .venv/bin/python bench/audit_log.py [--rows 1000000]

Creates (or empties) the named database, migrates it, loads ``--rows`` audit rows in one
``INSERT ... SELECT`` (30 seconds apart over about a year, 200 people, 50,000 tickets,
eight actions), then times each search's first page, a page deep in the log and the
export's "is there more than the cap?" check: the median of 20 runs after a warm-up, and
the SQL each one ran.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.test_settings")

LOAD = """
INSERT INTO portal_user (password, is_superuser, email, first_name, last_name, is_staff,
                         is_active, date_joined, phone)
SELECT '!', false, 'bench' || g || '@example.test', 'B', 'U', false, true, now(), ''
FROM generate_series(1, 200) g;
INSERT INTO portal_auditevent (at, user_id, action, object_type, object_id, detail, source,
                               request_id, method, path, status, ip_address, user_agent)
SELECT timestamptz '2026-01-01' + (g * interval '30 seconds'),
       (SELECT min(id) FROM portal_user) + (g % 200),
       (ARRAY['view','view','view','download','change','present','export','search'])
           [1 + g % 8],
       'ticket', 1 + (g % 50000), '', 'web', md5(g::text), 'GET',
       '/tickets/' || (1 + g % 50000) || '/', 200, '10.0.0.1', 'Bench/1.0'
FROM generate_series(1, {rows}) g;
ANALYZE portal_auditevent;
"""


def timed(label, run, repeat=20):
    from django.db import connection, reset_queries

    run()  # warm-up
    samples = []
    for _ in range(repeat):
        reset_queries()
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    queries = len(connection.queries)
    print(f"{label:<46} {statistics.median(samples):7.1f} ms  ({queries} queries)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
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

    settings.DEBUG = True  # keep the SQL of each run, to count it
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(LOAD.format(rows=int(args.rows)))

    import datetime

    from portal.models import AuditEvent, User
    from portal.views.audit import matching, page_of

    person = User.objects.filter(email="bench7@example.test").get()
    deep = AuditEvent.objects.order_by("pk").values_list("pk", flat=True)[args.rows // 10]
    cap = settings.AUDIT_EXPORT_MAX_ROWS
    searches = {
        "everything, newest page": {},
        "one ticket": {"ticket": 4242},
        "one person": {"person": person},
        "one person, one month": {"person": person, "date_from": datetime.date(2026, 6, 1),
                                  "date_to": datetime.date(2026, 6, 30)},
        "one action, one week": {"action": "download", "date_from": datetime.date(2026, 6, 1),
                                 "date_to": datetime.date(2026, 6, 7)},
    }
    print(f"{AuditEvent.objects.count():,} audit rows")
    for label, data in searches.items():
        timed(label, lambda d=data: page_of(matching(d)))
    timed("everything, a page 90% of the way back", lambda: page_of(matching({}), older=deep))
    timed("one person, a page 90% back", lambda: page_of(matching({"person": person}),
                                                         older=deep))
    timed(f"export: more than {cap:,} match?",
          lambda: matching({}).order_by("-at", "-pk")[cap : cap + 1].exists())


if __name__ == "__main__":
    main()
