"""What the person looking at a ticket must do next, and by when (issue 12: "each
person's first screen says what they must do next and by when").

One table says, for each clock of SPEC §5, whose deadline it is, what it asks of them, where
on the page they do it and what happens if they don't. The ticket page's status summary
shows the viewer's own earliest running deadline as its one primary action; the other
parties' running deadlines come after it, secondary.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from deadlines import calendar
from tickets import clock_kinds as ck


@dataclass(frozen=True)
class Duty:
    party: str  # "provider", "mco", "hfs"
    what: str  # in the party's words, an imperative: "Send the information the MCO asked for"
    button: str  # the primary action's name
    anchor: str  # where on the page it is done
    otherwise: str  # what happens if the deadline passes ("" when nothing closes)
    primary: bool = True  # False: an option, not a duty (asking for information)

    @property
    def closes_ticket(self):
        return "ticket closes" in self.otherwise


DUTIES = {
    ck.TRIAGE.key: Duty("hfs", "Present the ticket to the MCO, or close it", "Triage the ticket",
                        "triage", ""),
    ck.INFO_WINDOW.key: Duty("mco", "Ask the provider for more information, if you need it",
                             "Request information", "request-information", "", primary=False),
    ck.PROVIDER_INFO.key: Duty("provider", "Send the information the MCO asked for",
                               "Answer the information request", "answer",
                               "or the ticket closes"),
    ck.MCO_RESPONSE.key: Duty("mco", "Send your written response", "Write the response",
                              "response", "after that the response is recorded as late"),
    ck.EXTENSION_CUTOFF.key: Duty("mco", "Ask HFS for an extension, if you need one",
                                  "Ask for an extension", "extension", "", primary=False),
    ck.PROVIDER_ANSWER.key: Duty("provider", "Accept or contest the MCO's response",
                                 "Answer the MCO's response", "your-answer",
                                 "or the response counts as accepted and the ticket closes"),
    ck.REVIEW_REQUEST.key: Duty("provider", "Ask HFS to review the dispute",
                                "Ask HFS to review", "review-request", "or the ticket closes"),
    ck.REVIEW_SUBMISSIONS.key: Duty("both", "Send HFS your information and mark it complete",
                                    "Your review submission", "review-submission",
                                    "after that the record closes without it"),
    ck.HFS_DECISION.key: Duty("hfs", "Write the decision", "Write the decision", "decision", ""),
}

# Who each party is, as another party reads it.
PARTY_NAMES = {"provider": "The provider", "mco": "The MCO", "hfs": "HFS"}


@dataclass(frozen=True)
class NextStep:
    duty: Duty
    clock: object
    urgent: bool  # close (within the reminder window), overdue, or the ticket would close

    @property
    def what(self):
        return self.duty.what


@dataclass(frozen=True)
class OtherDeadline:
    who: str
    label: str
    clock: object


def _is_party(duty, party):
    return duty.party == party or (duty.party == "both" and party in ("provider", "mco"))


def _applies(kind, ticket, party, submissions):
    if kind == ck.REVIEW_SUBMISSIONS.key:
        mine = submissions.get(party)
        return mine is not None and mine.completed_at is None
    if kind == ck.REVIEW_REQUEST.key:
        return ticket.state == "contested"
    return True


def _is_urgent(clock, duty, now):
    """A warning: overdue, due within the reminder window, or the ticket closes when it
    passes."""
    if now > clock.due_at or duty.closes_ticket:
        return True
    today = timezone.localtime(now, calendar.CENTRAL).date()
    return calendar.business_days_between(today, clock.due_date) <= (
        settings.CLOCK_REMINDER_BUSINESS_DAYS)


def for_viewer(ticket, party, running, now, submissions=None):
    """The viewer's own next step: their running deadline that falls due first (duties
    before options). ``party``: "provider", "mco" or "hfs"; ``running``: the ticket's
    running clocks."""
    submissions = submissions or {}
    mine = [
        (not duty.primary, clock.due_at, duty, clock)
        for clock in running
        if (duty := DUTIES.get(clock.kind)) is not None and _is_party(duty, party)
        and _applies(clock.kind, ticket, party, submissions)
    ]
    if not mine:
        return None
    _, _, duty, clock = min(mine, key=lambda item: (item[0], item[1]))
    return NextStep(duty=duty, clock=clock, urgent=_is_urgent(clock, duty, now))


def others(ticket, party, running, submissions=None):
    """The other parties' running deadlines, for the secondary list."""
    from deadlines.templatetags.clocks import clock_label

    submissions = submissions or {}
    result = []
    for clock in running:
        duty = DUTIES.get(clock.kind)
        if duty is None or not duty.primary:
            continue
        parties = ("provider", "mco") if duty.party == "both" else (duty.party,)
        for who in parties:
            if who == party or not _applies(clock.kind, ticket, who, submissions):
                continue
            result.append(OtherDeadline(who=PARTY_NAMES[who], label=clock_label(clock),
                                        clock=clock))
    return result
