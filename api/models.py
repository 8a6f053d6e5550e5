"""API clients, their tokens, idempotent writes and webhooks (issue 13).

A client is an MCO's or a provider organisation's (or its billing agent's) system. It acts
through its own *service account*: a user with the MCO role and the client's MCO, or the
provider role with memberships for the providers the client is approved for. So every
queryset rule (``Ticket.objects.visible_to``), actor check (``portal.permissions``) and
audit row works for the API exactly as for a person in the browser; the audit rows name
the client and the token too. A service account can never sign in to the pages (no
password, an unroutable ``.invalid`` address, refused by the account adapter).
"""

import hashlib
import ipaddress
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class Scope(models.TextChoices):
    READ = "read", "Read: list and read tickets, download files, read the event feed"
    ACT = "act", "Act: read, and take the client's side's actions on tickets"


class ClientKind(models.TextChoices):
    MCO = "mco", "MCO system"
    PROVIDER = "provider", "Provider organisation or billing agent system"


def parse_ip_ranges(text: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """``text``: address ranges (CIDR) separated by commas, spaces or new lines."""
    ranges, bad = [], []
    for part in text.replace(",", " ").split():
        try:
            ranges.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            bad.append(part)
    if bad:
        raise ValidationError(
            f"{', '.join(bad[:5])} {'is' if len(bad) == 1 else 'are'} not an address range. "
            "Write each as an address or a CIDR range such as 203.0.113.0/24.")
    return ranges


class ApiClient(models.Model):
    name = models.CharField("client name", max_length=120,
                            help_text="The system, as its owners call it, e.g. “Meridian "
                                      "case management”.")
    kind = models.CharField(max_length=10, choices=ClientKind.choices)
    mco = models.ForeignKey("portal.MCO", null=True, blank=True, on_delete=models.PROTECT,
                            related_name="api_clients", verbose_name="MCO")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="api_client", editable=False)
    contact_email = models.EmailField("technical contact's e-mail")
    allowed_ip_ranges = models.TextField(
        "allowed address ranges", blank=True,
        help_text="Optional. Requests from any other address are refused. Separate ranges "
                  "with commas or new lines, e.g. 203.0.113.0/24.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = "API client"

    def __str__(self):
        return self.name

    @property
    def is_active(self):
        return self.disabled_at is None

    def clean(self):
        parse_ip_ranges(self.allowed_ip_ranges)
        if self.kind == ClientKind.MCO and self.mco_id is None:
            raise ValidationError({"mco": "Choose the MCO whose system this is."})
        if self.kind == ClientKind.PROVIDER and self.mco_id is not None:
            raise ValidationError({"mco": "A provider client has no MCO; leave it empty."})

    def allows_address(self, address: str | None) -> bool:
        ranges = parse_ip_ranges(self.allowed_ip_ranges)
        if not ranges:
            return True
        if not address:
            return False
        ip = ipaddress.ip_address(address)
        return any(ip in network for network in ranges)


TOKEN_PREFIX = "prp"  # noqa: S105 - a public prefix that marks our tokens, not a secret


def hash_secret(secret: str) -> str:
    # The secret is 256 random bits: a plain SHA-256 is enough (no dictionary to attack),
    # and it lets the lookup be one indexed equality.
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, at=None):
        at = at or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=at,
                           client__disabled_at__isnull=True)


class ApiToken(models.Model):
    """A named, scoped, expiring token. Only its SHA-256 is stored: the token is shown once,
    when it is made (``api.clients.issue_token``)."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField("token name", max_length=80,
                            help_text="Where it is used, e.g. “production sync”.")
    scope = models.CharField(max_length=10, choices=Scope.choices)
    key_id = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "API token"

    def __str__(self):
        return f"{self.name} ({self.client})"

    @property
    def allows_acting(self):
        return self.scope == Scope.ACT

    def is_usable(self, at=None):
        at = at or timezone.now()
        return (self.revoked_at is None and self.expires_at > at
                and self.client.disabled_at is None)

    @property
    def status(self):
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "active"

    @staticmethod
    def new_secret() -> tuple[str, str]:
        """(key id, whole token). The token reads ``prp_<key id>_<secret>``."""
        key_id = secrets.token_hex(8)
        return key_id, f"{TOKEN_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"


class IdempotencyRecord(models.Model):
    """The first answer to a write sent with an ``Idempotency-Key``: a retry with the same
    key gets it again, and the action runs once (``api.idempotency``)."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True)
    body = models.JSONField(null=True, encoder=DjangoJSONEncoder)
    location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "key"],
                                               name="idempotency_one_per_client_key")]

    def __str__(self):
        return f"{self.method} {self.path} ({self.key})"


class WebhookEndpoint(models.Model):
    """An HTTPS address a client's system receives its events at. Each delivery is signed
    with the endpoint's secret (``api.webhooks``); the endpoint reads the same feed as
    ``GET /api/v1/events``, from its own cursor, so it misses nothing."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField("address", max_length=500)
    secret = models.CharField(max_length=80, editable=False)
    description = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    disabled_at = models.DateTimeField(null=True, blank=True)
    # The feed position up to which deliveries were queued ("" = from the endpoint's start).
    cursor = models.CharField(max_length=100, blank=True, editable=False)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.url

    @staticmethod
    def new_secret() -> str:
        return f"whsec_{secrets.token_urlsafe(32)}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed: no more retries"


class WebhookDelivery(models.Model):
    """One event to one endpoint: the outbox row of a webhook, retried with back-off."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE,
                                 related_name="deliveries")
    event = models.ForeignKey("tickets.TicketEvent", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [models.UniqueConstraint(fields=["endpoint", "event"],
                                               name="webhook_delivery_once")]
        indexes = [models.Index(fields=["next_attempt_at"], name="webhook_due_idx",
                                condition=models.Q(status="pending"))]

    def __str__(self):
        return f"Event {self.event_id} to {self.endpoint_id}"
