"""Every action on a ticket: one POST, one transaction, the ticket row locked (STYLE.md,
R-CLK-5). The transition method on the model checks the rule and writes the event; this
module locks, calls it, saves, moves the clocks and queues the notifications.

A double click or two people acting at once: the second waits for the row lock, then finds
the ticket already moved on and gets a clear ``ActionRefused`` message; nothing is done
twice.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_fsm import can_proceed

from deadlines import clocks
from deadlines.models import Outcome
from portal.access import Role
from portal.models import User
from portal.notifications import notify
from tickets import clock_kinds as ck
from tickets.models import State, Ticket


class ActionRefused(Exception):
    """The action cannot be done on the ticket as it is now; the message says why."""


def _locked(ticket_id):
    return Ticket.objects.select_for_update().select_related("mco", "provider").get(
        pk=ticket_id
    )


def _run(ticket_id, method_name, **kwargs):
    ticket = _locked(ticket_id)
    method = getattr(ticket, method_name)
    if not can_proceed(method):
        raise ActionRefused(already_moved_message(ticket))
    try:
        method(**kwargs)
    except ValidationError as error:
        raise ActionRefused(" ".join(error.messages)) from error
    ticket.save()
    return ticket


def already_moved_message(ticket):
    last = ticket.events.order_by("-at", "-pk").first()
    if ticket.is_closed:
        when = f" on {timezone.localtime(ticket.closed_at):%b %d, %Y at %I:%M %p}" \
            if ticket.closed_at else ""
        return f"Ticket {ticket} is already closed{when}; nothing was changed."
    by = f" by {last.actor}" if last and last.actor else ""
    return (
        f"Ticket {ticket} is now “{ticket.get_state_display()}”{by}; that action no longer "
        "applies, so nothing was changed."
    )


def ticket_link(ticket):
    return settings.SITE_URL + reverse("ticket_detail", args=[ticket.pk])


def _notify_provider(ticket, template, **context):
    """The people acting for the provider; e-mails carry no PHI (ticket number only)."""
    from registration.models import ProviderMembership

    users = User.objects.filter(
        pk__in=ProviderMembership.objects.active().filter(provider=ticket.provider_id)
        .values("user_id"),
        is_active=True,
    )
    for user in users:
        notify(to=user, template=template,
               context={"number": ticket.number, "link": ticket_link(ticket), **context})


def _notify_mco(ticket, template, **context):
    for user in User.objects.filter(mco=ticket.mco_id, is_active=True,
                                    groups__name=Role.MCO.group_name):
        notify(to=user, template=template,
               context={"number": ticket.number, "link": ticket_link(ticket), **context})


def _notify_hfs(ticket, template, *, dedupe=None, **context):
    staff = [ticket.assigned_to] if ticket.assigned_to_id else list(
        User.objects.filter(is_active=True, groups__name=Role.HFS.group_name)
    )
    for user in staff:
        notify(to=user, template=template,
               context={"number": ticket.number, "link": ticket_link(ticket), **context},
               dedupe_key=f"{dedupe}-{user.pk}" if dedupe else None)


# --- Provider -------------------------------------------------------------------------


@transaction.atomic
def submit(ticket_id, *, by):
    now = timezone.now()
    ticket = _run(ticket_id, "submit", by=by, at=now)
    clocks.start_clock(ck.TRIAGE, ticket, at=now, event="ticket submitted")
    _notify_provider(ticket, "ticket_submitted")
    return ticket


# --- HFS triage (R-FLOW-1) --------------------------------------------------------------


@transaction.atomic
def present(ticket_id, *, by, note=""):
    now = timezone.now()
    ticket = _run(ticket_id, "present", by=by, at=now, note=note)
    clocks.stop_clock(ticket, ck.TRIAGE.key, outcome=Outcome.MET, at=now,
                      event="presented to the MCO")
    for kind in ck.PRESENTED_CLOCKS:
        clocks.start_clock(kind, ticket, at=now, event="presented to the MCO")
    _notify_mco(ticket, "ticket_presented_mco")
    _notify_provider(ticket, "ticket_presented_provider", mco=ticket.mco.name)
    return ticket


@transaction.atomic
def close_at_triage(ticket_id, *, by, reason, note=""):
    now = timezone.now()
    ticket = _run(ticket_id, "close_at_triage", by=by, at=now, reason=reason, note=note)
    clocks.stop_all_clocks(ticket, outcome=Outcome.STOPPED, at=now, event="ticket closed")
    _notify_provider(ticket, "ticket_closed", reason=ticket.get_close_reason_display())
    return ticket


@transaction.atomic
def assign(ticket_id, *, to):
    ticket = _locked(ticket_id)
    ticket.require_open()
    if ticket.assigned_to_id == to.pk:
        return ticket
    ticket.assigned_to = to
    ticket.save(update_fields=["assigned_to"])
    ticket.record("assigned", by=to, role="hfs", note=f"Assigned to {to}.", internal=True)
    return ticket


@transaction.atomic
def add_internal_note(ticket_id, *, by, text):
    ticket = _locked(ticket_id)
    if not text.strip():
        raise ActionRefused("Write the note before saving it.")
    ticket.record("internal_note", by=by, role="hfs", note=text.strip(), internal=True)
    return ticket


# --- MCO, provider and HFS review steps (SPEC §4; their screens come with issues 6 and 7) -


@transaction.atomic
def request_information(ticket_id, *, by, request_text):
    now = timezone.now()
    ticket = _run(ticket_id, "request_information", by=by, at=now, request_text=request_text)
    clocks.start_clock(ck.PROVIDER_INFO, ticket, at=now, event="information requested")
    _notify_provider(ticket, "ticket_information_requested")
    return ticket


@transaction.atomic
def answer_information(ticket_id, *, by, answer_text, already_sent=False):
    now = timezone.now()
    ticket = _run(ticket_id, "answer_information", by=by, at=now, answer_text=answer_text,
                  already_sent=already_sent)
    clocks.stop_clock(ticket, ck.PROVIDER_INFO.key, outcome=Outcome.MET, at=now,
                      event="information provided")
    _notify_mco(ticket, "ticket_information_provided")
    return ticket


@transaction.atomic
def respond(ticket_id, *, by, response=None, summary=""):
    now = timezone.now()
    ticket = _run(ticket_id, "respond", by=by, at=now, response=response, summary=summary)
    clocks.stop_clock(ticket, ck.MCO_RESPONSE.key, outcome=Outcome.MET, at=now,
                      event="MCO responded")
    for kind in (ck.INFO_WINDOW, ck.EXTENSION_CUTOFF, ck.PROVIDER_INFO):
        clocks.stop_clock(ticket, kind.key, outcome=Outcome.STOPPED, at=now,
                          event="MCO responded")
    clocks.start_clock(ck.PROVIDER_ANSWER, ticket, at=now, event="MCO responded")
    clocks.start_clock(ck.REVIEW_REQUEST, ticket, at=now, event="MCO responded")
    _notify_provider(ticket, "ticket_responded")
    return ticket


@transaction.atomic
def accept(ticket_id, *, by):
    now = timezone.now()
    ticket = _run(ticket_id, "accept", by=by, at=now)
    clocks.stop_all_clocks(ticket, outcome=Outcome.STOPPED, at=now, event="accepted")
    _notify_mco(ticket, "ticket_closed", reason=ticket.get_close_reason_display())
    return ticket


@transaction.atomic
def contest(ticket_id, *, by, contact_note="", contact=None):
    now = timezone.now()
    ticket = _run(ticket_id, "contest", by=by, at=now, contact_note=contact_note,
                  contact=contact)
    clocks.stop_clock(ticket, ck.PROVIDER_ANSWER.key, outcome=Outcome.MET, at=now,
                      event="contested")
    _notify_mco(ticket, "ticket_contested")
    return ticket


@transaction.atomic
def request_review(ticket_id, *, by):
    now = timezone.now()
    ticket = _run(ticket_id, "request_review", by=by, at=now)
    clocks.stop_clock(ticket, ck.REVIEW_REQUEST.key, outcome=Outcome.MET, at=now,
                      event="review requested")
    clocks.start_clock(ck.REVIEW_SUBMISSIONS, ticket, at=now, event="review requested")
    from tickets.models import ReviewSubmission

    for party in ReviewSubmission.Party.values:
        ReviewSubmission.objects.get_or_create(ticket=ticket, party=party)
    _notify_hfs(ticket, "ticket_review_requested")
    _notify_mco(ticket, "ticket_review_requested")
    return ticket


@transaction.atomic
def close_for_incomplete_information(ticket_id, *, by, note=""):
    now = timezone.now()
    ticket = _run(ticket_id, "close_for_missing_information", by=by, at=now, incomplete=True,
                  note=note)
    clocks.stop_all_clocks(ticket, outcome=Outcome.STOPPED, at=now, event="ticket closed")
    _notify_provider(ticket, "ticket_closed", reason=ticket.get_close_reason_display())
    _notify_mco(ticket, "ticket_closed", reason=ticket.get_close_reason_display())
    return ticket


@transaction.atomic
def decide(ticket_id, *, by, summary="", decision=None):
    now = timezone.now()
    ticket = _run(ticket_id, "decide", by=by, at=now, summary=summary, decision=decision)
    clocks.stop_all_clocks(ticket, outcome=Outcome.MET, at=now, event="decision issued")
    _notify_provider(ticket, "ticket_decided")
    _notify_mco(ticket, "ticket_decided")
    return ticket


# --- HFS review (R-FLOW-6) and unfinished resolutions (R-FLOW-9) -------------------------


def close_record(ticket, *, at, why):
    """The review record closes: both parties are done, or their 30 days ended. The
    decision is then due in 30 calendar days (SPEC's interpretation of R-FLOW-6)."""
    if ticket.record_closed_at is not None:
        return
    ticket.record_closed_at = at
    ticket.save(update_fields=["record_closed_at"])
    clocks.stop_clock(ticket, ck.REVIEW_SUBMISSIONS.key, outcome=Outcome.MET, at=at,
                      event=why)
    clocks.start_clock(ck.HFS_DECISION, ticket, at=at, event="review record closed")
    ticket.record("review_record_closed", by=None, role="system", at=at, note=why)
    _notify_hfs(ticket, "ticket_record_closed", dedupe=f"record-closed-{ticket.pk}")
    _notify_provider(ticket, "ticket_record_closed")
    _notify_mco(ticket, "ticket_record_closed")


@transaction.atomic
def save_review_submission(ticket_id, *, by, party, statement, contacts, complete, files=()):
    from tickets import drafts
    from tickets.models import ReviewSubmission

    ticket = _locked(ticket_id)
    if ticket.state != State.HFS_REVIEW or ticket.record_closed_at is not None:
        raise ActionRefused("The review record is closed; nothing more can be added to it.")
    submission = ReviewSubmission.objects.select_for_update().get(ticket=ticket, party=party)
    if submission.completed_at is not None:
        raise ActionRefused("Your submission is already marked complete.")
    if complete and not (statement.strip() and contacts.strip()):
        raise ActionRefused(
            "A complete submission has the relevant information and the contact details "
            "of knowledgeable personnel."
        )
    if files:
        try:
            drafts.add_attachments(ticket, files, by=by, role=party)
        except ValidationError as error:
            raise ActionRefused(" ".join(error.messages)) from error
    now = timezone.now()
    submission.statement, submission.contacts = statement.strip(), contacts.strip()
    submission.updated_by, submission.updated_at = by, now
    if complete:
        submission.completed_at = now
    submission.save()
    if complete:
        ticket.record("review_submission_completed", by=by, role=party, at=now,
                      note=f"{submission.get_party_display()} marked its submission complete.")
        if not ticket.review_submissions.filter(completed_at__isnull=True).exists():
            close_record(ticket, at=now, why="Both parties completed their submissions.")
    return submission


@transaction.atomic
def report_unfinished_resolution(ticket_id, *, by, description):
    """R-FLOW-9: the MCO's plan date has passed and the resolution is not complete. Opens an
    investigation for HFS; the ticket stays as it is, closed or not."""
    from tickets.models import Investigation, TicketResponse

    ticket = _locked(ticket_id)
    response = TicketResponse.objects.filter(ticket=ticket).first()
    if response is None or not response.plan_applies or response.resolve_by is None:
        raise ActionRefused("The MCO's response has no plan with a resolution date to report "
                            "against.")
    if response.resolve_by >= timezone.localdate():
        raise ActionRefused(
            f"The MCO has until {response.resolve_by:%B} {response.resolve_by.day}, "
            f"{response.resolve_by.year} to finish; report it after that date if it is not "
            "done."
        )
    if not description.strip():
        raise ActionRefused("Describe what is not finished.")
    now = timezone.now()
    investigation = Investigation.objects.create(ticket=ticket, reported_by=by, reported_at=now,
                                                 description=description.strip())
    ticket.record("unfinished_resolution_reported", by=by, role="provider", at=now,
                  note=description.strip())
    _notify_hfs(ticket, "ticket_investigation_opened")
    return investigation


@transaction.atomic
def close_investigation(investigation_id, *, by, notes, outcome):
    from tickets.models import Investigation

    investigation = Investigation.objects.select_for_update().get(pk=investigation_id)
    if investigation.status == Investigation.Status.CLOSED:
        raise ActionRefused("This investigation is already closed.")
    if not outcome.strip():
        raise ActionRefused("Write the outcome of the investigation.")
    investigation.notes, investigation.outcome = notes.strip(), outcome.strip()
    investigation.status = Investigation.Status.CLOSED
    investigation.closed_by, investigation.closed_at = by, timezone.now()
    investigation.save()
    return investigation


# --- Extensions (R-FLOW-4) and the message thread (R-FLOW-10) ---------------------------


@transaction.atomic
def ask_for_extension(ticket_id, *, by, party, circumstances):
    from tickets.models import exchange

    ticket = _locked(ticket_id)
    try:
        request = exchange.ask_for_extension(ticket, party=party, by=by,
                                             circumstances=circumstances, at=timezone.now())
    except ValidationError as error:
        raise ActionRefused(" ".join(error.messages)) from error
    _notify_hfs(ticket, "ticket_extension_requested")
    return request


@transaction.atomic
def decide_extension(request_id, *, by, approve, note=""):
    from tickets.models import ExtensionRequest, exchange

    ticket_id = ExtensionRequest.objects.values_list("ticket_id", flat=True).get(pk=request_id)
    ticket = _locked(ticket_id)
    request = ExtensionRequest.objects.select_for_update().get(pk=request_id)
    request.ticket = ticket
    try:
        exchange.decide_extension(request, by=by, approve=approve, note=note,
                                  at=timezone.now())
    except ValidationError as error:
        raise ActionRefused(" ".join(error.messages)) from error
    outcome = "approved" if approve else "denied"
    _notify_mco(ticket, "ticket_extension_decided", outcome=outcome)
    _notify_provider(ticket, "ticket_extension_decided", outcome=outcome)
    return request


@transaction.atomic
def post_message(ticket_id, *, by, role, body):
    from tickets.models import exchange

    ticket = _locked(ticket_id)
    try:
        message = exchange.post_message(ticket, by=by, role=role, body=body, at=timezone.now())
    except ValidationError as error:
        raise ActionRefused(" ".join(error.messages)) from error
    if role != "provider":
        _notify_provider(ticket, "ticket_message")
    if role != "mco" and ticket.presented_at:
        _notify_mco(ticket, "ticket_message")
    return message
