"""Stored clocks (R-CLK-5): one row per running deadline, with its due moment indexed."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models


class Outcome(models.TextChoices):
    MET = "met", "Met"
    EXPIRED = "expired", "Expired"
    STOPPED = "stopped", "Stopped by an action"
    CANCELLED = "cancelled", "Cancelled"


class Clock(models.Model):
    """A deadline on a ticket or a registration.

    ``outcome`` is empty while the clock runs. The sweep finds due clocks through the
    partial index on ``due_at`` of running clocks, so its cost does not grow with the
    number of clocks that are not due.
    """

    kind = models.CharField(max_length=50)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")

    unit = models.CharField(max_length=10)
    length = models.PositiveSmallIntegerField(help_text="Days, in the clock's unit.")
    extra_calendar_days = models.PositiveSmallIntegerField(default=0)

    started_at = models.DateTimeField()
    start_date = models.DateField(help_text="Day 0, in Central time (R-CLK-2).")
    start_event = models.CharField(max_length=200, blank=True)
    due_date = models.DateField(help_text="The last day to act.")
    due_at = models.DateTimeField(help_text="The end of the last day, Central time.")
    remind_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    stopped_at = models.DateTimeField(null=True, blank=True)
    stop_event = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)

    # R-CLK-4: an expiry action that failed. The sweep leaves such a clock aside (it keeps
    # running, shown to HFS) and goes on with every other; clearing it retries.
    attention_at = models.DateTimeField(null=True, blank=True)
    attention_error = models.TextField(blank=True)

    class Meta:
        ordering = ["due_at"]
        indexes = [
            models.Index(
                fields=["due_at"], name="clock_running_due_idx", condition=models.Q(outcome="")
            ),
            models.Index(
                fields=["remind_at"],
                name="clock_reminder_due_idx",
                condition=models.Q(outcome="", reminded_at__isnull=True, remind_at__isnull=False),
            ),
            models.Index(fields=["content_type", "object_id", "kind"], name="clock_subject_idx"),
            # Queues ordered by one kind's due moment read it in order (tickets.queues).
            models.Index(fields=["kind", "due_at"], name="clock_kind_due_idx"),
            # The HFS home's "clocks needing attention" (a failed expiry action, R-CLK-4):
            # almost always none, found without walking the running clocks (issue 14).
            models.Index(fields=["attention_at"], name="clock_attention_idx",
                         condition=models.Q(outcome="", attention_at__isnull=False)),
        ]
        constraints = [
            # One running clock of a kind per subject.
            models.UniqueConstraint(
                fields=["content_type", "object_id", "kind"],
                condition=models.Q(outcome=""),
                name="clock_one_running_per_kind",
            )
        ]

    def __str__(self):
        return f"{self.kind} clock on {self.content_type.model} {self.object_id}"

    @property
    def is_running(self):
        return self.outcome == ""

    def has_passed(self, at) -> bool:
        """True once ``at`` is after the due moment (R-CLK-2), whatever the sweep did."""
        return at > self.due_at

    def is_open_at(self, at) -> bool:
        """Running and its due moment not yet passed: the action it guards is allowed."""
        return self.is_running and not self.has_passed(at)


class ClockChange(models.Model):
    """Why a running clock's due moment moved (an extension, an office closure)."""

    clock = models.ForeignKey(Clock, on_delete=models.CASCADE, related_name="changes")
    changed_at = models.DateTimeField(auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    old_due_date = models.DateField()
    new_due_date = models.DateField()
    reason = models.CharField(max_length=500)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self):
        return f"{self.clock}: {self.old_due_date} → {self.new_due_date}"
