"""What passes between the MCO, the provider and HFS on a presented ticket: information
requests and answers (R-FLOW-3), the written response (R-FLOW-2), extension requests
(R-FLOW-4) and the message thread (R-FLOW-10)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django_fsm import FSMField, FSMModelMixin, transition

from deadlines.days import short_date


class InformationRequest(models.Model):
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE,
                               related_name="information_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    requested_at = models.DateTimeField()
    request_text = models.TextField("what is needed")
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    answer_text = models.TextField("the answer", blank=True)
    already_sent = models.BooleanField(
        default=False, help_text="The provider states the information was already sent to "
        "the MCO, with evidence attached."
    )

    class Meta:
        ordering = ["requested_at", "pk"]

    def __str__(self):
        return f"Information request on ticket {self.ticket_id}"


class TicketResponse(models.Model):
    """The MCO's written response/proposal (R-FLOW-2)."""

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE,
                                  related_name="response")
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    responded_at = models.DateTimeField()
    is_late = models.BooleanField(default=False)
    response_text = models.TextField("response to the complaint")
    plan_applies = models.BooleanField("a plan applies", default=False)
    plan_text = models.TextField("the plan to address the complaint", blank=True)
    resolve_by = models.DateField("date by which it will be resolved", null=True, blank=True)
    representative_name = models.CharField("provider service representative", max_length=200)
    representative_phone = models.CharField("representative's phone", max_length=30)
    representative_email = models.EmailField("representative's e-mail")

    def __str__(self):
        return f"Response on ticket {self.ticket_id}"


