"""R-SEC-3: idle sessions end after SESSION_IDLE_MINUTES without a request, and the session
is written at most once a minute (portal.middleware.SessionTouchMiddleware, issue 14)."""

from datetime import timedelta

import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone


def _expiry(client):
    return Session.objects.get(session_key=client.cookies["sessionid"].value).expire_date


def _session_writes(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return [q["sql"] for q in queries if q["sql"].startswith(("UPDATE", "INSERT"))
            and "django_session" in q["sql"]]


def test_a_request_within_the_minute_does_not_write_the_session(client, provider_user):
    home = reverse("provider_home")
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(provider_user)
        assert _session_writes(client, home)  # the first request notes its save time
        saved = _expiry(client)
        for _ in range(5):
            traveller.shift(timedelta(seconds=10))
            assert _session_writes(client, home) == []
        assert _expiry(client) == saved


def test_a_request_a_minute_after_the_last_save_renews_the_session(client, provider_user):
    home = reverse("provider_home")
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(provider_user)
        client.get(home)
        before = _expiry(client)
        traveller.shift(timedelta(seconds=60))
        assert len(_session_writes(client, home)) == 1
        assert _expiry(client) == before + timedelta(seconds=60)


def test_idle_timeout_holds_to_the_minute_without_a_write_per_request(
        client, provider_user, settings):
    """Signed out no later than SESSION_IDLE_MINUTES after the last request, and no earlier
    than a minute before, even when that request wrote nothing."""
    home = reverse("provider_home")
    idle = timedelta(minutes=settings.SESSION_IDLE_MINUTES)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(provider_user)
        client.get(home)  # saved here
        traveller.shift(timedelta(seconds=59))
        assert _session_writes(client, home) == []  # the last request: not saved
        traveller.shift(idle - timedelta(seconds=60))  # 29 min after it: still signed in
        assert client.get(home).status_code == 200
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(provider_user)
        client.get(home)
        traveller.shift(timedelta(seconds=59))
        client.get(home)
        traveller.shift(idle + timedelta(seconds=1))  # 30 min after the last request
        response = client.get(home)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_session_in_use_lives_on_past_the_idle_minutes(client, provider_user, settings):
    home = reverse("provider_home")
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(provider_user)
        for _ in range(2 * settings.SESSION_IDLE_MINUTES):  # an hour, a request a minute
            traveller.shift(timedelta(seconds=59))
            assert client.get(home).status_code == 200


def test_an_anonymous_visit_makes_no_session(client, db):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("landing")).status_code == 200
    assert not any("django_session" in q["sql"] for q in queries)
    assert "sessionid" not in client.cookies
