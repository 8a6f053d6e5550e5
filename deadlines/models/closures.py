"""Office-closure days that HFS adds in the portal, on top of the state holidays (R-CLK-1).

Change them only through ``deadlines.closures.add_closure`` / ``remove_closure``: those
check the day, write the ``ClosureChange`` log row in the same transaction, and tell the
calendar and the clocks.
"""

from django.conf import settings
from django.db import models


class ClosureDay(models.Model):
    """An extra day on which HFS offices are closed (an emergency closure, a proclamation)."""

    date = models.DateField("date", unique=True)
    reason = models.TextField("reason", help_text="Why the offices are closed that day.")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="added by",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("added at", auto_now_add=True)

    class Meta:
        ordering = ["date"]
        verbose_name = "office-closure day"

    def __str__(self):
        return f"{self.date.isoformat()}: {self.reason}"


class ClosureChange(models.Model):
    """One addition or removal of a closure day: who, when and why. Append-only."""

    class Action(models.TextChoices):
        ADDED = "added", "added"
        REMOVED = "removed", "removed"

    date = models.DateField("date", db_index=True)
    action = models.CharField("action", max_length=10, choices=Action.choices)
    reason = models.TextField("reason")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="changed by",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    changed_at = models.DateTimeField("changed at", auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = "office-closure change"

    def __str__(self):
        return f"{self.date.isoformat()} {self.action}: {self.reason}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("The closure change log is append-only: a change is never edited.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("The closure change log is append-only: a change is never deleted.")
