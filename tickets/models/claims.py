"""Claims of a ticket: one for a single complaint, up to 100 from the claims template."""

from django.db import models
from django.db.models.functions import Upper


class TicketClaim(models.Model):
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="claims")
    row_number = models.PositiveIntegerField(null=True, blank=True)
    claim_number = models.CharField("claim number", max_length=50)
    tracking_number = models.CharField("MCO tracking number", max_length=60, blank=True)
    member_rin = models.CharField("member RIN", max_length=9)
    member_name = models.CharField("member name", max_length=200)
    service_from = models.DateField("date of service from")
    service_to = models.DateField("date of service to")
    billed = models.DecimalField("billed amount", max_digits=12, decimal_places=2)
    paid = models.DecimalField("paid amount", max_digits=12, decimal_places=2)
    disputed = models.DecimalField("disputed amount", max_digits=12, decimal_places=2)
    denial_reason = models.CharField("denial reason", max_length=500)
    comments = models.TextField("comments", blank=True)

    class Meta:
        ordering = ["row_number", "pk"]
        indexes = [
            # Find any ticket by a claim's tracking number or member RIN (issue 11).
            models.Index(Upper("tracking_number"), name="claim_tracking_upper_idx"),
            models.Index(fields=["member_rin"], name="claim_member_rin_idx"),
        ]

    def __str__(self):
        return f"Claim {self.claim_number}"
