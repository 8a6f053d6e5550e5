"""Load test of the portal as it is deployed (issue 14): gunicorn with the product's
configuration on PostgreSQL, 100,000 tickets, 50 signed-in people of every role requesting
queue pages (later pages too), ticket pages, home pages and static files, compared with a
bare Django view answered by the same server to the same generator in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_load \\
        flock /tmp/portal-bench.lock .venv/bin/python bench/load.py \\
        [--tickets 100000] [--users 50] [--seconds 30] [--keep] [--gunicorn "ARGS"]

Creates (or empties) the named database, migrates it and loads the tickets with their
clocks, decisions, requests and timeline events (``bench/reports.py``'s ``Loader``, by
COPY: three years of tickets, most closed, with the queues' due-moment copies), then the
people: provider users (each approved for five of the 50 providers), MCO staff of every
MCO, HFS staff and registration admins, each with a TOTP authenticator and a signed-in
session of their own. ``--keep`` reuses a database an earlier run loaded (fresh sessions).

Then it collects the static files (as the image's build does), starts gunicorn as the
Dockerfile's CMD does (its arguments read from the Dockerfile: ``gunicorn.conf.py``;
``--gunicorn`` replaces them, e.g. ``--gunicorn "-c /dev/null --workers 3 --access-logfile
-"`` for the old command, leading ``NAME=value`` words go in its environment; given more
than once, each server is measured in turn) on a free port of 127.0.0.1 with the compose
file's environment (DEBUG off, Redis cache, behind a TLS proxy: each request says
``X-Forwarded-Proto: https``, as the proxy does), and runs two phases with the same
generator, each ``--warmup`` seconds unmeasured then ``--seconds`` measured, ``--rounds``
times each, alternately (a machine that gets busier slows both alike):

1. **bare**: every user requests ``/bench/bare/`` (a view that returns "ok" through every
   middleware; it exists only in ``bench/load_urls.py``), anonymous;
2. **mixed**: every user requests their role's pages (``MIX`` below) with their session
   cookie, one after the other with no pause, and one request in four is a static file
   that the pages link (CSS, scripts, icons, images), as a browser with an empty cache
   fetches them.

The generator is bounded: ``--users`` threads spread over ``--processes`` processes, each
thread one person with one HTTP/1.1 connection (kept alive when the server keeps it), each
phase ending by itself after its seconds. Any answer other than 200 (a redirect to the
sign-in page too) or a failed connection is an error. It prints requests per second, the
ratio of the mixed rate to the bare rate, median/p95/max latency, errors, and the CPU time
per request of the server's processes and of PostgreSQL's backends serving its database,
per kind of request, as Markdown for docs/PERFORMANCE.md. It exits non-zero when
the goal (ratio >= 0.15, p95 <= 500 ms, no error) is missed.
"""

import argparse
import datetime
import http.client
import json
import multiprocessing
import os
import random
import re
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.load_settings")
os.environ.setdefault("DEBUG", "false")

#: Goals (issue 14).
RATIO_GOAL = 0.15
P95_GOAL_MS = 500
#: The share of requests that are static files.
STATIC_SHARE = 0.25
#: Each role's pages: (kind, weight). A kind names a path maker in ``paths_for``.
MIX = {
    "provider": [("home", 3), ("ticket", 5), ("all tickets, later page", 2)],
    "mco": [("queue", 3), ("queue, later page", 3), ("ticket", 4)],
    "hfs": [("home", 2), ("queue", 2), ("all tickets, later page", 2), ("ticket", 4)],
    "registration_admin": [("queue", 5), ("provider", 5)],
}
#: How many of the users hold each role (the rest are provider users).
ROLE_SHARE = {"mco": 0.32, "hfs": 0.24, "registration_admin": 0.12}
BENCH_DOMAIN = "load.bench.invalid"
MIRRORS = {"triage": "triage_due", "mco_response": "response_due",
           "hfs_decision": "decision_due"}
REDIS_URL = "redis://127.0.0.1:6379/7"


