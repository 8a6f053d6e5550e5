"""``DB_PREPARE_THRESHOLD`` (issue 14): statements sent with server-side parameters and
prepared on their connection after that many runs, so PostgreSQL plans them once per
connection. On by default (5), off with 0 (docs/decisions/0013-throughput.md)."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.postgres
def test_with_a_threshold_a_query_run_often_is_prepared_and_still_answers_each_value():
    from django.db.backends.postgresql.base import DatabaseWrapper

    params = dict(connection.settings_dict)
    params["OPTIONS"] = {**params.get("OPTIONS", {}), "server_side_binding": True,
                         "prepare_threshold": 2}
    prepared = DatabaseWrapper(params, alias="prepared-statements-test")
    try:
        with prepared.cursor() as cursor:
            for _ in range(3):
                for value in (1, 2, 40):
                    cursor.execute("SELECT %s::integer * 3", [value])
                    assert cursor.fetchone() == (value * 3,)
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            statements = [row[0] for row in cursor.fetchall()]
    finally:
        prepared.close()
    assert any("$1" in s and "* 3" in s for s in statements), statements


def settings_options(**environment):
    """The database OPTIONS that portal.settings makes from ``environment``."""
    code = ("from django.conf import settings; "
            "print(sorted(settings.DATABASES['default'].get('OPTIONS', {}).items()))")
    env = {k: v for k, v in os.environ.items() if k != "DB_PREPARE_THRESHOLD"}
    env.update(DJANGO_SETTINGS_MODULE="portal.settings",
               SECRET_KEY="test-only-" + "x" * 50, **environment)
    # The interpreter running this suite, on a fixed snippet; nothing from outside.
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True,  # noqa: S603
                         capture_output=True, text=True, cwd=settings.BASE_DIR)
    return out.stdout.strip()


def test_prepared_statements_are_on_by_default_on_postgresql_and_off_with_zero():
    url = "postgres://postgres@127.0.0.1:5432/none"
    assert settings_options(DATABASE_URL=url) == (
        "[('prepare_threshold', 5), ('server_side_binding', True)]")
    assert settings_options(DATABASE_URL=url, DB_PREPARE_THRESHOLD="0") == "[]"
    assert settings_options(DATABASE_URL=url, DB_PREPARE_THRESHOLD="2") == (
        "[('prepare_threshold', 2), ('server_side_binding', True)]")
    sqlite = settings_options(DATABASE_URL="sqlite:///:memory:", DB_PREPARE_THRESHOLD="5")
    assert "server_side_binding" not in sqlite
