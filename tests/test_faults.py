"""Failures that must lose nothing (issue 15): the cache (Redis) down, the broker down, the
database unreachable. Each fault is real — a port where nothing listens, a Redis server the
test starts and stops — never a mock of our own parts."""

import shutil
import socket
import subprocess

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from portal.models import Notification
from tests.factories import TEST_PASSWORD
from tests.tickets.conftest import (  # noqa: F401 - fixtures
    _in_november_2026,
    _uploads_in_a_fresh_folder,
    make_draft,
    presented_ticket,
    provider,
    submitted_ticket,
)

# The fixtures above are used by name (pytest), so the test arguments shadow them.
# ruff: noqa: F811
from tickets.models import State, Ticket

pytestmark = pytest.mark.django_db

NOBODY = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused


@pytest.fixture
def cache_down(settings):
    from django.core.cache import caches

    # Django's setting_changed handler makes the cache anew from this (and back after).
    settings.CACHES = {"default": {"BACKEND": "portal.cache.ResilientRedisCache",
                                   "LOCATION": NOBODY}}
    return caches["default"]


@pytest.fixture
def broker_down():
    from portal.celery import app

    saved = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager, app.conf.broker_url = False, NOBODY
    app._pool = None
    app.amqp._producer_pool = None
    yield
    app.conf.task_always_eager, app.conf.broker_url = saved
    app._pool = None
    app.amqp._producer_pool = None


def test_filing_a_ticket_works_with_the_cache_down(cache_down, client, provider_user,
                                                   provider):
    draft = make_draft(provider_user, provider)
    client.force_login(provider_user)
    response = client.post(reverse("ticket_check", args=[draft.pk]))
    assert response.status_code == 302, response.content[:500]
    assert Ticket.objects.get(pk=draft.pk).state == State.SUBMITTED
    assert cache_down.degraded


def test_signing_in_works_with_the_cache_down_and_still_counts_failures(cache_down,
                                                                        provider_user):
    client = Client()
    page = client.post(reverse("account_login"), {"login": provider_user.email,
                                                  "password": TEST_PASSWORD})
    assert page.status_code == 302
    assert client.get(reverse("provider_home")).status_code == 200


def test_healthz_says_503_while_the_cache_is_down(cache_down, client, reference_data):
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json()["cache"] == "unavailable"


def test_a_message_is_posted_once_when_the_broker_is_down(broker_down, client, mco_staff,
                                                          presented_ticket,
                                                          django_capture_on_commit_callbacks):
    from django.core import mail

    client.force_login(mco_staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ticket_message", args=[presented_ticket.pk]),
                               {"body": "We are looking into it."})
    assert response.status_code == 302  # not a 500 after saving: no one posts twice
    assert presented_ticket.messages.count() == 1
    waiting = Notification.objects.filter(sent_at__isnull=True)
    assert waiting.filter(template="ticket_message").count() == 1
    # The broker is back: the outbox sweep sends what waited, each once.
    from portal.tasks import send_pending_notifications

    before, pending = len(mail.outbox), waiting.count()
    send_pending_notifications()
    send_pending_notifications()
    assert len(mail.outbox) == before + pending
    assert not waiting.exists()


def test_the_sweep_acts_on_every_due_clock_with_the_broker_down(broker_down, provider_user,
                                                                provider, hfs_staff):
    import datetime

    from deadlines import clocks
    from tests.tickets.conftest import make_submitted

    tickets = [make_submitted(provider_user, provider) for _ in range(3)]
    due = max(t.clocks.get(kind="triage").due_at for t in tickets)
    expired = clocks.enforce_due_clocks(due + datetime.timedelta(seconds=1))
    assert expired == 3
    assert Ticket.objects.filter(pk__in=[t.pk for t in tickets],
                                 triage_overdue_at__isnull=False).count() == 3


def test_the_sweeper_command_needs_no_broker(broker_down, provider_user, provider):
    from io import StringIO

    from tests.tickets.conftest import make_submitted

    make_submitted(provider_user, provider)
    out = StringIO()
    call_command("enforce_deadlines", "--every", "0.01", "--times", "2", stdout=out)
    assert out.getvalue().count("expired") == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_database_unreachable_is_a_503_page_and_the_portal_recovers(client):
    from portal.reference_data import load_reference_data
    from tests import factories
    from tests.migrated_data import restore as restore_migrated_data

    restore_migrated_data()  # the connection is closed below: no test transaction to keep
    load_reference_data()
    client.force_login(factories.hfs_staff())
    assert client.get(reverse("hfs_home")).status_code == 200
    client.raise_request_exception = False
    settings_dict = connection.settings_dict
    port = settings_dict["PORT"]
    try:
        connection.close()
        settings_dict["PORT"] = "1"
        down = client.get(reverse("hfs_home"))
        health = client.get("/healthz")
    finally:
        settings_dict["PORT"] = port
        connection.close()
    assert down.status_code == 503
    assert "Nothing you sent was saved" in down.content.decode()
    assert down["Retry-After"]
    assert health.status_code == 503
    assert client.get(reverse("hfs_home")).status_code == 200  # no restart needed


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.redis
def test_the_cache_falls_back_and_comes_back_with_a_redis_that_stops_and_starts():
    from portal import cache as resilient

    port = _free_port()
    binary = shutil.which("redis-server")

    def start():
        command = [binary, "--port", str(port), "--save", "", "--appendonly", "no"]
        server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)  # noqa: S603
        for line in server.stdout:  # its own log: it says when it listens
            if "Ready to accept connections" in line:
                return server
        raise RuntimeError("redis-server did not start")

    server = start()
    cache = resilient.ResilientRedisCache(f"redis://127.0.0.1:{port}/0", {})
    try:
        cache.set("k", "on redis")
        assert cache.get("k") == "on redis" and not cache.degraded
        server.terminate()
        server.wait(timeout=10)
        assert cache.get("k") is None  # this process's own memory: never an error
        assert cache.degraded
        cache.set("k", "in memory")
        assert cache.get("k") == "in memory"
        assert cache.incr("k2", 1) if cache.add("k2", 1) else True
        server = start()
        cache.retry_seconds = 0  # the retry interval over: the next call tries Redis
        cache.set("k", "back on redis")
        assert not cache.degraded
        assert cache.get("k") == "back on redis"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_an_export_started_with_the_broker_down_waits_and_starts_later(
        broker_down, client, mco_staff, presented_ticket, django_capture_on_commit_callbacks):
    import datetime

    import time_machine
    from django.utils import timezone

    from jobs.models import Job
    from jobs.tasks import start_waiting
    from portal.celery import app

    client.force_login(mco_staff)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("mco_export"))
    assert started.status_code == 302  # the job page, not a 500
    job = Job.objects.get()
    assert job.status == Job.Status.QUEUED
    app.conf.task_always_eager = True  # the broker is back (the tests' worker runs inline)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=2)):
        assert start_waiting() == 1
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
