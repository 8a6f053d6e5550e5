"""Summary tables (docs/decisions/0008-report-summaries.md).

``MonthlyCount`` and ``MonthlyDuration`` are what the report pages read: a few thousand rows
a year whatever the number of tickets. ``TicketFact`` remembers what each ticket contributes
to them, so that a changed ticket is recounted by difference; ``ChangedTicket`` is the queue
of tickets changed since the last refresh; ``SummaryStatus`` says when that was.
"""

from django.db import models
from django.db.models import Q


class MonthlyCount(models.Model):
    """How many times ``measure`` happened in ``month`` on tickets of one MCO and one
    complaint type (``reports.metrics`` names every measure)."""

    month = models.DateField(help_text="The first day of the month, Central time.")
    mco = models.ForeignKey("portal.MCO", on_delete=models.PROTECT, related_name="+")
    complaint_type = models.ForeignKey("portal.ComplaintType", on_delete=models.PROTECT,
                                       related_name="+")
    measure = models.CharField(max_length=60)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "mco", "complaint_type", "measure"],
                                    name="report_count_key"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.measure}: {self.n}"


class MonthlyDuration(models.Model):
    """How many steps of one kind finished in ``month`` after ``days`` days (business or
    calendar days, as the step's deadline counts them): a histogram, from which medians and
    percentiles are exact in whole days."""

    month = models.DateField()
    mco = models.ForeignKey("portal.MCO", on_delete=models.PROTECT, related_name="+")
    complaint_type = models.ForeignKey("portal.ComplaintType", on_delete=models.PROTECT,
                                       related_name="+")
    step = models.CharField(max_length=30)
    days = models.IntegerField()
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "mco", "complaint_type", "step", "days"],
                name="report_duration_key"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.step} {self.days} days: {self.n}"


class TicketFact(models.Model):
    """What one ticket counts in the summaries now (``keys``), and the few facts the
    sanction-candidate list reads through its index."""

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE,
                                  primary_key=True, related_name="+")
    mco = models.ForeignKey("portal.MCO", on_delete=models.PROTECT, related_name="+")
    complaint_type = models.ForeignKey("portal.ComplaintType", on_delete=models.PROTECT,
                                       related_name="+")
    keys = models.JSONField(default=list)
    sanction_candidate_at = models.DateTimeField(null=True)
    response_due_date = models.DateField(null=True)
    responded_at = models.DateTimeField(null=True)
    closed_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["sanction_candidate_at"], name="report_fact_sanction_idx",
                         condition=Q(sanction_candidate_at__isnull=False)),
        ]

    def __str__(self):
        return f"Report facts of ticket {self.ticket_id}"


class ChangedTicket(models.Model):
    """A ticket changed after the last refresh (one row per timeline event; the refresh
    deletes the rows it has read)."""

    ticket_id = models.PositiveBigIntegerField()

    def __str__(self):
        return f"Ticket {self.ticket_id} changed"


class SummaryStatus(models.Model):
    """One row: the summaries count every change committed before ``refreshed_at``."""

    refreshed_at = models.DateTimeField(null=True)
    rebuilt_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name_plural = "summary status"

    def __str__(self):
        return f"Summaries as of {self.refreshed_at}"