def dockerfile_gunicorn():
    """The Dockerfile's gunicorn arguments (its CMD without the app and the bind)."""
    cmd = [line for line in (ROOT / "Dockerfile").read_text().splitlines()
           if line.startswith("CMD ")][-1]
    words = json.loads(cmd[4:])
    assert words[0] == "gunicorn", words
    kept, skip = [], False
    for word in words[1:]:
        if skip or word == "portal.wsgi:application":
            skip = False
            continue
        if word == "--bind":
            skip = True
            continue
        kept.append(word)
    return shlex.join(kept)


DEFAULT_GUNICORN = dockerfile_gunicorn()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--processes", type=int, default=2,
                        help="generator processes (the users are spread over them)")
    parser.add_argument("--keep", action="store_true",
                        help="use the database an earlier run loaded (no reload)")
    parser.add_argument("--gunicorn", action="append",
                        help="gunicorn's arguments before the app (default: the Dockerfile's, "
                             f"{DEFAULT_GUNICORN!r}); given more than once, each server is "
                             "measured in turn in the same run")
    parser.add_argument("--phases", default="bare,mixed")
    parser.add_argument("--rounds", type=int, default=2,
                        help="the phases run this many times each, alternately")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--proxy", action="store_true",
                        help="put the compose file's proxy in front of each server: nginx "
                             "with deploy/nginx.conf, serving /static/ itself (needs "
                             "Debian's nginx: apt-get install nginx-light)")
    parser.add_argument("--load-only", action="store_true",
                        help="load the database and make the people, run no load")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (it is dropped and re-created).")
    if not args.keep:
        from bench.clock_sweep import ensure_database

        ensure_database(url)
    if args.json:
        Path(args.json).unlink(missing_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    os.environ.update(server_env(url, work))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    load_s = None
    if not args.keep:
        started = time.perf_counter()
        load(args.tickets)
        load_s = time.perf_counter() - started
    call_command("collectstatic", interactive=False, verbosity=0)
    users = make_users(args.users)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tickets_ticket")
        tickets = cursor.fetchone()[0]
    connection.close()
    if args.load_only:
        return

    met = True
    for arguments in args.gunicorn or [DEFAULT_GUNICORN]:
        port = free_port()
        server = start_server(arguments, port, work)
        proxy = None
        try:
            wait_until_up(port)
            if args.proxy:
                port, proxy = start_proxy(port, work), port
                wait_until_up(port)
            assets = static_assets(port, users)
            results = {}
            for _round in range(args.rounds):  # alternated: a machine that gets busier
                for phase in args.phases.split(","):  # slows both phases alike
                    got = run_phase(phase, port, users, assets, args)
                    if phase in results:
                        for key in ("samples", "seconds", "server_cpu", "pg_cpu",
                                    "generator_cpu"):
                            results[phase][key] += got[key]
                    else:
                        results[phase] = got
        finally:
            if proxy:
                stop_proxy(work)
            server.terminate()
            server.wait(timeout=30)
        if args.proxy:
            arguments += " behind nginx (deploy/nginx.conf)"
        met = report(results, args, arguments, tickets, load_s, users) and met
    if not met:
        sys.exit(1)


# --- The server ---------------------------------------------------------------------------


def server_env(url, work):
    """The compose file's web environment, on this machine's PostgreSQL and Redis."""
    return {
        "DJANGO_SETTINGS_MODULE": "bench.load_settings",
        "DATABASE_URL": url,
        "REDIS_URL": REDIS_URL,
        "DEBUG": "false",
        "SECRET_KEY": "bench-load-only-not-a-real-secret-key-0123456789-abcdefghijklmnop",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "BEHIND_TLS_PROXY": "true",
        "SITE_URL": "https://localhost",
        "PORTAL_VAR_DIR": str(work / "var"),
        "MEDIA_ROOT": str(work / "uploads"),
        "STATIC_ROOT": str(work / "static"),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
    }


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(arguments, port, work):
    """gunicorn with ``arguments``; leading ``NAME=value`` words are set in its
    environment (``WEB_THREADS=8 -c gunicorn.conf.py``)."""
    words = shlex.split(arguments)
    environment = dict(os.environ)
    while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0]):
        name, value = words.pop(0).split("=", 1)
        environment[name] = value
    command = [str(Path(sys.executable).with_name("gunicorn")), *words,
               "--bind", f"127.0.0.1:{port}", "portal.wsgi:application"]
    log = (work / "gunicorn.log").open("a")
    print(f"server: {arguments} (log: {log.name})", flush=True)
    # The command is gunicorn from this venv with the arguments given on our command line.
    return subprocess.Popen(command, cwd=ROOT, env=environment,  # noqa: S603
                            stdout=log, stderr=subprocess.STDOUT)


