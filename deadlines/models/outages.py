"""Portal outages that HFS declares, and the relief they give to running deadlines
(issue 15, docs/decisions/0014-outage-relief.md).

Change them only through ``deadlines.outages`` (declare, correct, withdraw, apply): it
checks who acts and the rule, writes the ``OutageChange`` log row and the audit row in the
same transaction, and moves the clocks. ``status`` is a protected FSM field: an outage is
*declared* (its relief not yet given; the deadline sweep holds the clocks it covers), then
*applied* (once, for good) or *withdrawn* (never applied).
"""

from django.conf import settings
from django.db import models
from django_fsm import FSMField, FSMModelMixin, transition


class Outage(FSMModelMixin, models.Model):
    """A time when the portal, or one MCO's or one provider's access to it, was (or will
    be) down."""

    class Status(models.TextChoices):
        DECLARED = "declared", "Declared: relief not yet applied"
        APPLIED = "applied", "Relief applied"
        WITHDRAWN = "withdrawn", "Withdrawn"

    starts_at = models.DateTimeField("start")
    ends_at = models.DateTimeField("end")
    reason = models.TextField("reason", help_text="What happened; shown on each ticket.")
    relief_days = models.PositiveSmallIntegerField(
        "business days of relief",
        help_text="Deadlines that fell in the outage, or this many business days after it, "
        "move to the end of the last of these days.",
    )
    #: None: the whole portal was down for everyone. An MCO: only its staff's access.
    mco = models.ForeignKey(
        "portal.MCO", verbose_name="MCO whose access was down", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    #: A provider: only its staff's access was down (never together with an MCO).
    provider = models.ForeignKey(
        "registration.Provider", verbose_name="provider whose access was down", null=True,
        blank=True, on_delete=models.PROTECT, related_name="+",
    )
    status = FSMField(max_length=10, choices=Status.choices, default=Status.DECLARED,
                      protected=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    declared_at = models.DateTimeField(auto_now_add=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+")
    applied_at = models.DateTimeField(null=True, blank=True)
    #: The last day the applied relief gave (the calendar of the day it was applied).
    relief_date = models.DateField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_at", "-pk"]
        indexes = [
            # The sweep asks on every run which declared outages hold clocks.
            models.Index(fields=["starts_at"], name="outage_declared_idx",
                         condition=models.Q(status="declared")),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                   name="outage_ends_after_start"),
            models.CheckConstraint(
                condition=models.Q(mco__isnull=True) | models.Q(provider__isnull=True),
                name="outage_mco_or_provider"),
        ]

    def __str__(self):
        return f"Outage {self.pk}: {self.starts_at:%Y-%m-%d %H:%M} to {self.ends_at:%Y-%m-%d %H:%M}"

    @property
    def is_declared(self):
        return self.status == self.Status.DECLARED

    @property
    def is_applied(self):
        return self.status == self.Status.APPLIED

    @transition(field=status, source=Status.DECLARED, target=Status.APPLIED)
    def mark_applied(self, *, by, at, relief_date):
        self.applied_by, self.applied_at, self.relief_date = by, at, relief_date

    @transition(field=status, source=Status.DECLARED, target=Status.WITHDRAWN)
    def mark_withdrawn(self, *, by, at):
        self.withdrawn_by, self.withdrawn_at = by, at


class OutageChange(models.Model):
    """One step in an outage's life: declared, corrected (what changed), withdrawn or
    applied; who, when and why. Append-only."""

    class Action(models.TextChoices):
        DECLARED = "declared", "declared"
        CORRECTED = "corrected", "corrected"
        WITHDRAWN = "withdrawn", "withdrawn"
        APPLIED = "applied", "relief applied"

    outage = models.ForeignKey(Outage, on_delete=models.PROTECT, related_name="changes")
    action = models.CharField(max_length=10, choices=Action.choices)
    detail = models.TextField(blank=True, help_text="What changed, in words.")
    reason = models.TextField(blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self):
        return f"Outage {self.outage_id} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("The outage log is append-only: a change is never edited.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("The outage log is append-only: a change is never deleted.")


class OutageRelief(models.Model):
    """What an applied outage did to one clock. ``moved``: the running clock's last day
    moved to ``new_due_date`` (a floor that later recomputations keep, deadlines.clocks).
    ``noted``: the clock had already expired during the outage; it stays expired (its
    expiry action may have closed the ticket) and the reports count it as relief, not as
    a missed deadline."""

    class Action(models.TextChoices):
        MOVED = "moved", "moved"
        NOTED = "noted", "expired during the outage; counted as relief"

    outage = models.ForeignKey(Outage, on_delete=models.PROTECT, related_name="reliefs")
    clock = models.ForeignKey("deadlines.Clock", on_delete=models.CASCADE,
                              related_name="outage_reliefs")
    action = models.CharField(max_length=10, choices=Action.choices)
    old_due_date = models.DateField()
    new_due_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["outage", "clock"], name="outage_relief_once"),
        ]

    def __str__(self):
        return f"Outage {self.outage_id} {self.action} clock {self.clock_id}"
