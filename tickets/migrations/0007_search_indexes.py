"""Find any ticket (issue 11): the indexes of the All-tickets page (tickets/search.py).

The B-tree indexes are declared on the models. The description's full-text index is a GIN
index on the same ``to_tsvector('english', description)`` expression the search filters on
(``tickets.search.description_vector``); GIN is PostgreSQL's only, so it is made here on
PostgreSQL and not at all on SQLite (where the search falls back to ``icontains``). It is
not in the models' state, so ``makemigrations`` neither sees nor drops it.
"""

import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models

FTS_INDEX = "ticket_description_fts_idx"


def _fts_index():
    from django.contrib.postgres.indexes import GinIndex
    from django.contrib.postgres.search import SearchVector

    return GinIndex(SearchVector("description", config="english"), name=FTS_INDEX)


def add_fts_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("tickets", "Ticket"), _fts_index())


def remove_fts_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("tickets", "Ticket"), _fts_index())


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
            index=models.Index(models.OrderBy(models.F('closed_at'), descending=True, nulls_last=True), models.OrderBy(models.F('id'), descending=True), name='ticket_closed_desc_idx'),
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
        migrations.RunPython(add_fts_index, remove_fts_index, elidable=False),
    ]
