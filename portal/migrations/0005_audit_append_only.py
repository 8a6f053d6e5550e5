"""R-SEC-2: on PostgreSQL the audit table refuses UPDATE and DELETE, whoever sends them.

A statement-level trigger raises before any UPDATE or DELETE on ``portal_auditevent``, so
even ``DELETE FROM portal_auditevent WHERE false`` fails. TRUNCATE is not refused: the
test suite's flush between transactional tests uses it (and a role that may TRUNCATE may
also drop the trigger; the deployment's database role should own neither, see
docs/decisions/0006-audit-log.md). On SQLite (development) nothing is created; the model's
``save`` and ``delete`` refuse there.

A later migration that must rewrite audit rows has to drop and re-create the trigger
explicitly, in view of the reviewers.
"""

from django.db import migrations

TABLE = "portal_auditevent"
FUNCTION = "portal_audit_refuse_change"
TRIGGER = "portal_auditevent_append_only"

CREATE = [
    f"""
    CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'The audit log is append-only: % on % is refused.',
            TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
    END;
    $$
    """,
    f"DROP TRIGGER IF EXISTS {TRIGGER} ON {TABLE}",
    f"""
    CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()
    """,
]
DROP = [
    f"DROP TRIGGER IF EXISTS {TRIGGER} ON {TABLE}",
    f"DROP FUNCTION IF EXISTS {FUNCTION}()",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement, params=None)  # no %-placeholders

    return run


class Migration(migrations.Migration):
    dependencies = [("portal", "0004_audit_context")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP), elidable=False)]