NGINX = "/usr/sbin/nginx"


def start_proxy(upstream, work):
    """nginx with the compose file's server block (deploy/nginx.conf): /static/ from the
    collected files, the rest to gunicorn on ``upstream``; returns its port."""
    if not Path(NGINX).exists():
        sys.exit(f"--proxy needs nginx at {NGINX} (apt-get install nginx-light)")
    port = free_port()
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    for old, new in (("server web:8000;", f"server 127.0.0.1:{upstream};"),
                     ("listen 8080;", f"listen 127.0.0.1:{port};"),
                     ("/srv/static/", f"{work / 'static'}/")):
        assert old in site, old
        site = site.replace(old, new)
    temp = work / "nginx"
    temp.mkdir(exist_ok=True)
    work.chmod(0o755)  # nginx's workers (www-data) read the collected files
    conf = temp / "nginx.conf"
    conf.write_text(
        f"daemon on;\nworker_processes 1;\npid {temp / 'nginx.pid'};\n"
        f"error_log {temp / 'error.log'} warn;\nevents {{ worker_connections 1024; }}\n"
        f"http {{\n  include /etc/nginx/mime.types;\n  access_log off;\n"
        + "".join(f"  {kind}_temp_path {temp / kind};\n"
                  for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        + site + "\n}\n")
    # Debian's nginx on the configuration written just above.
    subprocess.run([NGINX, "-c", str(conf)], check=True)  # noqa: S603
    print(f"proxy: nginx on port {port} in front of gunicorn on {upstream}", flush=True)
    return port


def stop_proxy(work):
    temp = work / "nginx"
    subprocess.run([NGINX, "-c", str(temp / "nginx.conf"), "-s", "stop"],  # noqa: S603
                   check=False)


def wait_until_up(port, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status, _ = fetch(port, "/bench/bare/")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit("the server did not answer in time")


def fetch(port, path, cookie=None, conn=None):
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers(cookie))
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        if own:
            conn.close()


def headers(cookie):
    h = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https", "User-Agent": "bench-load",
         "Accept-Encoding": "gzip, br"}
    if cookie:
        h["Cookie"] = f"sessionid={cookie}"
    return h


def cpu_seconds(select):
    """CPU time (user + system, seconds) of each process on this machine that
    ``select(comm, cmdline)`` picks, by pid."""
    ticks = os.sysconf("SC_CLK_TCK")
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1: stat.rindex(")")]
        if select(comm, cmdline):
            fields = stat.rsplit(")", 1)[1].split()
            found[int(entry.name)] = (int(fields[11]) + int(fields[12])) / ticks
    return found


