"""Which tickets changed since the summaries were last refreshed
(docs/decisions/0008-report-summaries.md).

Every change to a ticket — a person's action, the deadline sweep, an extension, an
investigation — writes a timeline event through ``Ticket.record`` in the change's own
transaction. This receiver adds the ticket's id to the refresh queue in that same
transaction, so the queue holds exactly the committed changes; the beat task
(``reports.summaries.refresh``) recounts those tickets. The tickets app knows nothing of it.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver


@receiver(post_save, sender="tickets.TicketEvent", dispatch_uid="reports.mark_changed")
def mark_changed(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        from reports.models import ChangedTicket

        ChangedTicket.objects.create(ticket_id=instance.ticket_id)
