"""The ticket's timeline: one row per event (who, role, when, from, to, what)."""

from django.conf import settings
from django.db import models


class TicketEvent(models.Model):
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=40)
    from_state = models.CharField(max_length=30, blank=True)
    to_state = models.CharField(max_length=30, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    role = models.CharField(max_length=30, help_text="provider, mco, hfs or system")
    at = models.DateTimeField()
    note = models.TextField(blank=True)
    internal = models.BooleanField(
        default=False, help_text="HFS-internal: never shown to providers or MCOs (R-FLOW-10)."
    )
    # PostgreSQL: the id of the transaction that wrote the event (a trigger sets it,
    # migration 0010). The API's change feed reads events in (txid, id) order and only
    # from transactions that have all ended, so a poller never skips an event that a
    # slower transaction commits after a later one (api.feed). NULL on SQLite, whose one
    # writer at a time commits events in id order.
    txid = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["ticket", "at"], name="ticketevent_timeline_idx"),
            models.Index(fields=["txid", "id"], name="ticketevent_feed_idx"),
        ]

    def __str__(self):
        return f"{self.action} on ticket {self.ticket_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Timeline events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Timeline events are append-only.")

    ROLE_LABELS = {"provider": "provider", "mco": "MCO", "hfs": "HFS", "system": "the portal"}

    @property
    def action_label(self):
        return self.action.replace("_", " ").capitalize()

    @property
    def role_label(self):
        return self.ROLE_LABELS.get(self.role, self.role)

    @property
    def from_state_label(self):
        from tickets.models.ticket import State

        return State(self.from_state).label if self.from_state in State.values else ""

    @property
    def to_state_label(self):
        from tickets.models.ticket import State

        return State(self.to_state).label if self.to_state in State.values else ""
