"""Every action on a ticket: one call, one transaction, the ticket row locked (STYLE.md,
R-CLK-5). The transition method on the model checks the rule and who acts, and writes the
event; this module locks, calls it, saves, stores the files that belong to the action,
moves the clocks and queues the notifications — all in the same transaction, so a refused
or duplicate action leaves nothing behind (no file, no event, no e-mail).

A double click or two people acting at once: the second waits for the row lock, then finds
the ticket already moved on and gets a clear ``ActionRefused`` message; nothing is done
twice. Views, the admin, commands, tasks and the API all call these functions.
"""

import contextvars
import functools

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_fsm import can_proceed

from deadlines import clocks
from deadlines.days import short_date, short_datetime
from deadlines.models import Outcome
from portal import permissions
from portal.access import Role
from portal.models import User
from portal.notifications import notify
from tickets import clock_kinds as ck
from tickets import drafts
from tickets.action_needed import refresh_provider_due
from tickets.models import State, Ticket


class ActionRefused(Exception):
    """The action cannot be done on the ticket as it is now; the message says why.
    ``field``: the form field the refusal is about ("files"), when there is one."""

    def __init__(self, message, *, field=None):
        super().__init__(message)
        self.field = field


class NotAllowed(ActionRefused):
    """The person may not take this action on this ticket (a wrong role or relationship)."""


def _locked(ticket_id):
    """The ticket row, locked for the action. Only the ticket's own row: locking the joined
    MCO and provider rows too crossed with concurrent filings for the same provider (their
    foreign-key checks take KEY SHARE on those rows) and deadlocked. ``no_key``: the action
    does not change the ticket's key, so rows that refer to it (events, claims) can still be
    inserted by others while it runs."""
    try:
        return Ticket.objects.select_for_update(no_key=True, of=("self",)).get(pk=ticket_id)
    except Ticket.DoesNotExist as missing:
        raise ActionRefused("There is no such ticket.") from missing


def _refusal(error):
    if isinstance(error, permissions.ActorRefused):
        return NotAllowed(str(error.args[0]) if error.args else "You may not do that.")
    return ActionRefused("\n".join(error.messages))


def _run(ticket_id, method_name, *, files=(), file_role="", review_party="", **kwargs):
    """Lock, check that the transition applies, check the files (not stored yet), run the
    transition (its rule and actor checks), save, then store the files."""
    ticket = _locked(ticket_id)
    method = getattr(ticket, method_name)
    if not can_proceed(method):
        raise ActionRefused(already_moved_message(ticket))
    checked = _checked_files(ticket, files)
    try:
        method(**kwargs)
    except (ValidationError, permissions.ActorRefused) as error:
        raise _refusal(error) from error
    ticket.save()
    refresh_provider_due([ticket.pk])  # the new state may wait on the provider, or not
    _store_files(ticket, checked, by=kwargs.get("by"), role=file_role,
                 review_party=review_party)
    return ticket


def _checked_files(ticket, files):
    if not files:
        return []
    try:
        return drafts.check_attachments(ticket, files)
    except ValidationError as error:
        raise ActionRefused(" ".join(error.messages), field="files") from error


def _store_files(ticket, checked, *, by, role, review_party=""):
    if not checked:
        return []
    saved = drafts.store_attachments(ticket, checked, by=by, role=role,
                                     review_party=review_party)
    stored = _files_of_action.get(None)
    if stored is not None:
        stored.extend(saved)
    note = ", ".join(a.name for a in saved)
    if review_party:  # private to HFS and the party: the shared timeline names no file
        party = "MCO" if review_party == "mco" else review_party
        note = f"{len(saved)} file(s) added to the {party}'s review submission."
    ticket.record("attachment_added", by=by, role=role, note=note)
    return saved


# The files stored by the action running now (one list per action, per thread).
_files_of_action: contextvars.ContextVar[list | None] = contextvars.ContextVar(
    "files_of_action", default=None)


