"""The append-only audit log of R-SEC-2: every view of, and change to, a ticket or a
registration (who, what, when, from where)."""

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=10)  # "view" or "change"
    object_type = models.CharField(max_length=30)  # "ticket", "registration"
    object_id = models.PositiveBigIntegerField(null=True)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    status = models.PositiveSmallIntegerField()
    ip_address = models.GenericIPAddressField(null=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id", "at"],
                                name="audit_object_idx")]

    def __str__(self):
        return f"{self.action} {self.object_type} {self.object_id} by {self.user_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("The audit log is append-only.")