def cpu_used(before, after):
    """CPU seconds spent between two ``cpu_seconds`` readings by the processes alive at
    the second (one started in between counts whole; one that ended is not counted)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def is_server(comm, cmdline):
    """gunicorn's processes, and nginx's when --proxy puts it in front."""
    return (b"portal.wsgi" in cmdline and b"gunicorn" in cmdline) or comm == "nginx"


def is_postgres(comm, cmdline):
    """PostgreSQL's backends serving the benchmark's database (other work on the machine's
    PostgreSQL is not counted; the server keeps its connections for the whole phase)."""
    database = os.environ["DATABASE_URL"].rsplit("/", 1)[1].encode()
    return cmdline.startswith(b"postgres") and b" " + database + b" " in cmdline


# --- Loading ------------------------------------------------------------------------------


def load(count, batch=50_000):
    """``count`` tickets by ``bench.reports``'s Loader over all MCOs, with their timeline
    events and the due-moment copies the queues read (ClockKind.mirror)."""
    from django.db import connection
    from django.utils import timezone

    from bench.api import ticket_events
    from bench.reports import Loader, copy_rows, reset_sequence
    from deadlines.models import Clock
    from portal.models import MCO, ComplaintType
    from portal.reference_data import load_reference_data
    from tests import factories
    from tests.tickets.conftest import make_provider
    from tickets.action_needed import refresh_provider_due
    from tickets.models import (
        Decision,
        ExtensionRequest,
        InformationRequest,
        Investigation,
        RepresentativeContact,
        Ticket,
        TicketEvent,
    )

    load_reference_data()
    providers = [make_provider(i, npi="1234567893") for i in range(50)]
    people = {"provider": factories.provider_user(email=f"filer@{BENCH_DOMAIN}").pk,
              "hfs": factories.hfs_staff(email=f"hfs@{BENCH_DOMAIN}").pk,
              "mco": factories.mco_staff("molina", email=f"mco@{BENCH_DOMAIN}").pk}
    loader = Loader(tickets=count, now=timezone.now(), people=people,
                    mcos=list(MCO.objects.values_list("pk", flat=True)),
                    types=list(ComplaintType.objects.values_list("pk", flat=True)),
                    providers=[p.pk for p in providers])
    for start in range(0, count, batch):
        rows = [loader.ticket(i) for i in range(start, min(start + batch, count))]
        by_id = {row["id"]: row for row in rows}
        for clock in loader.clocks:
            mirror = MIRRORS.get(clock["kind"])
            if mirror:
                by_id[clock["object_id"]][mirror] = clock["due_at"]
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
    refresh_provider_due()  # the provider's waiting copy, as migration 0015 writes it
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


# --- The people and what each requests ---------------------------------------------------------


def roles_for(count):
    roles = []
    for role, share in ROLE_SHARE.items():
        roles += [role] * max(1, round(count * share))
    roles += ["provider"] * max(1, count - len(roles))
    return roles[:count] if len(roles) > count else roles


def make_users(count):
    """``count`` people of every role (made once, kept by ``--keep`` runs), each with a new
    signed-in session; returns what each one requests."""
    from portal.models import MCO, User
    from registration.models import Provider, ProviderMembership
    from tests import factories
    from tests.tickets.conftest import approve
    from tickets.models import Ticket

    mcos = list(MCO.objects.order_by("pk"))
    providers = list(Provider.objects.order_by("pk").values_list("pk", flat=True))
    all_ids = list(Ticket.objects.exclude(submitted_at=None).values_list("pk", flat=True))
    rng = random.Random(14)
    users = []
    for n, role in enumerate(roles_for(count)):
        email = f"{role}-{n}@{BENCH_DOMAIN}"
        user = User.objects.filter(email=email).first()
        if user is None:
            if role == "provider":
                user = factories.provider_user(email=email)
                for j in range(5):
                    approve(user, Provider.objects.get(pk=providers[(5 * n + j) % len(
                        providers)]))
            elif role == "mco":
                user = factories.mco_staff(mcos[n % len(mcos)].slug, email=email)
            elif role == "hfs":
                user = factories.hfs_staff(email=email)
            else:
                user = factories.registration_admin(email=email)
        if role == "provider":
            mine = list(ProviderMembership.objects.filter(user=user).values_list(
                "provider_id", flat=True))
            ids = list(Ticket.objects.filter(provider__in=mine).exclude(
                submitted_at=None).values_list("pk", flat=True)[:5000])
        elif role == "mco":
            ids = list(Ticket.objects.filter(mco=user.mco_id).exclude(
                presented_at=None).values_list("pk", flat=True)[:5000])
        else:
            ids = all_ids
        users.append({"role": role, "email": email, "cookie": sign_in(user),
                      "tickets": rng.sample(ids, min(len(ids), 500)),
                      "providers": providers})
    return users


def sign_in(user):
    """A new session of ``user`` (what ``Client.force_login`` stores), its cookie value."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key


def paths_for(kind, user, rng):
    """One path of ``kind`` for ``user``."""
    role = user["role"]
    if kind == "ticket":
        return f"/tickets/{rng.choice(user['tickets'])}/"
    if kind == "home":
        return {"provider": "/home/provider/", "hfs": "/home/hfs/"}[role]
    if kind == "queue":
        return {"mco": "/tickets/mco/", "hfs": "/tickets/triage/",
                "registration_admin": "/registration/queue/"}[role]
    if kind == "queue, later page":
        return f"/tickets/mco/?status=all&page={rng.randint(2, 40)}"
    if kind == "all tickets, later page":
        return f"/tickets/all/?page={rng.randint(2, 40)}"
    if kind == "provider":
        return f"/registration/providers/{rng.choice(user['providers'])}/"
    raise ValueError(kind)