def action(func):
    """One workflow action: atomic; files stored during it are deleted again when it
    raises (the rows roll back with the transaction; storage does not)."""

    @functools.wraps(func)
    def run(*args, **kwargs):
        if _files_of_action.get() is not None:  # an action inside another: one transaction
            with transaction.atomic():
                return func(*args, **kwargs)
        stored = []
        token = _files_of_action.set(stored)
        try:
            with transaction.atomic():
                return func(*args, **kwargs)
        except BaseException:
            drafts.discard_files(stored)
            raise
        finally:
            _files_of_action.reset(token)

    return run


def already_moved_message(ticket):
    last = ticket.events.order_by("-at", "-pk").first()
    if ticket.is_closed:
        when = f" on {short_datetime(ticket.closed_at)}" if ticket.closed_at else ""
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


def _require(predicate, by, ticket, what):
    try:
        permissions.require(predicate, by, ticket, action=what)
    except permissions.ActorRefused as error:
        raise _refusal(error) from error


# --- Provider -------------------------------------------------------------------------


@action
def submit(ticket_id, *, by):
    now = timezone.now()
    ticket = _run(ticket_id, "submit", by=by, at=now)
    clocks.start_clock(ck.TRIAGE, ticket, at=now, event="ticket submitted")
    ticket.take_number()
    # The filer's confirmation; HFS acts next. The provider's other people see the ticket
    # on their home page (an e-mail to every member per filing fanned out for large ones).
    notify(to=by, template="ticket_submitted",
           context={"number": ticket.number, "link": ticket_link(ticket)})
    return ticket


# --- HFS triage (R-FLOW-1) --------------------------------------------------------------


@action
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


def _closed(ticket, now, *, tell_mco=False):
    clocks.stop_all_clocks(ticket, outcome=Outcome.STOPPED, at=now, event="ticket closed")
    reason = ticket.get_close_reason_display()
    _notify_provider(ticket, "ticket_closed", reason=reason)
    if tell_mco:
        _notify_mco(ticket, "ticket_closed", reason=reason)
    return ticket


@action
def close_at_triage(ticket_id, *, by, reason, note=""):
    now = timezone.now()
    ticket = _run(ticket_id, "close_at_triage", by=by, at=now, reason=reason, note=note)
    # Closing an incomplete ticket is triage done (R-FLOW-1): the triage clock is met (or
    # expired when late), so the reports' triage timeliness counts closures too.
    clocks.stop_clock(ticket, ck.TRIAGE.key, outcome=Outcome.MET, at=now,
                      event="closed at triage")
    return _closed(ticket, now)


@action
def assign(ticket_id, *, to, by=None):
    """HFS takes a ticket ("assign to me") or gives it to an HFS colleague."""
    by = by or to
    ticket = _locked(ticket_id)
    _require(permissions.is_hfs, by, ticket, "assign a ticket to HFS staff")
    if not permissions.is_hfs(to):
        raise ActionRefused(f"{to} is not HFS portal staff; assign the ticket to HFS staff.")
    if ticket.is_closed:
        raise ActionRefused(already_moved_message(ticket))
    if ticket.assigned_to_id == to.pk:
        return ticket
    ticket.assigned_to = to
    ticket.save(update_fields=["assigned_to"])
    ticket.record("assigned", by=by, role="hfs", note=f"Assigned to {to}.", internal=True)
    return ticket


@action
def assign_to_mco_colleague(ticket_ids, *, to, by):
    """An MCO supervisor assigns their MCO's tickets to a colleague (or none): one event per
    ticket that changed. Returns how many changed."""
    if to is not None and not (permissions.access.is_mco_staff(to) and to.mco_id == by.mco_id):
        raise ActionRefused("Choose a colleague of your own MCO.")
    changed = 0
    for ticket_id in ticket_ids:
        ticket = _locked(ticket_id)
        _require(permissions.supervises_ticket_mco, by, ticket, "assign the MCO's tickets")
        if ticket.presented_at is None or ticket.mco_assigned_to_id == (to.pk if to else None):
            continue
        ticket.mco_assigned_to = to
        ticket.save(update_fields=["mco_assigned_to"])
        ticket.record("mco_assigned", by=by, role="mco",
                      note=f"Assigned within the MCO to {to}." if to
                      else "No longer assigned within the MCO.")
        changed += 1
    return changed