class ExtensionRequest(FSMModelMixin, models.Model):
    """R-FLOW-4: one 30-calendar-day extension per ticket, asked by the MCO or the provider.
    Its status is a protected FSM field: HFS approves or denies through the transitions."""

    class Party(models.TextChoices):
        MCO = "mco", "The MCO"
        PROVIDER = "provider", "The provider"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for HFS"
        APPROVED = "approved", "Approved"
        DENIED = "denied", "Denied"

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE,
                               related_name="extension_requests")
    party = models.CharField(max_length=10, choices=Party.choices)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    requested_at = models.DateTimeField()
    circumstances = models.TextField("extenuating circumstances")
    status = FSMField(max_length=10, choices=Status.choices, default=Status.PENDING,
                      protected=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["requested_at", "pk"]
        constraints = [
            # One extension request per ticket, for either party but not both (R-FLOW-4).
            models.UniqueConstraint(fields=["ticket"], name="extension_one_per_ticket"),
        ]
        indexes = [
            # The extension queue and the HFS home's count: the pending ones only (issue 14).
            models.Index(fields=["requested_at", "id"], name="extension_pending_idx",
                         condition=models.Q(status="pending")),
            # "Recently decided": the decided ones only, so the newest-first walk never
            # passes the pending ones (their decided_at is empty: first in that order).
            models.Index(fields=["decided_at"], name="extension_decided_idx",
                         condition=~models.Q(status="pending")),
        ]

    def __str__(self):
        return f"Extension request on ticket {self.ticket_id}"

    def _decide(self, *, by, at, note, approved):
        from portal.permissions import is_hfs, require

        require(is_hfs, by, self.ticket, action="decide an extension request")
        self.decided_by, self.decided_at, self.decision_note = by, at, (note or "").strip()
        self.ticket.record("extension_approved" if approved else "extension_denied", by=by,
                           role="hfs", at=at, note=self.decision_note)

    @transition(field=status, source=Status.PENDING, target=Status.APPROVED)
    def approve(self, *, by, at, note=""):
        """HFS approves: the MCO's response is then due on day 60; the clock records why it
        moved. Only while the response is still running against its deadline."""
        from deadlines.clocks import change_length, open_clock
        from tickets.clock_kinds import MCO_RESPONSE

        self.ticket.require_open()
        clock = open_clock(self.ticket, MCO_RESPONSE.key, at)
        if clock is None:
            raise ValidationError(
                "The MCO's response is no longer running against its deadline (it was given, "
                "or its due date passed), so an extension cannot move it."
            )
        self._decide(by=by, at=at, note=note, approved=True)
        change_length(clock, length=60, by=by,
                      reason=f"Extension approved by HFS: 60 calendar days in total. {note}"
                      .strip())

    @transition(field=status, source=Status.PENDING, target=Status.DENIED)
    def deny(self, *, by, at, note=""):
        self._decide(by=by, at=at, note=note, approved=False)


class TicketMessage(models.Model):
    """The thread provider, MCO and HFS all see (R-FLOW-10)."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE,
                               related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    role = models.CharField(max_length=30)
    at = models.DateTimeField()
    body = models.TextField("message")

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"Message on ticket {self.ticket_id}"

    @property
    def role_label(self):
        from tickets.models.events import TicketEvent

        return TicketEvent.ROLE_LABELS.get(self.role, self.role)


def _refuse(message):
    from django.core.exceptions import ValidationError

    raise ValidationError(message)


def ask_for_extension(ticket, *, party, by, circumstances, at):
    """R-FLOW-4, enforced here (the caller holds the ticket's row lock): one extension per
    ticket, for either party but not both, asked no later than the cut-off (7 calendar days
    before the end of the initial 30-day period), while the MCO is working on it. ``party``
    is the side the person acts for ("mco" or "provider"); they must belong to it."""
    from deadlines.clocks import latest_clock, open_clock
    from portal.permissions import ActorRefused, may_act_as_party
    from tickets.clock_kinds import EXTENSION_CUTOFF
    from tickets.models.ticket import State

    if party not in ExtensionRequest.Party.values or not may_act_as_party(by, ticket, party):
        raise ActorRefused("Only the ticket's MCO or the people registered for its provider "
                           "can ask for an extension.")
    ticket.require_open()
    if ticket.state not in (State.WITH_MCO, State.AWAITING_PROVIDER_INFO):
        _refuse("An extension can be asked for only while the MCO is preparing its response.")
    earlier = ticket.extension_requests.first()
    if earlier is not None:
        _refuse(
            f"{earlier.get_party_display()} already asked for this ticket's extension on "
            f"{short_date(earlier.requested_at.date())}; a ticket has one extension, for either "
            "party but not both."
        )
    if open_clock(ticket, EXTENSION_CUTOFF.key, at) is None:
        cutoff = latest_clock(ticket, EXTENSION_CUTOFF.key)
        closed = f" on {short_date(cutoff.due_date)}" if cutoff else ""
        _refuse(
            f"Extension requests closed{closed}, 7 calendar days before the end of the "
            "MCO's initial 30 days."
        )
    if not (circumstances or "").strip():
        _refuse("Describe the extenuating circumstances.")
    request = ExtensionRequest.objects.create(
        ticket=ticket, party=party, requested_by=by, requested_at=at,
        circumstances=circumstances.strip(),
    )
    ticket.record("extension_requested", by=by, role=party, at=at,
                  note=f"{request.get_party_display()} asks for an extension: "
                  f"{request.circumstances}")
    return request


def decide_extension(request, *, by, approve, note, at):
    """HFS approves or denies, with a note (the request's transitions check the rule)."""
    if request.status != ExtensionRequest.Status.PENDING:
        _refuse(f"This extension request was already {request.get_status_display().lower()}.")
    (request.approve if approve else request.deny)(by=by, at=at, note=note)
    request.save()
    return request


def post_message(ticket, *, by, body, at):
    """R-FLOW-10: the thread, for the provider's people, the MCO (once presented) and HFS;
    R-FLOW-8: never on a closed ticket. The author's role is their real one."""
    from portal.permissions import is_ticket_party, require, role_on

    require(is_ticket_party, by, ticket, action="write in this ticket's thread")
    ticket.require_open()
    if not (body or "").strip():
        _refuse("Write the message before sending it.")
    return TicketMessage.objects.create(ticket=ticket, author=by, role=role_on(by, ticket),
                                        at=at, body=body.strip())
