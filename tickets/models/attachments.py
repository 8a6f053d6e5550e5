"""Files attached to a ticket (R-SEC-4): checked by content, stored outside the static
path, served only through the access-checked download view."""

import uuid

from django.conf import settings
from django.db import models


def attachment_path(instance, filename):
    # A random name: the stored path reveals nothing about the ticket or the file.
    return f"tickets/{instance.ticket_id}/{uuid.uuid4().hex}"


class TicketAttachment(models.Model):
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=300)
    name = models.CharField("file name", max_length=150)
    kind = models.CharField(max_length=10)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    role = models.CharField(max_length=30, default="provider")

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.name