@action
def add_internal_note(ticket_id, *, by, text):
    ticket = _locked(ticket_id)
    _require(permissions.is_hfs, by, ticket, "write an HFS internal note")
    if not (text or "").strip():
        raise ActionRefused("Write the note before saving it.", field="text")
    ticket.record("internal_note", by=by, role="hfs", note=text.strip(), internal=True)
    return ticket


# --- The MCO and the provider while the MCO works (R-FLOW-2, R-FLOW-3, R-FILE-4) ---------


@action
def request_information(ticket_id, *, by, request_text):
    now = timezone.now()
    ticket = _run(ticket_id, "request_information", by=by, at=now, request_text=request_text)
    clocks.start_clock(ck.PROVIDER_INFO, ticket, at=now, event="information requested")
    _notify_provider(ticket, "ticket_information_requested")
    return ticket


@action
def answer_information(ticket_id, *, by, answer_text, already_sent=False, files=()):
    """The provider's answer and its files, together: a refused answer stores no file."""
    now = timezone.now()
    ticket = _run(ticket_id, "answer_information", by=by, at=now, answer_text=answer_text,
                  already_sent=already_sent, evidence=len(files), files=files,
                  file_role="provider")
    clocks.stop_clock(ticket, ck.PROVIDER_INFO.key, outcome=Outcome.MET, at=now,
                      event="information provided")
    _notify_mco(ticket, "ticket_information_provided")
    return ticket


@action
def close_for_incomplete_information(ticket_id, *, by, note=""):
    """R-FLOW-3: HFS or the MCO finds the provider's answer incomplete."""
    now = timezone.now()
    ticket = _run(ticket_id, "close_for_incomplete_information", by=by, at=now, note=note)
    return _closed(ticket, now, tell_mco=True)


@action
def report_unknown_tracking_number(ticket_id, *, by, note):
    """R-FILE-4: the MCO reports the tracking number unknown; HFS is told and may close."""
    now = timezone.now()
    ticket = _locked(ticket_id)
    try:
        ticket.report_unknown_tracking_number(by=by, at=now, note=note)
    except (ValidationError, permissions.ActorRefused) as error:
        raise _refusal(error) from error
    ticket.save(update_fields=["tracking_reported_unknown_at"])
    _notify_hfs(ticket, "ticket_tracking_unknown", dedupe=f"tracking-unknown-{ticket.pk}")
    return ticket


@action
def close_for_invalid_tracking(ticket_id, *, by, note=""):
    now = timezone.now()
    ticket = _run(ticket_id, "close_for_invalid_tracking", by=by, at=now, note=note)
    return _closed(ticket, now, tell_mco=True)


@action
def respond(ticket_id, *, by, response, files=()):
    """R-FLOW-2: the written response with its files. Late (after the due moment): stored
    late, the clock expired, the ticket a sanction candidate, HFS told."""
    now = timezone.now()
    ticket = _run(ticket_id, "respond", by=by, at=now, response=response, files=files,
                  file_role="mco")
    clocks.stop_clock(ticket, ck.MCO_RESPONSE.key, outcome=Outcome.MET, at=now,
                      event="MCO responded")
    for kind in (ck.INFO_WINDOW, ck.EXTENSION_CUTOFF, ck.PROVIDER_INFO):
        clocks.stop_clock(ticket, kind.key, outcome=Outcome.STOPPED, at=now,
                          event="MCO responded")
    if ticket.response.is_late:
        _notify_hfs(ticket, "ticket_mco_overdue", dedupe=f"mco_response_overdue-{ticket.pk}")
    clocks.start_clock(ck.PROVIDER_ANSWER, ticket, at=now, event="MCO responded")
    clocks.start_clock(ck.REVIEW_REQUEST, ticket, at=now, event="MCO responded")
    _notify_provider(ticket, "ticket_responded")
    return ticket


