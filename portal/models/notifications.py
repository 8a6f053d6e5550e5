"""The notifications outbox: rows of mail to send, sent by Celery after the commit."""

from django.conf import settings
from django.db import models


class Notification(models.Model):
    """One e-mail to one person. Carries no PHI: only what the template needs (R-FILE-8)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    to_email = models.EmailField()
    template = models.CharField(
        max_length=100, help_text="Name under templates/emails/ (…_subject.txt, …_message.txt)."
    )
    context = models.JSONField(default=dict, blank=True)
    dedupe_key = models.CharField(
        max_length=200,
        unique=True,
        null=True,
        blank=True,
        help_text="When set, a second notification with the same key is never created.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="notification_pending_idx",
                condition=models.Q(sent_at__isnull=True),
            )
        ]

    def __str__(self):
        return f"{self.template} to {self.to_email}"
