"""A person's private calendar feed of the deadlines they must meet (issue 15).

The feed's address carries a secret token: a calendar application reads it without a
session. Only the token's SHA-256 is stored, like the API's tokens (ADR 0015): the address
is shown once, when it is made; a person who lost it makes a new one, and the old one
stops working at once.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models

#: Marks the portal's feed tokens (a public prefix, not a secret).
TOKEN_PREFIX = "cal"  # noqa: S105


def hash_token(token: str) -> str:
    # 256 random bits: a plain SHA-256 is enough (nothing to guess from a dictionary), and
    # the lookup is one indexed equality.
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return f"{TOKEN_PREFIX}_{secrets.token_urlsafe(32)}"


class FeedScope(models.TextChoices):
    """Which tickets' deadlines the feed holds, for staff whose tickets can be assigned to
    one person (MCO staff: ``mco_assigned_to``; HFS staff: ``assigned_to``)."""

    ALL = "all", "Every ticket I act on"
    ASSIGNED = "assigned", "Only tickets assigned to me"


class CalendarFeed(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="calendar_feed")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    scope = models.CharField(max_length=10, choices=FeedScope.choices, default=FeedScope.ALL)
    #: When the current address was made (turning the feed on, or a new address).
    created_at = models.DateTimeField()
    #: The latest read by a calendar application (kept at most every few minutes; reads
    #: are not audit rows, ADR 0015), so the person can see that their calendar reads it.
    last_read_at = models.DateTimeField(null=True, blank=True)
    last_read_agent = models.CharField(max_length=300, blank=True)

    def __str__(self):
        return f"Calendar feed of {self.user}"

    @classmethod
    def find(cls, token: str):
        """The feed of an active person that ``token`` opens, or None."""
        if not token or not token.startswith(f"{TOKEN_PREFIX}_") or len(token) > 100:
            return None
        return (cls.objects.select_related("user", "user__mco")
                .filter(token_hash=hash_token(token), user__is_active=True).first())
