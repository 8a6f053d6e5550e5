"""What the clock engine does when a ticket's clock runs out or nears its end (R-CLK-4,
SPEC §5). Each handler runs inside the sweep's transaction with the ticket's row already
locked (deadlines.clocks), and calls the same transitions a person's action would."""

from deadlines import clocks, kinds
from deadlines.days import long_date, short_date
from deadlines.models import Outcome
from tickets import clock_kinds as ck
from tickets.models import State, Ticket
from tickets.workflow import _notify_hfs, _notify_mco, _notify_provider, close_record


def _close_on_expiry(clock, now, *, waiting_in, transition, tell_mco=False, **kwargs):
    """Close the ticket through ``transition`` if it is still ``waiting_in`` that state."""
    ticket = Ticket.objects.get(pk=clock.object_id)
    if ticket.state != waiting_in:
        return
    getattr(ticket, transition)(at=now, **kwargs)
    ticket.save()
    clocks.stop_all_clocks(ticket, outcome=Outcome.STOPPED, at=now, event="ticket closed")
    reason = ticket.get_close_reason_display()
    _notify_provider(ticket, "ticket_closed", reason=reason)
    if tell_mco:
        _notify_mco(ticket, "ticket_closed", reason=reason)


@kinds.on_expiry(ck.PROVIDER_INFO.key)
def close_for_no_information(clock, now):
    """R-FLOW-3: no answer within 5 business days closes the ticket."""
    _close_on_expiry(clock, now, waiting_in=State.AWAITING_PROVIDER_INFO,
                     transition="close_for_no_information", tell_mco=True)


@kinds.on_expiry(ck.PROVIDER_ANSWER.key)
def deem_accepted(clock, now):
    """R-FLOW-5: not contested within 5 business days: deemed accepted."""
    _close_on_expiry(clock, now, waiting_in=State.MCO_RESPONDED, transition="deem_accepted")


@kinds.on_expiry(ck.REVIEW_REQUEST.key)
def lapse_review_request(clock, now):
    """R-FLOW-5: no HFS review requested within 30 calendar days of the response."""
    _close_on_expiry(clock, now, waiting_in=State.CONTESTED,
                     transition="lapse_review_request")


@kinds.on_expiry(ck.INFO_WINDOW.key)
@kinds.on_expiry(ck.EXTENSION_CUTOFF.key)
def window_closes(clock, now):
    """R-FLOW-3, R-FLOW-4: these windows only end; the rules that read them compare with
    the due moment themselves (Ticket.open_deadline), so there is nothing more to do."""


def _escalate(clock, now, *, waiting, mark, action, note, template):
    """Record an overdue step once on the ticket (``mark`` field) and tell HFS."""
    ticket = Ticket.objects.get(pk=clock.object_id)
    if not waiting(ticket):
        return
    setattr(ticket, mark, now)
    ticket.save(update_fields=[mark])
    ticket.record(action, by=None, role="system", at=now, internal=True, note=note)
    _notify_hfs(ticket, template, dedupe=f"{action}-{ticket.pk}")


@kinds.on_expiry(ck.TRIAGE.key)
def escalate_overdue_triage(clock, now):
    _escalate(clock, now, waiting=lambda t: t.state == State.SUBMITTED,
              mark="triage_overdue_at", action="triage_overdue",
              note="Not presented or closed within 10 business days (R-FLOW-1).",
              template="ticket_triage_overdue")


@kinds.on_expiry(ck.MCO_RESPONSE.key)
def mark_sanction_candidate(clock, now):
    """R-FLOW-2: a late MCO response is escalated; the mark stays on the record."""
    _escalate(clock, now, waiting=lambda t: not t.is_closed and not t.responded_at,
              mark="sanction_candidate_at", action="mco_response_overdue",
              note="The MCO did not respond in time: sanction candidate (R-FLOW-2).",
              template="ticket_mco_overdue")


@kinds.on_expiry(ck.HFS_DECISION.key)
def escalate_overdue_decision(clock, now):
    _escalate(clock, now, waiting=lambda t: t.state == State.HFS_REVIEW,
              mark="decision_overdue_at", action="decision_overdue",
              note="The written decision is overdue (R-FLOW-6).",
              template="ticket_decision_overdue")


@kinds.on_expiry(ck.REVIEW_SUBMISSIONS.key)
def review_period_ended(clock, now):
    ticket = Ticket.objects.get(pk=clock.object_id)
    if ticket.state == State.HFS_REVIEW:
        close_record(ticket, at=now, why="The 30 days for review submissions ended.")


# --- Reminders before a clock runs out (issue 6: "reminded before a clock expires") -----


@kinds.on_reminder(ck.TRIAGE.key)
def remind_triage(clock, now):
    ticket = Ticket.objects.get(pk=clock.object_id)
    _notify_hfs(ticket, "ticket_triage_reminder", dedupe=f"clock-{clock.pk}-reminder",
                due=short_date(clock.due_date))


_REMINDED = {
    ck.PROVIDER_INFO.key: ("provider",),
    ck.MCO_RESPONSE.key: ("mco",),
    ck.PROVIDER_ANSWER.key: ("provider",),
    ck.REVIEW_REQUEST.key: ("provider",),
    ck.REVIEW_SUBMISSIONS.key: ("provider", "mco"),
    ck.HFS_DECISION.key: ("hfs",),
}


def _remind(clock, now):
    ticket = Ticket.objects.select_related("mco").get(pk=clock.object_id)
    if ticket.is_closed:
        return
    context = {"what": kinds.get_kind(clock.kind).label, "due": long_date(clock.due_date)}
    for party in _REMINDED[clock.kind]:
        if party == "provider":
            _notify_provider(ticket, "ticket_reminder", **context)
        elif party == "mco":
            _notify_mco(ticket, "ticket_reminder", **context)
        else:
            _notify_hfs(ticket, "ticket_reminder", dedupe=f"clock-{clock.pk}-reminder",
                        **context)


for _kind in _REMINDED:
    kinds.on_reminder(_kind)(_remind)