# --- The provider's answer (R-FLOW-5) ----------------------------------------------------


@action
def accept(ticket_id, *, by):
    now = timezone.now()
    ticket = _run(ticket_id, "accept", by=by, at=now)
    clocks.stop_all_clocks(ticket, outcome=Outcome.STOPPED, at=now, event="accepted")
    _notify_mco(ticket, "ticket_closed", reason=ticket.get_close_reason_display())
    return ticket


@action
def contest(ticket_id, *, by, contact):
    now = timezone.now()
    ticket = _run(ticket_id, "contest", by=by, at=now, contact=contact)
    clocks.stop_clock(ticket, ck.PROVIDER_ANSWER.key, outcome=Outcome.MET, at=now,
                      event="contested")
    _notify_mco(ticket, "ticket_contested")
    return ticket


@action
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


# --- HFS review (R-FLOW-6, R-FLOW-7) and unfinished resolutions (R-FLOW-9) ---------------


@action
def decide(ticket_id, *, by, decision):
    now = timezone.now()
    ticket = _run(ticket_id, "decide", by=by, at=now, decision=decision)
    clocks.stop_all_clocks(ticket, outcome=Outcome.MET, at=now, event="decision issued")
    _notify_provider(ticket, "ticket_decided")
    _notify_mco(ticket, "ticket_decided")
    return ticket


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


@action
def save_review_submission(ticket_id, *, by, party, statement, contacts, complete, files=()):
    """A party's information for HFS review, and its files, together (R-FLOW-6). The files
    follow the submission's privacy: HFS and that party only."""
    from tickets.models import ReviewSubmission

    now = timezone.now()
    ticket = _locked(ticket_id)
    if party not in ReviewSubmission.Party.values:
        raise ActionRefused("Say which party the submission is for.")
    if not permissions.may_act_as_party(by, ticket, party):
        raise NotAllowed("Only the people of that party can write its review submission.")
    if ticket.state != State.HFS_REVIEW or ticket.record_closed_at is not None:
        raise ActionRefused("The review record is closed; nothing more can be added to it.")
    try:
        ticket.open_deadline(ck.REVIEW_SUBMISSIONS, now, "The 30 days for review submissions "
                             "ended on {date}; the record is closed.")
    except ValidationError as error:
        raise _refusal(error) from error
    submission = ReviewSubmission.objects.select_for_update().get(ticket=ticket, party=party)
    if submission.completed_at is not None:
        raise ActionRefused("Your submission is already marked complete.")
    statement, contacts = (statement or "").strip(), (contacts or "").strip()
    if complete and not (statement and contacts):
        raise ActionRefused(
            "A complete submission has the relevant information and the contact details "
            "of knowledgeable personnel.", field="statement" if not statement else "contacts"
        )
    checked = _checked_files(ticket, files)
    submission.statement, submission.contacts = statement, contacts
    submission.updated_by, submission.updated_at = by, now
    if complete:
        submission.completed_at = now
    submission.save()
    _store_files(ticket, checked, by=by, role=party, review_party=party)
    if complete:
        refresh_provider_due([ticket.pk])  # the provider's part may be done
        ticket.record("review_submission_completed", by=by, role=party, at=now,
                      note=f"{submission.get_party_display()} marked its submission complete.")
        if not ticket.review_submissions.filter(completed_at__isnull=True).exists():
            close_record(ticket, at=now, why="Both parties completed their submissions.")
    return submission


@action
def report_unfinished_resolution(ticket_id, *, by, description):
    """R-FLOW-9: the MCO's plan date has passed and the resolution is not complete. Opens an
    investigation for HFS; the ticket stays as it is, closed or not."""
    from tickets.models import Investigation, TicketResponse

    ticket = _locked(ticket_id)
    _require(permissions.is_ticket_provider, by, ticket, "report an unfinished resolution")
    response = TicketResponse.objects.filter(ticket=ticket).first()
    if response is None or not response.plan_applies or response.resolve_by is None:
        raise ActionRefused("The MCO's response has no plan with a resolution date to report "
                            "against.")
    if response.resolve_by >= timezone.localdate():
        raise ActionRefused(
            f"The MCO has until {short_date(response.resolve_by)} to finish; report it after "
            "that date if it is not done."
        )
    if not (description or "").strip():
        raise ActionRefused("Describe what is not finished.", field="description")
    now = timezone.now()
    investigation = Investigation.objects.create(ticket=ticket, reported_by=by, reported_at=now,
                                                 description=description.strip())
    ticket.record("unfinished_resolution_reported", by=by, role="provider", at=now,
                  note=description.strip())
    _notify_hfs(ticket, "ticket_investigation_opened")
    return investigation


@action
def close_investigation(investigation_id, *, by, notes, outcome):
    from tickets.models import Investigation

    ticket_id = Investigation.objects.values_list("ticket_id", flat=True).get(
        pk=investigation_id)
    ticket = _locked(ticket_id)
    investigation = Investigation.objects.select_for_update().get(pk=investigation_id)
    investigation.ticket = ticket
    if investigation.status == Investigation.Status.CLOSED:
        raise ActionRefused("This investigation is already closed.")
    try:
        investigation.close(by=by, at=timezone.now(), notes=notes, outcome=outcome)
    except (ValidationError, permissions.ActorRefused) as error:
        raise _refusal(error) from error
    investigation.save()
    return investigation


# --- Extensions (R-FLOW-4) and the message thread (R-FLOW-10) ---------------------------


@action
def ask_for_extension(ticket_id, *, by, circumstances, party=None):
    """``party``: the side the person asks for; by default the one they belong to."""
    from tickets.models import exchange

    ticket = _locked(ticket_id)
    if party is None:
        party = permissions.role_on(by, ticket) if by is not None else ""
    try:
        request = exchange.ask_for_extension(ticket, party=party, by=by,
                                             circumstances=circumstances, at=timezone.now())
    except (ValidationError, permissions.ActorRefused) as error:
        raise _refusal(error) from error
    _notify_hfs(ticket, "ticket_extension_requested")
    return request


@action
def decide_extension(request_id, *, by, approve, note=""):
    from tickets.models import ExtensionRequest, exchange

    ticket_id = ExtensionRequest.objects.values_list("ticket_id", flat=True).get(pk=request_id)
    ticket = _locked(ticket_id)
    request = ExtensionRequest.objects.select_for_update().get(pk=request_id)
    request.ticket = ticket
    try:
        exchange.decide_extension(request, by=by, approve=approve, note=note,
                                  at=timezone.now())
    except (ValidationError, permissions.ActorRefused) as error:
        raise _refusal(error) from error
    outcome = "approved" if approve else "denied"
    _notify_mco(ticket, "ticket_extension_decided", outcome=outcome)
    _notify_provider(ticket, "ticket_extension_decided", outcome=outcome)
    return request


@action
def post_message(ticket_id, *, by, body):
    from tickets.models import exchange

    ticket = _locked(ticket_id)
    try:
        message = exchange.post_message(ticket, by=by, body=body, at=timezone.now())
    except (ValidationError, permissions.ActorRefused) as error:
        raise _refusal(error) from error
    # On the timeline and in the API's change feed (the text stays in the thread), and on
    # the audit log (R-SEC-2) whatever the caller.
    ticket.record("message_posted", by=by)
    if message.role != "provider":
        _notify_provider(ticket, "ticket_message")
    if message.role != "mco" and ticket.presented_at:
        _notify_mco(ticket, "ticket_message")
    return message
