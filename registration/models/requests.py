"""Registration requests (R-REG-2..6): who is asking, for which providers, for whom, and
what the registration admins decided.

The request's life is one protected state field with one transition per verb (submit,
approve, deny, escalate), like the ticket's: each checks who acts (``portal.permissions``)
and its rule, and writes the ``RegistrationDecision`` row. ``registration.services`` calls
them inside one transaction with the request row locked, then does the rest (providers,
memberships, clocks, notifications). Nothing assigns ``status`` directly.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from deadlines.days import short_date
from portal import permissions
from registration.models.providers import Provider, Relationship


class RequestStatus(models.TextChoices):
    # Only inside the transaction that creates the request, before ``submit``: the
    # providers and people rows need the request's id before it can be submitted.
    NEW = "new", "Being submitted"
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


class RegistrationRequest(FSMModelMixin, models.Model):
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="registration_requests"
    )
    name = models.CharField("your full name", max_length=200)
    email = models.EmailField("your e-mail address")
    phone = models.CharField("your phone number", max_length=30)
    relationship = models.CharField(
        "your relationship to the provider", max_length=20, choices=Relationship.choices
    )
    status = FSMField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.NEW, protected=True
    )
    source = models.CharField(max_length=10, default="form")  # "form" or "template"
    template_filename = models.CharField(max_length=255, blank=True)
    submitted_at = models.DateTimeField()
    # A copy of the registration clock's due moment (deadlines.kinds.REGISTRATION.mirror): the
    # queue reads it in order from regreq_queue_idx (issue 14).
    target_due = models.DateTimeField(null=True, blank=True, editable=False)
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
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="regreq_status_idx"),
            # The registration queue, soonest target first, read in order (issue 14).
            models.Index(fields=["status", "target_due", "id"], name="regreq_queue_idx"),
            # ...and its "All" filter (every status), read in the same order.
            models.Index(fields=["target_due", "id"], name="regreq_all_idx"),
        ]

    def __str__(self):
        return f"Registration request R-{self.pk}"

    @property
    def reference(self):
        return f"R-{self.submitted_at:%Y}-{self.pk:06d}"

    @property
    def is_open(self):
        return self.status == RequestStatus.SUBMITTED

    def record(self, action, *, by, at, summary=""):
        return RegistrationDecision.objects.create(
            request=self, action=action, by=by, at=at, summary=summary
        )

    # --- Transitions (SPEC §2) ------------------------------------------------------------

    @transition(field=status, source=RequestStatus.NEW, target=RequestStatus.SUBMITTED)
    def submit(self, *, by, at, summary=""):
        """R-REG-2: the signed-in provider user named as requester files the request (its
        rows were checked by ``registration.services.submit_request``)."""
        permissions.require(permissions.is_registration_requester, by, self,
                            action="submit a registration request")
        self.submitted_at = at
        self.record(RegistrationDecision.Action.SUBMITTED, by=by, at=at, summary=summary)

    @transition(field=status, source=RequestStatus.SUBMITTED, target=RequestStatus.APPROVED)
    def approve(self, *, by, at, approved, not_approved=(), note=""):
        """R-REG-4: a registration admin approves some or all of the providers (named in
        ``approved``; the others in ``not_approved``)."""
        permissions.require(permissions.may_decide_registration, by, self,
                            action="approve a registration request")
        if not approved:
            raise ValidationError("Choose at least one provider to approve, or deny the request.")
        self.decided_at, self.decided_by, self.decision_note = at, by, note
        self.record(
            RegistrationDecision.Action.APPROVED, by=by, at=at,
            summary=(
                f"Approved: {', '.join(approved)}."
                + (f" Not approved: {', '.join(not_approved)}." if not_approved else "")
                + (f" Note: {note}" if note else "")
            ),
        )

    @transition(field=status, source=RequestStatus.SUBMITTED, target=RequestStatus.DENIED)
    def deny(self, *, by, at, reasons, note=""):
        """R-REG-4: a registration admin denies with every reason (from the list, in the
        note, or both). Returns the reasons' texts, as the requester is told them."""
        permissions.require(permissions.may_decide_registration, by, self,
                            action="deny a registration request")
        note = (note or "").strip()
        texts = [r.text for r in reasons] + ([note] if note else [])
        if not texts:
            raise ValidationError("Give at least one reason, from the list or in the note.")
        self.decided_at, self.decided_by, self.decision_note = at, by, note
        self.denial_reasons.set(reasons)
        self.record(RegistrationDecision.Action.DENIED, by=by, at=at,
                    summary="Denied: " + "; ".join(texts))
        return texts

    @transition(field=status, source=RequestStatus.SUBMITTED, target=RequestStatus.SUBMITTED)
    def escalate(self, *, at, due_at):
        """R-REG-6: past its target (``due_at``) the request is flagged to the registration
        admins, once; it stays waiting for a decision, never approved. The clock engine
        is the only actor (no person escalates), and not before the target."""
        if at < due_at:
            raise ValidationError(
                f"{self.reference} is not past its target yet; it can be escalated only "
                "after its target moment."
            )
        if self.escalated_at is not None:
            raise ValidationError(f"{self.reference} was already escalated.")
        self.escalated_at = at
        due = timezone.localtime(due_at).date()
        self.record(RegistrationDecision.Action.ESCALATED, by=None, at=at,
                    summary=f"Target date {short_date(due)} passed without a decision.")


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
