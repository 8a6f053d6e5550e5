"""The ticket and its life (SPEC §4): one protected state field, one transition per verb.

Each transition method checks its rule, writes the timeline event and changes the ticket's
own fields; ``tickets.workflow`` calls it inside one transaction with the ticket row locked,
then starts or stops the clocks and queues the notifications. Nothing assigns ``state``
directly (django-fsm-2's protected field refuses it).
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from portal import access


class State(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted: waiting for HFS review"
    WITH_MCO = "with_mco", "With the MCO"
    AWAITING_PROVIDER_INFO = "awaiting_provider_info", "Waiting for the provider's information"
    MCO_RESPONDED = "mco_responded", "MCO responded"
    CONTESTED = "contested", "Contested by the provider"
    HFS_REVIEW = "hfs_review", "In HFS review"
    CLOSED = "closed", "Closed"


class CloseReason(models.TextChoices):
    # HFS triage (R-FLOW-1, issue 5).
    INCOMPLETE = "incomplete", "Incomplete"
    INVALID_TRACKING = "invalid_tracking", "Invalid tracking number"
    OUTSIDE_WINDOW = "outside_window", "Outside the filing window"
    SEVERAL_WITHOUT_TEMPLATE = "several_without_template", "Several complaints without the template"
    MEDICARE_ONLY = "medicare_only", "Medicare-only"
    NOT_MCO_DISPUTE = "not_mco_dispute", "Not an MCO dispute"
    DUPLICATE = "duplicate", "Duplicate"
    # Later steps (R-FLOW-3, R-FLOW-5, R-FLOW-6).
    NO_INFORMATION = "no_information", "No response to information request"
    INFORMATION_INCOMPLETE = "information_incomplete", "Information provided was incomplete"
    ACCEPTED = "accepted", "Resolved: the provider accepted the MCO's response"
    DEEMED_ACCEPTED = "deemed_accepted", "Resolved: not contested within 5 business days"
    NO_REVIEW_REQUESTED = "no_review_requested", "No HFS review requested within 30 days"
    DECIDED = "decided", "HFS decision issued"


TRIAGE_CLOSE_REASONS = [
    CloseReason.INCOMPLETE,
    CloseReason.INVALID_TRACKING,
    CloseReason.OUTSIDE_WINDOW,
    CloseReason.SEVERAL_WITHOUT_TEMPLATE,
    CloseReason.MEDICARE_ONLY,
    CloseReason.NOT_MCO_DISPUTE,
    CloseReason.DUPLICATE,
]


class TicketQuerySet(models.QuerySet):
    def visible_to(self, user):
        """R-SEC-1: the tickets a person may see. A provider user: their approved
        providers' tickets; MCO staff: their MCO's tickets once presented; HFS staff: every
        ticket past draft. Anyone else: none."""
        from registration.memberships import approved_providers

        roles = access.roles_of(user)
        if access.Role.HFS in roles:
            return self.exclude(state=State.DRAFT)
        visible = Q(pk__in=[])
        if access.Role.PROVIDER in roles:
            visible |= Q(provider__in=approved_providers(user))
        if access.Role.MCO in roles and user.mco_id:
            visible |= Q(mco_id=user.mco_id, presented_at__isnull=False)
        return self.filter(visible)


class TicketNumber(models.Model):
    """The last ticket number given out in a year (PRP-2026-000123)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"

    @classmethod
    def next_for(cls, year):
        with transaction.atomic():
            cls.objects.get_or_create(year=year)
            row = cls.objects.select_for_update().get(year=year)
            row.last += 1
            row.save(update_fields=["last"])
        return f"PRP-{year}-{row.last:06d}"


