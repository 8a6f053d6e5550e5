"""PostgreSQL restarted while a billing system files tickets (issue 15): every filing the
client saw acknowledged is in the database exactly once; while the server is down every
answer is a 503 (the API's problem, the pages' "nothing you sent was saved" page, /healthz),
never a 500; afterwards the same web server and the same deadline sweeper carry on without
a restart of their own.

The PostgreSQL server is the test's own: a cluster made with initdb in a temporary folder,
on a free port, stopped and started with pg_ctl — a real restart, never a mock. The portal
runs as deployed: gunicorn with gunicorn.conf.py and the production settings, and the
sweeper as compose's ``sweeper`` service runs it (``enforce_deadlines --every``).
"""

import contextlib
import glob
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FILERS = 4
#: Filings each filer completes before the stop, and again after the start.
BEFORE, AFTER = 3, 3
#: What a client may see from the portal at any moment of the run.
ACCEPTABLE = {200, 201, 503}

pytestmark = pytest.mark.pg_server


def server_binaries():
    """Debian keeps initdb and pg_ctl under /usr/lib/postgresql/<version>/bin."""
    found = shutil.which("pg_ctl")
    if found:  # a link in PATH: its folder holds initdb, createdb and psql too
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                        key=lambda p: int(Path(p).parts[-3].split(".")[0]))
    return Path(candidates[-1]).parent if candidates else None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnPostgres:
    """A PostgreSQL cluster of the test's own (initdb refuses root: run as ``postgres``)."""

    def __init__(self, folder):
        self.bin = server_binaries()
        self.folder = Path(folder)
        self.data = self.folder / "data"
        self.port = free_port()
        self.log = self.folder / "postgres.log"
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.folder, "postgres")

    def _run(self, *command):
        # The commands are this machine's PostgreSQL binaries with our own arguments.
        subprocess.run([*self.as_user, *command], check=True, capture_output=True,  # noqa: S603
                       timeout=120)

    def init(self):
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
                  "--auth=trust", "--no-sync", "-E", "UTF8")

    def start(self):
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c max_connections=60")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
                  "-o", options, "-w", "-t", "60", "start")

    def stop(self):
        # "fast": the clients' connections are cut, as a restart or a failover does.
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w",
                  "stop")

    def url(self, database="portal"):
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"


def portal_environment(folder, database_url):
    """The compose file's web environment (``bench.load.server_env``, as the load test runs
    the portal), on the test's own PostgreSQL, with the product's own settings and without
    Redis (the embedded default's memory cache; tasks run in the process)."""
    from bench.load import server_env

    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "PYTEST"))}
    environment.update(server_env(database_url, folder))
    del environment["REDIS_URL"]
    environment.update({
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "SECRET_KEY": "restart-test-only-not-a-real-secret-key-0123456789-abcdefghijkl",
        "WEB_WORKERS": "2",
        "WEB_ACCESS_LOG": "/dev/null",
        "PYTHONUNBUFFERED": "1",
    })
    return environment


SEED = """
import json, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)  # as the image is built
from portal.reference_data import load_reference_data
load_reference_data()
from api import clients
from bench.load import sign_in
from tests import factories
from tests.tickets.conftest import approve, make_provider
user = factories.provider_user(email="restart@example.test")
provider = make_provider(0)
approve(user, provider)
client = clients.create_client(by=factories.registration_admin(), kind="provider",
                               name="Restart Billing", contact_email="it@example.test",
                               providers=[provider])
_token, secret = clients.issue_token(client, by=client.created_by, name="t", scope="act")
from portal.models import MCO, ComplaintType
print(json.dumps({"token": secret, "provider": provider.pk, "cookie": sign_in(user),
                  "mco": MCO.objects.get(slug="molina").pk,
                  "complaint_type": ComplaintType.objects.get(slug="claims-payment").pk}))
"""


class Portal:
    def __init__(self, port):
        self.port = port

    def request(self, method, path, body=None, headers=()):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            sent = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https", **dict(headers)}
            if body is not None:
                body = json.dumps(body)
                sent["Content-Type"] = "application/json"
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            return response.status, response.read(), response.getheader("Retry-After")
        finally:
            connection.close()


