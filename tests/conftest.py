"""Shared fixtures: reference data, and the named personas of STYLE.md; the ``--today``
option that runs the whole suite as if on another date."""

import argparse
import datetime

import pytest
import time_machine
from django.core.cache import cache

from deadlines.closures import forget_local_copy
from portal.reference_data import load_reference_data
from tests import factories

# --today: the clock the whole session starts from (a working morning in Central time).
TODAY_TIME = datetime.time(9, 30)
_TODAY_TRAVEL = pytest.StashKey[time_machine.travel]()


def _a_date(text):
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def pytest_addoption(parser):
    parser.addoption(
        "--today", metavar="YYYY-MM-DD", type=_a_date, default=None,
        help="run the whole suite as if today were this date (09:30 America/Chicago, the "
        "clock ticking): a session-wide time-machine travel; a test's own travel still wins",
    )


def pytest_configure(config):
    """Started before collection, so module-level dates see the chosen day too; a test's
    or fixture's own ``time_machine.travel`` nests inside it and wins while it lasts."""
    today = config.getoption("--today")
    if today is None:
        return
    from deadlines.calendar import CENTRAL

    traveller = time_machine.travel(
        datetime.datetime.combine(today, TODAY_TIME, tzinfo=CENTRAL), tick=True
    )
    traveller.start()
    config.stash[_TODAY_TRAVEL] = traveller


def pytest_unconfigure(config):
    traveller = config.stash.get(_TODAY_TRAVEL, None)
    if traveller is not None:
        traveller.stop()
        del config.stash[_TODAY_TRAVEL]


def pytest_report_header(config):
    today = config.getoption("--today")
    if today is not None:
        return f"--today {today.isoformat()}: the suite runs as if on {today:%a %d %b %Y}"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and cached calendars never leak from one test into another."""
    cache.clear()
    forget_local_copy()
    yield
    cache.clear()
    forget_local_copy()


@pytest.fixture
def reference_data(db):
    load_reference_data()


@pytest.fixture
def provider_user(reference_data):
    return factories.provider_user(email="provider@example.test")


@pytest.fixture
def other_provider_user(reference_data):
    return factories.provider_user(email="other-provider@example.test")


@pytest.fixture
def mco_staff(reference_data):
    return factories.mco_staff("molina", email="staff@molina.example.test")


@pytest.fixture
def other_mco_staff(reference_data):
    return factories.mco_staff("aetna", email="staff@aetna.example.test")


@pytest.fixture
def hfs_staff(reference_data):
    return factories.hfs_staff(email="analyst@hfs.example.test")


@pytest.fixture
def registration_admin(reference_data):
    return factories.registration_admin(email="admin@hfs.example.test")


@pytest.fixture
def stranger(reference_data):
    """Signed in, but holding no role."""
    return factories.UserFactory(email="stranger@example.test")


@pytest.fixture
def personas(
    provider_user, mco_staff, hfs_staff, registration_admin, stranger
):
    return {
        "provider": provider_user,
        "mco": mco_staff,
        "hfs": hfs_staff,
        "registration_admin": registration_admin,
        "stranger": stranger,
    }


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` need real row locks and concurrent connections. On the
    SQLite default they are deselected (not skipped); `.ci/run` runs the suite on
    PostgreSQL too, where they run. Tests marked ``redis`` start a Redis server of their own:
    deselected where Debian's redis-server is not installed (`.ci/run` installs it). Tests
    marked ``pg_server`` start a PostgreSQL server of their own (initdb, pg_ctl): in the
    PostgreSQL run, where Debian's server binaries are there (`.ci/run` installs them)."""
    import shutil

    from django.conf import settings

    from tests.test_database_restart import server_binaries

    on_postgres = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    has_redis = shutil.which("redis-server") is not None
    own_postgres = on_postgres and server_binaries() is not None
    kept, deselected = [], []
    for item in items:
        needs = ((item.get_closest_marker("postgres") and not on_postgres)
                 or (item.get_closest_marker("redis") and not has_redis)
                 or (item.get_closest_marker("pg_server") and not own_postgres))
        (deselected if needs else kept).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept
