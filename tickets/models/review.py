"""After the MCO's response: the provider's contact with the MCO's representative before
contesting (R-FLOW-5), the HFS review record (R-FLOW-6), the final decision (R-FLOW-6,
R-FLOW-7), and investigations of unfinished resolutions (R-FLOW-9)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django_fsm import FSMField, FSMModelMixin, transition


class RepresentativeContact(models.Model):
    """R-FLOW-5: the provider contacted the MCO's provider representative first."""

    class Method(models.TextChoices):
        PHONE = "phone", "Phone"
        EMAIL = "email", "E-mail"
        MEETING = "meeting", "Meeting"
        OTHER = "other", "Other"

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE,
                               related_name="representative_contacts")
    contacted_on = models.DateField("date of the contact")
    method = models.CharField("how", max_length=10, choices=Method.choices)
    outcome = models.TextField("outcome")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["recorded_at"]

    def __str__(self):
        return f"Contact on {self.contacted_on}"


class ReviewSubmission(models.Model):
    """R-FLOW-6: one party's information for HFS review, and whether they are done."""

    class Party(models.TextChoices):
        PROVIDER = "provider", "The provider"
        MCO = "mco", "The MCO"

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE,
                               related_name="review_submissions")
    party = models.CharField(max_length=10, choices=Party.choices)
    statement = models.TextField("relevant information", blank=True)
    contacts = models.TextField("knowledgeable personnel and how to reach them", blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                                   related_name="+")
    updated_at = models.DateTimeField(null=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["party"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "party"], name="review_one_per_party")
        ]
        indexes = [
            # The provider home's "not yet marked complete" test, per ticket in review, read
            # from the index alone (tickets.action_needed, issue 14).
            models.Index(fields=["ticket"], name="review_provider_completed_idx",
                         condition=models.Q(party="provider", completed_at__isnull=False)),
        ]

    def __str__(self):
        return f"{self.get_party_display()}'s review submission"


class Decision(models.Model):
    """R-FLOW-6, R-FLOW-7: the written, final HFS decision."""

    class Outcome(models.TextChoices):
        PROVIDER = "provider", "For the provider"
        MCO = "mco", "For the MCO"
        PARTLY = "partly", "Partly for each"

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.PROTECT,
                                  related_name="decision")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reasoning = models.TextField("reasoning")
    rests_on_contract = models.BooleanField("applicable contract terms", default=False)
    rests_on_policy = models.BooleanField("written HFS policies and procedures", default=False)
    rests_on_law = models.BooleanField("state and federal law and regulations", default=False)
    citations = models.TextField("what it rests on, cited")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField()

    def __str__(self):
        return f"Decision on ticket {self.ticket_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("A decision is final and cannot be changed (R-FLOW-7).")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("A decision is final and cannot be deleted (R-FLOW-7).")


class Investigation(FSMModelMixin, models.Model):
    """R-FLOW-9: the MCO did not finish the resolution it promised; HFS investigates,
    without reopening the ticket."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT,
                               related_name="investigations")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    reported_at = models.DateTimeField()
    description = models.TextField("what is not finished")
    status = FSMField(max_length=10, choices=Status.choices, default=Status.OPEN,
                      protected=True)
    notes = models.TextField("HFS notes", blank=True)
    outcome = models.TextField("outcome", blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["status", "reported_at"]

    def __str__(self):
        return f"Investigation on ticket {self.ticket_id}"

    @transition(field=status, source=Status.OPEN, target=Status.CLOSED)
    def close(self, *, by, at, notes, outcome):
        """HFS closes the investigation with its outcome; the ticket's timeline says so
        (internal: HFS's notes stay HFS's)."""
        from portal.permissions import is_hfs, require

        require(is_hfs, by, self.ticket, action="close an investigation")
        if not (outcome or "").strip():
            raise ValidationError("Write the outcome of the investigation.")
        self.notes, self.outcome = (notes or "").strip(), outcome.strip()
        self.closed_by, self.closed_at = by, at
        self.ticket.record("investigation_closed", by=by, role="hfs", at=at, internal=True,
                           note=f"Investigation closed: {self.outcome}")
