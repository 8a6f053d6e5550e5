"""PostgreSQL plans a page's repeated queries once per connection (issue 14): statements are
sent with server-side parameters and prepared after ``DB_PREPARE_THRESHOLD`` runs."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from portal.models import MCO

pytestmark = pytest.mark.django_db


def prepared_mco_statements():
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements "
                       "WHERE statement LIKE '%%portal_mco%%'")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.postgres
def test_a_query_run_often_on_a_connection_is_prepared_and_still_answers_each_value(
        reference_data):
    threshold = settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"]
    assert threshold >= 1
    mcos = list(MCO.objects.order_by("pk"))
    assert len(mcos) > 2
    before = prepared_mco_statements()
    for _ in range(threshold + 1):
        for mco in mcos:
            found = MCO.objects.filter(pk=mco.pk).values_list("slug", flat=True)
            assert list(found) == [mco.slug]
    after = prepared_mco_statements()
    new = [s for s in after if s not in before]
    assert any("$1" in s for s in new), after  # one plan, a parameter per value


def settings_options(**environment):
    """The database OPTIONS that portal.settings makes from ``environment``."""
    code = ("import django.conf, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', "
            "'portal.settings'); from django.conf import settings; "
            "print(sorted(settings.DATABASES['default'].get('OPTIONS', {}).items()))")
    env = {k: v for k, v in os.environ.items() if k != "DB_PREPARE_THRESHOLD"}
    env.update(DJANGO_SETTINGS_MODULE="portal.settings",
               SECRET_KEY="test-only-" + "x" * 50, **environment)
    # The interpreter running this suite, on a fixed snippet; nothing from outside.
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True,  # noqa: S603
                         capture_output=True, text=True, cwd=settings.BASE_DIR)
    return out.stdout.strip()


def test_prepared_statements_are_on_for_postgresql_by_default_and_can_be_turned_off():
    url = "postgres://postgres@127.0.0.1:5432/none"
    assert settings_options(DATABASE_URL=url) == (
        "[('prepare_threshold', 5), ('server_side_binding', True)]")
    assert settings_options(DATABASE_URL=url, DB_PREPARE_THRESHOLD="0") == "[]"
    assert settings_options(DATABASE_URL=url, DB_PREPARE_THRESHOLD="2") == (
        "[('prepare_threshold', 2), ('server_side_binding', True)]")
    assert "server_side_binding" not in settings_options(DATABASE_URL="sqlite:///:memory:")