class Ticket(FSMModelMixin, models.Model):
    number = models.CharField(max_length=20, unique=True, null=True, blank=True)
    state = FSMField(default=State.DRAFT, choices=State.choices, protected=True)

    provider = models.ForeignKey(
        "registration.Provider", on_delete=models.PROTECT, related_name="tickets"
    )
    mco = models.ForeignKey("portal.MCO", on_delete=models.PROTECT, related_name="tickets")
    complaint_type = models.ForeignKey("portal.ComplaintType", on_delete=models.PROTECT)
    dispute_filed_on = models.DateField(
        "date the dispute was filed with the MCO's internal process"
    )
    tracking_number = models.CharField("MCO tracking number", max_length=60)
    internal_process_exhausted = models.BooleanField(default=False)
    description = models.TextField("description of the complaint", blank=True)
    uses_claims_template = models.BooleanField(default=False)
    claims_template_name = models.CharField(max_length=255, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tickets_created"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    copied_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="tickets_assigned",
    )
    mco_assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="mco_tickets_assigned",
    )
    triage_overdue_at = models.DateTimeField(null=True, blank=True)
    presented_at = models.DateTimeField(null=True, blank=True)
    presented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    sanction_candidate_at = models.DateTimeField(null=True, blank=True)
    review_requested_at = models.DateTimeField(null=True, blank=True)
    record_closed_at = models.DateTimeField(null=True, blank=True)
    decision_overdue_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=30, choices=CloseReason.choices, blank=True)
    close_note = models.TextField(blank=True)

    # The ticket's clocks, for queue queries that join the due moments (tickets.queues).
    clocks = GenericRelation("deadlines.Clock")

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("supervise_mco_queue", "Can assign their MCO's tickets to MCO colleagues"),
        ]
        indexes = [
            models.Index(fields=["state", "submitted_at"], name="ticket_state_idx"),
            models.Index(fields=["mco", "state"], name="ticket_mco_state_idx"),
            models.Index(fields=["provider", "state"], name="ticket_provider_state_idx"),
            models.Index(fields=["-created_at"], name="ticket_created_idx"),
        ]

    def __str__(self):
        return self.number or f"Draft ticket {self.pk}"

    # --- Rules read by the pages and the transitions ------------------------------------

    @property
    def is_closed(self):
        return self.state == State.CLOSED

    def filing_window(self):
        from tickets.rules import filing_window

        return filing_window(self.dispute_filed_on)

    def require_open(self):
        """R-FLOW-8: a closed ticket accepts no transition, message or attachment."""
        if self.is_closed:
            raise ValidationError(
                f"Ticket {self.number} is closed and cannot be changed. Start a new ticket "
                "from it instead."
            )

    def record(self, action, *, by, role, to_state="", note="", internal=False, at=None):
        from tickets.models.events import TicketEvent

        return TicketEvent.objects.create(
            ticket=self, action=action, from_state=self.state, to_state=to_state,
            actor=by, role=role, at=at or timezone.now(), note=note, internal=internal,
        )

    # --- Transitions (SPEC §4) ------------------------------------------------------------

    @transition(field=state, source=State.DRAFT, target=State.SUBMITTED)
    def submit(self, *, by, at):
        """The provider files the ticket: every filing rule is checked again now."""
        from tickets.rules import check_ready_to_submit

        check_ready_to_submit(self, by=by, on=timezone.localtime(at).date())
        self.number = TicketNumber.next_for(timezone.localtime(at).year)
        self.submitted_at, self.submitted_by = at, by
        self.record("submitted", by=by, role="provider", to_state=State.SUBMITTED, at=at)

    @transition(field=state, source=State.SUBMITTED, target=State.WITH_MCO)
    def present(self, *, by, at, note=""):
        """R-FLOW-1: HFS found the ticket complete and presents it to the MCO."""
        self.presented_at, self.presented_by = at, by
        self.record("presented", by=by, role="hfs", to_state=State.WITH_MCO, at=at, note=note)

    @transition(field=state, source=State.SUBMITTED, target=State.CLOSED)
    def close_at_triage(self, *, by, at, reason, note=""):
        """R-FLOW-1: HFS closes an incomplete or invalid ticket with the reason."""
        if reason not in TRIAGE_CLOSE_REASONS:
            raise ValidationError("Choose one of the reasons in the list.")
        self._close(reason, note, at)
        self.record("closed", by=by, role="hfs", to_state=State.CLOSED, at=at,
                    note=self._close_summary())

    @transition(field=state, source=State.WITH_MCO, target=State.AWAITING_PROVIDER_INFO)
    def request_information(self, *, by, at, request_text):
        """R-FLOW-3: only within 5 business days of receiving the ticket (the info-request
        window clock is running)."""
        from tickets.clock_kinds import INFO_WINDOW

        if not _clock_running(self, INFO_WINDOW.key):
            from deadlines.clocks import clocks_for

            window = clocks_for(self).filter(kind=INFO_WINDOW.key).first()
            closed = f" on {window.due_date:%b} {window.due_date.day}, {window.due_date.year}" \
                if window else ""
            raise ValidationError(
                f"The 5-business-day window to request information closed{closed}; "
                "information can no longer be requested."
            )
        if not (request_text or "").strip():
            raise ValidationError("Say what information is needed.")
        from tickets.models.exchange import InformationRequest

        InformationRequest.objects.create(ticket=self, requested_by=by, requested_at=at,
                                          request_text=request_text.strip())
        self.record("information_requested", by=by, role="mco",
                    to_state=State.AWAITING_PROVIDER_INFO, at=at, note=request_text.strip())

    @transition(field=state, source=State.AWAITING_PROVIDER_INFO, target=State.WITH_MCO)
    def answer_information(self, *, by, at, answer_text, already_sent=False):
        """R-FLOW-3: the information, or a statement (with evidence) that the MCO already
        has it."""
        if not (answer_text or "").strip():
            raise ValidationError(
                "Write your answer, or explain when and how the information was already sent "
                "to the MCO."
            )
        request = self.information_requests.filter(answered_at__isnull=True).last()
        if request is not None:
            request.answered_by, request.answered_at = by, at
            request.answer_text, request.already_sent = answer_text.strip(), already_sent
            request.save(update_fields=["answered_by", "answered_at", "answer_text",
                                        "already_sent"])
        label = "already sent to the MCO" if already_sent else "information provided"
        self.record("information_provided", by=by, role="provider", to_state=State.WITH_MCO,
                    at=at, note=f"{label.capitalize()}: {answer_text.strip()}")

    @transition(field=state, source=State.AWAITING_PROVIDER_INFO, target=State.CLOSED)
    def close_for_missing_information(self, *, by, at, incomplete=False, note=""):
        """R-FLOW-3: no answer within 5 business days (the engine), or HFS finds the
        answer incomplete."""
        reason = CloseReason.INFORMATION_INCOMPLETE if incomplete else CloseReason.NO_INFORMATION
        self._close(reason, note, at)
        self.record("closed", by=by, role="hfs" if by else "system", to_state=State.CLOSED,
                    at=at, note=self._close_summary())

    @transition(field=state, source=[State.WITH_MCO, State.AWAITING_PROVIDER_INFO],
                target=State.MCO_RESPONDED)
    def respond(self, *, by, at, response=None, summary=""):
        """R-FLOW-2: the MCO's written response; after the due moment it is accepted and
        recorded as late. ``response``: the fields of ``TicketResponse``."""
        from tickets.clock_kinds import MCO_RESPONSE
        from tickets.models.exchange import TicketResponse

        late = not _clock_running(self, MCO_RESPONSE.key)
        if response is not None:
            resolve_by = response.get("resolve_by")
            if resolve_by and resolve_by < timezone.localtime(at).date():
                raise ValidationError("The resolution date cannot be in the past.")
            if response.get("plan_applies") and not (
                (response.get("plan_text") or "").strip() and response.get("resolve_by")
            ):
                raise ValidationError(
                    "A plan applies: describe the plan and the date by which it will be "
                    "resolved."
                )
            TicketResponse.objects.create(ticket=self, responded_by=by, responded_at=at,
                                          is_late=late, **response)
            summary = summary or response["response_text"]
        self.responded_at = at
        self.record("responded_late" if late else "responded", by=by, role="mco",
                    to_state=State.MCO_RESPONDED, at=at, note=summary)

    @transition(field=state, source=State.MCO_RESPONDED, target=State.CLOSED)
    def accept(self, *, by, at):
        """R-FLOW-5: the provider accepts the response."""
        self._close(CloseReason.ACCEPTED, "", at)
        self.record("accepted", by=by, role="provider", to_state=State.CLOSED, at=at)

    @transition(field=state, source=State.MCO_RESPONDED, target=State.CLOSED)
    def deem_accepted(self, *, at):
        """R-FLOW-5: not contested within 5 business days of the response (the engine)."""
        self._close(CloseReason.DEEMED_ACCEPTED, "", at)
        self.record("deemed_accepted", by=None, role="system", to_state=State.CLOSED, at=at)

    @transition(field=state, source=State.MCO_RESPONDED, target=State.CONTESTED)
    def contest(self, *, by, at, contact_note="", contact=None):
        """R-FLOW-5: the provider first contacted the MCO's provider representative named in
        the response; ``contact``: the date, how and outcome of that contact."""
        from tickets.models.review import RepresentativeContact

        if contact:
            if contact["contacted_on"] > timezone.localtime(at).date():
                raise ValidationError("The date of the contact cannot be in the future.")
            if self.responded_at and contact["contacted_on"] < timezone.localtime(
                    self.responded_at).date():
                raise ValidationError(
                    "The contact must come after the MCO's response: contact the "
                    "representative it names first."
                )
            RepresentativeContact.objects.create(ticket=self, recorded_by=by, recorded_at=at,
                                                 **contact)
            method = RepresentativeContact.Method(contact["method"]).label.lower()
            contact_note = (f"Contacted the MCO's representative on "
                            f"{contact['contacted_on']:%b %d, %Y} by {method}: "
                            f"{contact['outcome']}")
        if not (contact_note or "").strip():
            raise ValidationError(
                "Record your contact with the MCO's provider representative (date, how, "
                "outcome) before contesting."
            )
        self.record("contested", by=by, role="provider", to_state=State.CONTESTED, at=at,
                    note=contact_note)

    @transition(field=state, source=State.CONTESTED, target=State.HFS_REVIEW)
    def request_review(self, *, by, at):
        """R-FLOW-5: within 30 calendar days of the MCO response."""
        from tickets.clock_kinds import REVIEW_REQUEST

        if not _clock_running(self, REVIEW_REQUEST.key):
            raise ValidationError(
                "The 30 days to ask for HFS review after the MCO's response have passed."
            )
        self.review_requested_at = at
        self.record("review_requested", by=by, role="provider", to_state=State.HFS_REVIEW,
                    at=at)

    @transition(field=state, source=State.CONTESTED, target=State.CLOSED)
    def lapse_review_request(self, *, at):
        """R-FLOW-5: no review requested within 30 calendar days (the engine)."""
        self._close(CloseReason.NO_REVIEW_REQUESTED, "", at)
        self.record("closed", by=None, role="system", to_state=State.CLOSED, at=at,
                    note=self._close_summary())

    @transition(field=state, source=State.HFS_REVIEW, target=State.CLOSED)
    def decide(self, *, by, at, summary="", decision=None):
        """R-FLOW-6, R-FLOW-7: the written HFS decision is final and closes the ticket. It
        states the outcome and the reasoning, and rests on at least one cited basis:
        contract terms, written HFS policy, or state and federal law."""
        from tickets.models.review import Decision

        if self.record_closed_at is None:
            raise ValidationError(
                "The review record is still open: the decision comes after both parties have "
                "completed their submissions or the 30 days for them have ended."
            )
        if decision is not None:
            if not (decision.get("reasoning") or "").strip():
                raise ValidationError("Write the reasoning of the decision.")
            if not any(decision.get(k) for k in ("rests_on_contract", "rests_on_policy",
                                                 "rests_on_law")):
                raise ValidationError(
                    "Say what the decision rests on: the contract terms, written HFS "
                    "policies and procedures, or state and federal law (at least one)."
                )
            if not (decision.get("citations") or "").strip():
                raise ValidationError("Cite the terms, policies or laws it rests on.")
            made = Decision.objects.create(ticket=self, decided_by=by, decided_at=at,
                                           **decision)
            summary = summary or f"{made.get_outcome_display()}."
        if not (summary or "").strip():
            raise ValidationError("Write the decision before issuing it.")
        self._close(CloseReason.DECIDED, summary, at)
        self.record("decided", by=by, role="hfs", to_state=State.CLOSED, at=at, note=summary)

    # --- Helpers --------------------------------------------------------------------------

    def _close(self, reason, note, at):
        self.close_reason, self.close_note, self.closed_at = reason, note or "", at

    def _close_summary(self):
        label = CloseReason(self.close_reason).label
        return f"{label}. {self.close_note}".strip() if self.close_note else label


def _clock_running(ticket, kind):
    from deadlines.clocks import running_clock

    return running_clock(ticket, kind) is not None
