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
    # A file sent with a party's HFS review submission (R-FLOW-6): it follows the
    # submission's privacy, HFS and that party only.
    review_party = models.CharField(max_length=10, blank=True)


    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.name

    def is_visible_to(self, user, ticket) -> bool:
        return not self.review_party or review_party_of(user, ticket) in ("hfs",
                                                                          self.review_party)


def review_party_of(user, ticket) -> str:
    from portal import permissions

    return permissions.role_on(user, ticket)


def attachments_visible_to(user, ticket):
    """A ticket's files as the person may see them: a review submission's files only to HFS
    and the party that sent them."""
    party = review_party_of(user, ticket)
    files = ticket.attachments.select_related("uploaded_by")
    if party == "hfs":
        return files
    return files.filter(models.Q(review_party="") | models.Q(review_party=party or "-"))