class Filer(threading.Thread):
    """A billing system filing tickets one after another: a draft, a claim, the submission,
    each sent with its own Idempotency-Key and sent again, with the same key, after a 503
    or a dropped connection, until it is acknowledged."""

    def __init__(self, portal, seed, today, name, stop):
        super().__init__(name=name, daemon=True)
        self.portal, self.seed, self.today, self.stop = portal, seed, today, stop
        self.acknowledged = []  # (ticket id, the filing's own words)
        self.statuses = []
        self.problems = []
        self.lock = threading.Lock()

    def send(self, path, body):
        key = str(uuid.uuid4())
        headers = {"Authorization": f"Bearer {self.seed['token']}", "Idempotency-Key": key}
        while True:
            try:
                status, content, _retry = self.portal.request("POST", path, body, headers)
            except OSError as error:  # the connection dropped: the same key again
                self.statuses.append(type(error).__name__)
                threading.Event().wait(0.05)
                continue
            self.statuses.append(status)
            if status in (200, 201):
                return json.loads(content)
            if status != 503:
                self.problems.append((path, status, content[:500]))
                return None
            threading.Event().wait(0.05)  # a short back-off instead of Retry-After's 30 s

    def run(self):
        import datetime

        n = 0
        while not self.stop.is_set():
            n += 1
            words = f"Filed by {self.name}, filing {n}: the MCO denied the claim."
            draft = self.send("/api/v1/tickets", {
                "provider": self.seed["provider"], "mco": self.seed["mco"],
                "complaint_type": self.seed["complaint_type"],
                "dispute_filed_on": (self.today - datetime.timedelta(days=40)).isoformat(),
                "tracking_number": "MOL-12345", "internal_process_exhausted": True,
                "description": words})
            if draft is None:
                return
            pk = draft["id"]
            claim = self.send(f"/api/v1/tickets/{pk}/claims", {
                "claim_number": f"CLM-{n}", "member_rin": "123456789",
                "member_name": "Pat Member",
                "service_from": (self.today - datetime.timedelta(days=95)).isoformat(),
                "service_to": (self.today - datetime.timedelta(days=94)).isoformat(),
                "billed": "250.00", "paid": "0", "disputed": "250.00",
                "denial_reason": "CO-197"})
            if claim is None or self.send(f"/api/v1/tickets/{pk}/submit", None) is None:
                return
            with self.lock:
                self.acknowledged.append((pk, words))

    def refused(self):
        return sum(1 for status in self.statuses if status == 503 or isinstance(status, str))

    def count(self):
        with self.lock:
            return len(self.acknowledged)


def wait_until(condition, timeout, what):
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        pause.wait(0.05)


@pytest.fixture
def stack():
    """The test's own PostgreSQL, the portal on it under gunicorn, and the sweeper."""
    folder = Path(tempfile.mkdtemp(prefix="portal-restart-"))
    postgres = OwnPostgres(folder)
    processes = []
    try:
        postgres.init()
        postgres.start()
        subprocess.run([*postgres.as_user, str(postgres.bin / "createdb"),  # noqa: S603
                        "-h", "127.0.0.1", "-p", str(postgres.port), "-U", "postgres",
                        "portal"], check=True, capture_output=True, timeout=60)
        environment = portal_environment(folder, postgres.url())
        seeded = subprocess.run([sys.executable, "-c", SEED], cwd=ROOT, env=environment,  # noqa: S603
                                capture_output=True, text=True, timeout=300)
        assert seeded.returncode == 0, seeded.stderr[-3000:]
        seed = json.loads(seeded.stdout.strip().splitlines()[-1])
        port = free_port()
        web_log = (folder / "gunicorn.log").open("w")
        processes.append(subprocess.Popen(  # noqa: S603 - this venv's gunicorn, our arguments
            [str(Path(sys.executable).with_name("gunicorn")), "--config", "gunicorn.conf.py",
             "--bind", f"127.0.0.1:{port}", "portal.wsgi:application"],
            cwd=ROOT, env=environment, stdout=web_log, stderr=subprocess.STDOUT))
        sweeper_log = folder / "sweeper.log"
        processes.append(subprocess.Popen(  # noqa: S603 - our own management command
            [sys.executable, "-u", "manage.py", "enforce_deadlines", "--every", "0.2"],
            cwd=ROOT, env=environment, stdout=sweeper_log.open("w"),
            stderr=subprocess.STDOUT))
        portal = Portal(port)

        def answers():
            with contextlib.suppress(OSError):
                return portal.request("GET", "/healthz")[0] == 200
            return False

        wait_until(answers, 60, "gunicorn to answer")
        yield {"postgres": postgres, "portal": portal, "seed": seed, "folder": folder,
               "web": processes[0], "sweeper": processes[1], "sweeper_log": sweeper_log,
               "environment": environment}
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=20)
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            postgres.stop()
        shutil.rmtree(folder, ignore_errors=True)


def healthz(portal):
    status, content, _ = portal.request("GET", "/healthz")
    return status, json.loads(content)


def sweeps_done(log):
    return log.read_text().count("expired ")


