"""Find any ticket (issue 11): the indexes of the All-tickets page (tickets/search.py).

The B-tree indexes are declared on the models. Two are made here on PostgreSQL only, and
not at all on SQLite, which has neither: the description's full-text GIN index, on the same
``to_tsvector('english', description)`` expression the search filters on
(``tickets.search.description_vector``; SQLite falls back to ``icontains``), and the order
"closed, newest first, open tickets last" (``closed_at DESC NULLS LAST, id DESC``). They
are not in the models' state, so ``makemigrations`` neither sees nor drops them.
"""

import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models



def _postgresql_indexes():
    from django.contrib.postgres.indexes import GinIndex
    from django.contrib.postgres.search import SearchVector

    return [
        GinIndex(SearchVector("description", config="english"),
                 name="ticket_description_fts_idx"),
        models.Index(models.F("closed_at").desc(nulls_last=True), models.F("id").desc(),
                     name="ticket_closed_desc_idx"),
    ]


def add_postgresql_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for index in _postgresql_indexes():
            schema_editor.add_index(apps.get_model("tickets", "Ticket"), index)


def remove_postgresql_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for index in _postgresql_indexes():
            schema_editor.remove_index(apps.get_model("tickets", "Ticket"), index)


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0006_audit_readers'),
        ('registration', '0003_request_status_fsm'),
        ('tickets', '0006_core_keeps_rules'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(django.db.models.functions.text.Upper('tracking_number'), name='ticket_tracking_upper_idx'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['submitted_at', 'id'], name='ticket_submitted_idx'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['closed_at', 'id'], name='ticket_closed_idx'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(condition=models.Q(('sanction_candidate_at__isnull', False)), fields=['submitted_at'], name='ticket_sanction_idx'),
        ),
        migrations.AddIndex(
            model_name='ticketclaim',
            index=models.Index(django.db.models.functions.text.Upper('tracking_number'), name='claim_tracking_upper_idx'),
        ),
        migrations.AddIndex(
            model_name='ticketclaim',
            index=models.Index(fields=['member_rin'], name='claim_member_rin_idx'),
        ),
        migrations.RunPython(add_postgresql_indexes, remove_postgresql_indexes, elidable=False),
    ]
