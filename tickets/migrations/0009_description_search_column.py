"""The description's full-text search reads a stored ``tsvector`` column on PostgreSQL
(issue 11, docs/PERFORMANCE.md).

Migration 0007 indexed the expression ``to_tsvector('english', description)``. The GIN index
finds a rare word at once, but where the search matches many tickets PostgreSQL walks the
order's index and tests each row, computing its ``to_tsvector`` again (about 15 µs a row:
3.5 s for a quarter of a million rows). A generated column keeps the vector with the row,
so that test is a read; the GIN index moves to the column. SQLite has no ``tsvector``: the
column exists on PostgreSQL only, outside the models' state (``makemigrations`` neither
sees nor drops it); ``tickets.search.description_vector`` reads it there.
"""

from django.db import migrations

COLUMN = "description_search"
INDEX = "ticket_description_search_idx"
OLD_INDEX = "ticket_description_fts_idx"


def add_column(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE tickets_ticket ADD COLUMN {COLUMN} tsvector GENERATED ALWAYS AS "
        "(to_tsvector('english'::regconfig, COALESCE(description, ''))) STORED"
    )
    schema_editor.execute(f"CREATE INDEX {INDEX} ON tickets_ticket USING gin ({COLUMN})")
    schema_editor.execute(f"DROP INDEX IF EXISTS {OLD_INDEX}")


def remove_column(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {OLD_INDEX} ON tickets_ticket USING gin "
        "(to_tsvector('english'::regconfig, COALESCE(description, '')))"
    )
    schema_editor.execute(f"ALTER TABLE tickets_ticket DROP COLUMN IF EXISTS {COLUMN}")


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0008_mco_state_filed_index"),
    ]

    operations = [
        migrations.RunPython(add_column, remove_column, elidable=False),
    ]