def static_assets(port, users):
    """The static files a page links (stylesheets, scripts, icons, images), from each
    role's first page as served."""
    found = set()
    for user in users:
        kind = MIX[user["role"]][0][0]
        status, body = fetch(port, paths_for(kind, user, random.Random(0)), user["cookie"])
        if status != 200:
            sys.exit(f"{user['email']} could not open {kind} ({status}): not signed in?")
        found |= set(re.findall(rb'(?:href|src)="(/static/[^"]+)"', body))
    assets = sorted(a.decode() for a in found)
    for path in assets:
        status, _ = fetch(port, path)
        if status != 200:
            sys.exit(f"static file {path}: {status}")
    return assets


# --- The generator ------------------------------------------------------------------------------


def run_phase(phase, port, users, assets, args):
    """Every user's thread requests as fast as answers come for ``warmup + seconds``; the
    requests that started inside the measured window are kept."""
    print(f"phase {phase}: {len(users)} users, {args.warmup:.0f} s warm-up, "
          f"{args.seconds:.0f} s measured", flush=True)
    begin = time.time() + 1.0  # every process starts the clock together
    window = (begin + args.warmup, begin + args.warmup + args.seconds)
    chunks = [list(range(i, len(users), args.processes)) for i in range(args.processes)]
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    workers = [context.Process(target=generate, args=(
        queue, phase, port, [users[i] for i in chunk], assets, begin, window, seed))
        for seed, chunk in enumerate(chunks) if chunk]
    for w in workers:
        w.start()
    time.sleep(max(0.0, window[0] - time.time()))
    server_at_start, pg_at_start = cpu_seconds(is_server), cpu_seconds(is_postgres)
    time.sleep(max(0.0, window[1] - time.time()))
    cpu_window = (cpu_used(server_at_start, cpu_seconds(is_server)),
                  cpu_used(pg_at_start, cpu_seconds(is_postgres)))
    samples, generator_cpu = [], 0.0
    for _ in workers:
        got = queue.get(timeout=args.warmup + args.seconds + 120)
        samples.extend(got["samples"])
        generator_cpu += got["cpu"]
    for w in workers:
        w.join()
    return {"samples": samples, "seconds": args.seconds, "server_cpu": cpu_window[0],
            "pg_cpu": cpu_window[1], "generator_cpu": generator_cpu}


def generate(queue, phase, port, users, assets, begin, window, seed):
    """One generator process: a thread per user from ``begin``; sends back (kind, ms, ok,
    status, path) of each request started inside the window, and its CPU time over it.
    A request started before the window's end is waited for (its answer counts)."""
    samples, lock = [], threading.Lock()
    start, stop = window

    def person(user, rng):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        weights = MIX[user["role"]]
        kinds = [k for k, _ in weights]
        cum = [w for _, w in weights]
        while True:
            now = time.time()
            if now >= stop:
                break
            if phase == "bare":
                kind, path, cookie = "bare view", "/bench/bare/", None
            elif rng.random() < STATIC_SHARE:
                kind, path, cookie = "static file", rng.choice(assets), None
            else:
                kind = rng.choices(kinds, cum)[0]
                path, cookie = paths_for(kind, user, rng), user["cookie"]
            t0 = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers(cookie))
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
                status = response.status
                if response.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException) as error:
                ok, status = False, type(error).__name__
                conn.close()
            ms = (time.perf_counter() - t0) * 1000
            if now >= start:
                mine.append((kind, ms, ok, status, path))
        conn.close()
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=person, args=(u, random.Random(seed * 1000 + i)))
               for i, u in enumerate(users)]
    time.sleep(max(0.0, begin - time.time()))
    for t in threads:
        t.start()
    time.sleep(max(0.0, start - time.time()))
    cpu0 = time.process_time()
    for t in threads:
        t.join()
    queue.put({"samples": samples, "cpu": time.process_time() - cpu0})


