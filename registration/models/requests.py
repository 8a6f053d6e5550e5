"""Registration requests (R-REG-2..6): who is asking, for which providers, for whom, and
what the registration admins decided."""

from django.conf import settings
from django.db import models

from registration.models.providers import Provider, Relationship


class RequestStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    DENIED = "denied", "Denied"


class DenialReason(models.Model):
    """A reason registration admins choose from when denying (R-REG-4)."""

    text = models.CharField(max_length=200, unique=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "text"]

    def __str__(self):
        return self.text


class RegistrationRequest(models.Model):
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="registration_requests"
    )
    name = models.CharField("your full name", max_length=200)
    email = models.EmailField("your e-mail address")
    phone = models.CharField("your phone number", max_length=30)
    relationship = models.CharField(
        "your relationship to the provider", max_length=20, choices=Relationship.choices
    )
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.SUBMITTED
    )
    source = models.CharField(max_length=10, default="form")  # "form" or "template"
    template_filename = models.CharField(max_length=255, blank=True)
    submitted_at = models.DateTimeField()
    escalated_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    denial_reasons = models.ManyToManyField(DenialReason, blank=True)
    decision_note = models.TextField(blank=True)
    copied_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies"
    )

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["status", "submitted_at"], name="regreq_status_idx")]

    def __str__(self):
        return f"Registration request R-{self.pk}"

    @property
    def reference(self):
        return f"R-{self.submitted_at:%Y}-{self.pk:06d}"

    @property
    def is_open(self):
        return self.status == RequestStatus.SUBMITTED


class RequestedProvider(models.Model):
    """One provider/facility in a request, as the person typed it (nothing is lost)."""

    request = models.ForeignKey(
        RegistrationRequest, on_delete=models.CASCADE, related_name="providers"
    )
    row_number = models.PositiveIntegerField(null=True, blank=True)
    legal_name = models.CharField("legal name", max_length=200)
    medicaid_id = models.CharField("Medicaid (IMPACT) provider ID", max_length=15)
    npi = models.CharField("NPI", max_length=10)
    tax_id = models.CharField("Tax ID", max_length=9)
    street = models.CharField("service location street", max_length=200)
    city = models.CharField("city", max_length=100)
    state = models.CharField("state", max_length=2)
    zip_code = models.CharField("ZIP code", max_length=10)
    address_key = models.CharField(max_length=300)
    approved = models.BooleanField(null=True)
    provider = models.ForeignKey(
        Provider, null=True, blank=True, on_delete=models.PROTECT, related_name="requested_as"
    )

    class Meta:
        ordering = ["row_number", "pk"]

    def __str__(self):
        return self.legal_name

    @property
    def address(self):
        return f"{self.street}, {self.city}, {self.state} {self.zip_code}"


class RequestedIndividual(models.Model):
    """A person to be registered for the request's providers; the requester is one."""

    request = models.ForeignKey(
        RegistrationRequest, on_delete=models.CASCADE, related_name="individuals"
    )
    name = models.CharField("full name", max_length=200)
    email = models.EmailField("e-mail address")
    relationship = models.CharField(max_length=20, choices=Relationship.choices)
    is_requester = models.BooleanField(default=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-is_requester", "pk"]

    def __str__(self):
        return f"{self.name} <{self.email}>"


class RegistrationDecision(models.Model):
    """The record of each decision and escalation on a request (who, when, what)."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        DENIED = "denied", "Denied"
        ESCALATED = "escalated", "Escalated: past its target date"

    request = models.ForeignKey(
        RegistrationRequest, on_delete=models.CASCADE, related_name="decisions"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField()
    summary = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_action_display()} {self.request}"