def test_a_database_restart_under_filing_loses_nothing_and_needs_no_restart(stack):
    import datetime

    postgres, portal, seed = stack["postgres"], stack["portal"], stack["seed"]
    today = datetime.date.fromisoformat(query(postgres, "SELECT (now() AT TIME ZONE "
                                                        "'America/Chicago')::date"))
    assert healthz(portal) == (200, {"status": "ok", "database": "ok", "broker": "ok",
                                     "cache": "ok"})
    stop = threading.Event()
    filers = [Filer(portal, seed, today, f"filer-{n}", stop) for n in range(FILERS)]
    for filer in filers:
        filer.start()
    wait_until(lambda: all(f.count() >= BEFORE for f in filers), 120, "filings before")
    sweeps_before = sweeps_done(stack["sweeper_log"])
    assert sweeps_before > 0

    postgres.stop()  # the restart's first half: every connection of web and sweeper is cut
    try:
        acknowledged_at_stop = sum(f.count() for f in filers)
        refused_at_stop = [f.refused() for f in filers]
        # Down until every filer has met it: each has been refused at least once.
        wait_until(lambda: all(f.refused() > n for f, n in zip(filers, refused_at_stop,
                                                                strict=True)),
                   60, "every filer to meet the outage")
        status, content, retry_after = portal.request(
            "GET", "/", headers={"Cookie": f"sessionid={seed['cookie']}"})
        page = content.decode()
        api_status, api_content, api_retry = portal.request(
            "POST", "/api/v1/tickets", {"description": "while down"},
            {"Authorization": f"Bearer {seed['token']}",
             "Idempotency-Key": str(uuid.uuid4())})
        down_health = healthz(portal)
    finally:
        postgres.start()

    web_log = (stack["folder"] / "gunicorn.log").read_text()
    assert status == 503 and retry_after, web_log[-6000:]
    assert "briefly unavailable" in page and "Nothing you sent was saved" in page
    assert "Traceback" not in page
    assert api_status == 503 and api_retry
    assert json.loads(api_content)["status"] == 503
    assert down_health[0] == 503 and down_health[1]["database"] == "unavailable"

    # The same processes carry on: new filings are acknowledged, the sweeper sweeps again.
    wait_until(lambda: all(f.count() >= BEFORE + AFTER for f in filers)
               and sum(f.count() for f in filers) > acknowledged_at_stop, 180,
               "filings after the restart")
    wait_until(lambda: sweeps_done(stack["sweeper_log"]) > sweeps_before + 2, 60,
               "the sweeper to sweep again")
    stop.set()
    for filer in filers:
        filer.join(timeout=120)
    assert not any(filer.is_alive() for filer in filers)
    assert healthz(portal)[0] == 200
    assert stack["web"].poll() is None and stack["sweeper"].poll() is None

    problems = [problem for filer in filers for problem in filer.problems]
    assert problems == []
    seen = {status for filer in filers for status in filer.statuses}
    assert {s for s in seen if isinstance(s, int)} <= ACCEPTABLE, seen
    print(f"{len(acknowledged_words(filers))} filings acknowledged, "
          f"{sum(f.refused() for f in filers)} requests refused during the restart, "
          f"statuses seen: {sorted(map(str, seen))}")

    # Every acknowledged filing is there exactly once, submitted; nothing else was filed.
    acknowledged = acknowledged_words(filers)
    assert len(acknowledged) == sum(filer.count() for filer in filers)
    rows = json.loads(query(postgres, """
        SELECT coalesce(json_agg(json_build_array(id, description, state,
                                                  number IS NOT NULL)), '[]')
        FROM tickets_ticket"""))
    by_words = {}
    for pk, words, state, numbered in rows:
        by_words.setdefault(words, []).append(pk)
        assert state == "submitted" and numbered, (pk, state)
    assert {pk for pk, *_ in rows} == set(acknowledged)
    assert all(len(pks) == 1 for pks in by_words.values())
    assert len(rows) >= FILERS * (BEFORE + AFTER)
    for line in (stack["folder"] / "gunicorn.log").read_text().splitlines():
        assert "Internal Server Error" not in line, line


def acknowledged_words(filers):
    return {pk: words for filer in filers for pk, words in filer.acknowledged}


def query(postgres, sql):
    done = subprocess.run(  # noqa: S603 - this machine's psql, our own query
        [*postgres.as_user, str(postgres.bin / "psql"), "-h", "127.0.0.1", "-p",
         str(postgres.port), "-U", "postgres", "-d", "portal", "-Atc", sql],
        check=True, capture_output=True, text=True, timeout=60)
    return done.stdout.strip()
