"""What passes between the MCO, the provider and HFS on a presented ticket: information
requests and answers (R-FLOW-3), the written response (R-FLOW-2), extension requests
(R-FLOW-4) and the message thread (R-FLOW-10)."""

from django.conf import settings
from django.db import models


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


class ExtensionRequest(models.Model):
    """R-FLOW-4: one 30-calendar-day extension per ticket, asked by the MCO or the provider."""

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
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
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

    def __str__(self):
        return f"Extension request on ticket {self.ticket_id}"


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


def _refuse(message):
    from django.core.exceptions import ValidationError

    raise ValidationError(message)


def _day(day):
    return f"{day:%b} {day.day}, {day.year}"


def ask_for_extension(ticket, *, party, by, circumstances, at):
    """R-FLOW-4, enforced here (the caller holds the ticket's row lock): one extension per
    ticket, for either party but not both, asked no later than the cut-off (7 calendar days
    before the end of the initial 30-day period), while the MCO is working on it."""
    from deadlines.clocks import clocks_for, running_clock
    from tickets.clock_kinds import EXTENSION_CUTOFF
    from tickets.models.ticket import State

    ticket.require_open()
    if ticket.state not in (State.WITH_MCO, State.AWAITING_PROVIDER_INFO):
        _refuse("An extension can be asked for only while the MCO is preparing its response.")
    earlier = ticket.extension_requests.first()
    if earlier is not None:
        _refuse(
            f"{earlier.get_party_display()} already asked for this ticket's extension on "
            f"{_day(earlier.requested_at.date())}; a ticket has one extension, for either "
            "party but not both."
        )
    if running_clock(ticket, EXTENSION_CUTOFF.key) is None:
        cutoff = clocks_for(ticket).filter(kind=EXTENSION_CUTOFF.key).order_by("-pk").first()
        closed = f" on {_day(cutoff.due_date)}" if cutoff else ""
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
    """HFS approves (the MCO's response is then due on day 60; the clock records why it
    moved) or denies, with a note."""
    from deadlines.clocks import change_length, running_clock
    from tickets.clock_kinds import MCO_RESPONSE

    ticket = request.ticket
    if request.status != ExtensionRequest.Status.PENDING:
        _refuse(f"This extension request was already {request.get_status_display().lower()}.")
    if approve:
        ticket.require_open()
        clock = running_clock(ticket, MCO_RESPONSE.key)
        if clock is None:
            _refuse("The MCO's response is no longer running against its deadline (it was "
                    "given, or its due date passed), so an extension cannot move it.")
        change_length(clock, length=60, by=by,
                      reason=f"Extension approved by HFS: 60 calendar days in total. {note}"
                      .strip())
    request.status = (ExtensionRequest.Status.APPROVED if approve
                      else ExtensionRequest.Status.DENIED)
    request.decided_by, request.decided_at, request.decision_note = by, at, note
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    ticket.record("extension_approved" if approve else "extension_denied", by=by, role="hfs",
                  at=at, note=note)
    return request


def post_message(ticket, *, by, role, body, at):
    """R-FLOW-10: the thread; R-FLOW-8: never on a closed ticket."""
    ticket.require_open()
    if not (body or "").strip():
        _refuse("Write the message before sending it.")
    return TicketMessage.objects.create(ticket=ticket, author=by, role=role, at=at,
                                        body=body.strip())
