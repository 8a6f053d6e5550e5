"""The MCO + status index gets the filed date after them (issue 11): the All-tickets page's
MCO, status and date filters read one range instead of ANDing three large bitmaps."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0007_search_indexes'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='ticket',
            name='ticket_mco_state_idx',
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['mco', 'state', 'submitted_at'], name='ticket_mco_state_filed_idx'),
        ),
    ]
