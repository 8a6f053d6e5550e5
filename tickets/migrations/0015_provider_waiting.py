"""The provider's home reads what waits on the provider from the ticket (issue 14):
``Ticket.provider_due``, written for the tickets that wait on their provider today from
their running clocks, then its partial index."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import Q


def copy_provider_due(apps, schema_editor):
    from tickets.action_needed import ACTIONS, provider_due

    content_type = apps.get_model("contenttypes", "ContentType")
    ticket_type = content_type.objects.filter(app_label="tickets", model="ticket").first()
    if ticket_type is None:  # a new database: no ticket yet
        return
    ticket = apps.get_model("tickets", "Ticket")
    ticket.objects.filter(state__in=[a.state for a in ACTIONS.values()]).update(
        provider_due=provider_due(apps.get_model("deadlines", "Clock"),
                                  apps.get_model("tickets", "ReviewSubmission"),
                                  ticket_type.pk))


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('deadlines', '0004_core_keeps_rules'),
        ('portal', '0008_audit_api_client'),
        ('registration', '0005_queue_all_index'),
        ('tickets', '0014_home_and_extension_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='ticket',
            name='provider_due',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(copy_provider_due, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(condition=Q(provider_due__isnull=False),
                               fields=['provider', 'provider_due', 'id'],
                               name='ticket_provider_waiting_idx'),
        ),
    ]
