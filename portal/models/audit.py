"""The append-only audit log of R-SEC-2: every view of, and change to, a ticket or a
registration, and every export, download, membership change and people-management action
(who, what, when, from where). ``portal.audit.write`` adds the rows.

Rows are never changed or removed: ``save`` and ``delete`` refuse here, and on PostgreSQL a
trigger refuses UPDATE and DELETE on the table whatever the caller (migration 0005).
"""

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+",
        db_index=False,  # audit_user_idx (user, at) serves the foreign key too
    )
    action = models.CharField(max_length=40)  # "view", "change", "approve", "export"...
    object_type = models.CharField(max_length=40)  # "ticket", "registration", "person"...
    object_id = models.PositiveBigIntegerField(null=True)
    detail = models.CharField(max_length=1000, blank=True)
    # "web", "task:<task name>", "command:<command>", "system"
    source = models.CharField(max_length=60, default="web")
    request_id = models.CharField(max_length=64, blank=True)
    method = models.CharField(max_length=8, blank=True)
    path = models.CharField(max_length=500, blank=True)
    status = models.PositiveSmallIntegerField(null=True)
    ip_address = models.GenericIPAddressField(null=True)
    user_agent = models.CharField(max_length=300, blank=True)
    # An integration API request (issue 13): the client and the token used. Plain ids, not
    # foreign keys: the log outlives any client, and stays append-only.
    api_client_id = models.PositiveBigIntegerField(null=True, blank=True)
    api_token_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "at"], name="audit_object_idx"),
            models.Index(fields=["user", "at"], name="audit_user_idx"),
            models.Index(fields=["action", "at"], name="audit_action_idx"),
        ]
        permissions = [("read_audit_log", "Can read and export the audit log")]

    def __str__(self):
        return f"{self.action} {self.object_type} {self.object_id} by {self.user_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("The audit log is append-only.")