# --- The report ---------------------------------------------------------------------------------


def summary(values):
    values = sorted(values)
    if not values:
        return 0.0, 0.0, 0.0
    p95 = values[max(0, int(len(values) * 0.95 + 0.5) - 1)]
    return statistics.median(values), p95, values[-1]


def report(results, args, arguments, tickets, load_s, users):
    """Prints the run's tables; returns whether the goal was met."""
    print()
    loaded = "loaded by an earlier run" if load_s is None else f"loaded in {load_s:.0f} s"
    roles = {}
    for u in users:
        roles[u["role"]] = roles.get(u["role"], 0) + 1
    load_avg = os.getloadavg()
    print(f"{tickets:,} tickets ({loaded}); {len(users)} users "
          f"({', '.join(f'{n} {r}' for r, n in roles.items())}); server: gunicorn "
          f"{arguments!r}; {datetime.date.today():%Y-%m-%d}, {os.cpu_count()} cores, "
          f"load average after the run {load_avg[0]:.2f}; each phase {args.rounds} times "
          f"{args.seconds:.0f} s measured after {args.warmup:.0f} s of warm-up, "
          f"alternately; {args.processes} generator processes.")
    print()
    print("| phase | requests | req/s | errors | median (ms) | p95 (ms) | max (ms) | "
          "server CPU ms/req | PostgreSQL CPU ms/req | generator CPU ms/req |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    figures = {}
    for phase, r in results.items():
        samples = r["samples"]
        n = len(samples)
        errors = sum(1 for s in samples if not s[2])
        median, p95, top = summary([s[1] for s in samples])
        rate = n / r["seconds"]
        figures[phase] = {"requests": n, "rate": rate, "errors": errors, "median": median,
                          "p95": p95, "max": top}
        print(f"| {phase} | {n:,} | {rate:.1f} | {errors} | {median:.1f} | {p95:.1f} | "
              f"{top:.1f} | {1000 * r['server_cpu'] / max(n, 1):.2f} | "
              f"{1000 * r['pg_cpu'] / max(n, 1):.2f} | "
              f"{1000 * r['generator_cpu'] / max(n, 1):.2f} |")
    if "mixed" in results:
        print()
        print("| mixed: kind of request | requests | share | median (ms) | p95 (ms) | "
              "max (ms) | errors |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        samples = results["mixed"]["samples"]
        kinds = {}
        for s in samples:
            kinds.setdefault(s[0], []).append(s)
        for kind, rows in sorted(kinds.items(), key=lambda kv: -len(kv[1])):
            median, p95, top = summary([s[1] for s in rows])
            errors = sum(1 for s in rows if not s[2])
            print(f"| {kind} | {len(rows):,} | {len(rows) / len(samples):.0%} | "
                  f"{median:.1f} | {p95:.1f} | {top:.1f} | {errors} |")
        failed = [s for s in samples if not s[2]]
        for s in failed[:10]:
            print(f"  error: {s[0]} {s[4]} -> {s[3]}")
    met = True
    if "bare" in figures and "mixed" in figures:
        ratio = figures["mixed"]["rate"] / figures["bare"]["rate"]
        mixed = figures["mixed"]
        met = (ratio >= RATIO_GOAL and mixed["p95"] <= P95_GOAL_MS
               and mixed["errors"] == 0 and figures["bare"]["errors"] == 0)
        figures["ratio"] = ratio
        print()
        print(f"Ratio of the mixed load to the bare view: {mixed['rate']:.1f} / "
              f"{figures['bare']['rate']:.1f} = **{ratio:.3f}** (goal >= {RATIO_GOAL}); "
              f"mixed p95 {mixed['p95']:.0f} ms (goal <= {P95_GOAL_MS}); errors "
              f"{mixed['errors'] + figures['bare']['errors']} (goal 0): "
              f"{'met' if met else 'MISSED'}.")
    if args.json:
        path = Path(args.json)
        runs = json.loads(path.read_text()) if path.exists() else {}
        runs[arguments] = figures
        path.write_text(json.dumps(runs, indent=2))
    return met


if __name__ == "__main__":
    main()
