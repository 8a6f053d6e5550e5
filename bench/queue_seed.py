"""The data of bench/queues.py (issue 14): tickets over three years, each lived step by step
as the workflow and the deadline sweep would have lived it, ``closed`` of them closed (80%
by default), loaded by COPY (``bench.reports.copy_rows``).

Every ticket has its clocks (every kind, each ended as the workflow ends it: met, stopped,
or expired by the sweep a minute after its due moment, with the mark the sweep sets:
``triage_overdue_at``, ``sanction_candidate_at``, ``decision_overdue_at``), its timeline
events, its claims (one, or 2–12 from the claims template), and, as it went: information
requests, extension requests (pending, approved: 60 days, or denied), the MCO's written
response, the representative contact, the review submissions, the decision, messages and
investigations. The queues' copies of the due moments (``Ticket.triage_due``,
``response_due``, ``decision_due``, ``RegistrationRequest.target_due``: ``ClockKind.mirror``)
are set in the same rows, from the same clocks, as ``deadlines.clocks`` sets them. Due
moments come from the portal's own calendar (``deadlines.kinds.compute_due_date``).

The open tickets are the ones whose next step lies after "now" (the newest), and a backlog
that stays open at the steps where no deadline closes a ticket: never triaged, never
answered by the MCO (sanction candidates), never decided by HFS. The backlog's share is
set so that ``closed`` of all tickets are closed.

Registration requests (one per 50 tickets, at least ``MIN_REGISTRATIONS``) with their
providers, requester, decisions and registration clocks; most decided, some open and past
their target.

Not loaded (no queue or home reads them): audit rows, notifications, attachments, clock
changes. The HFS home's chart reads the monthly summary: its rows are counted from the
loaded tickets by SQL (``fill_monthly_counts``), not by ``reports.summaries.rebuild``
(which takes five minutes at 1,000,000 tickets).
"""

import datetime
import functools
import random
import time

DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)
#: The sweep acts on a clock this long after its due moment.
SWEEP = datetime.timedelta(minutes=1)
YEARS = 3
#: The people of the bench, by e-mail (bench/queues.py signs them in).
EMAILS = {
    "agent": "agent@bench.invalid",  # a billing agent for AGENT_PROVIDERS providers
    "filer": "filer@bench.invalid",  # files for every other provider
    "clinic": "clinic@bench.invalid",  # a clinic's own staff: one provider (clinic_user)
    "hfs": "hfs@bench.invalid",
    "mco": "mco@bench.invalid",  # Molina's staff
    "registration_admin": "registration-admin@bench.invalid",
}
MCO_SLUG = "molina"
PROVIDERS = 1000
AGENT_PROVIDERS = 50
REQUESTERS = 20
#: The newest tickets: Molina's, waiting for the provider's information (a state only the
#: last few days' tickets are in, so at 10,000 tickets the filter could be empty), of the
#: billing agent's providers but the last ``CLINIC_WAITING``, the clinic's (``clinic_user``):
#: more than a page of them, so that the MCO's "awaiting the provider" filter and the
#: agent's home and waiting page show a full page at every size (a page of 4 rows at 10k
#: against 25 at 1M is not the same page; bench/queues.py's "rows shown"), and the clinic's
#: home reads its waiting tickets at every size too.
AWAITING_FLOOR = 30
CLINIC_WAITING = 2
#: At least this many registration requests (one per 50 tickets): ~4% stay open, so the
#: registration queue's first page is full at 10,000 tickets too.
MIN_REGISTRATIONS = 750
KINDS = ("triage", "info_window", "provider_info", "mco_response", "extension_cutoff",
         "provider_answer", "review_request", "review_submissions", "hfs_decision",
         "registration")


@functools.cache
def _due(start_date, unit, length):
    from deadlines import calendar, kinds

    due_date = kinds.compute_due_date(start_date, unit, length)
    return due_date, calendar.deadline_moment(due_date)


class Clocked:
    """One clock as it ended (or runs): ``due_at``, ``outcome``, ``stopped_at``."""

    __slots__ = ("due_at", "outcome", "stopped_at")

    def __init__(self, due_at, outcome, stopped_at):
        self.due_at, self.outcome, self.stopped_at = due_at, outcome, stopped_at

    @property
    def expired(self):
        return self.outcome == "expired"


class Seeder:
    """Rows for ``tickets`` tickets up to ``now``; ``batch()`` gives them a batch at a time."""

    def __init__(self, *, tickets, now, ids, closed=0.8, seed=14):
        from django.contrib.contenttypes.models import ContentType

        from deadlines import kinds
        from deadlines.calendar import CENTRAL
        from registration.models import RegistrationRequest
        from tickets import clock_kinds  # noqa: F401  (registers the ticket clocks' kinds)
        from tickets.models import Ticket

        self.n, self.now, self.ids, self.closed_share = tickets, now, ids, closed
        self.central = CENTRAL
        self.kinds = {key: (kinds.get_kind(key).unit.value, kinds.get_kind(key).length)
                      for key in KINDS}
        self.ticket_type = ContentType.objects.get_for_model(Ticket).pk
        self.request_type = ContentType.objects.get_for_model(RegistrationRequest).pk
        self.start = now - YEARS * 365 * DAY
        self.span = now - self.start
        self.seed = seed
        self.rng = random.Random(seed)
        self.stuck_share = 0.0
        self.numbers = {}
        self.clock_id = 0
        self.reset()

    # --- Bookkeeping -------------------------------------------------------------------

    def reset(self):
        """Empty the side lists (after each COPY)."""
        self.rows = {name: [] for name in (
            "clocks", "events", "claims", "messages", "info_requests", "extensions",
            "responses", "contacts", "submissions", "decisions", "investigations")}

    def batches(self, count, size):
        """(tickets, side rows by name) of ``size`` tickets at a time."""
        for start in range(0, count, size):
            tickets = [self.ticket(i) for i in range(start, min(start + size, count))]
            side = self.rows
            self.reset()
            yield tickets, side

    def calibrate(self, sample=20_000):
        """Set the backlog's share so that ``closed`` of the tickets end closed: a dry run
        of ``sample`` tickets without a backlog tells how many are open by their age."""
        saved = self.n, self.clock_id, dict(self.numbers)
        self.n = sample
        self.rng = random.Random(self.seed)
        self.stuck_share = 0.0
        open_ = sum(self.ticket(i)["state"] != "closed" for i in range(sample)) / sample
        self.reset()
        self.n, self.clock_id, self.numbers = saved
        wanted = 1 - self.closed_share
        self.stuck_share = max(0.0, (wanted - open_) / (1 - open_))
        self.rng = random.Random(self.seed)
        return open_

    def clock(self, object_id, kind, started, end=None, how="met", *, length=None,
              content_type=None):
        """The clock of ``kind`` started at ``started``. ``end``: when a person's action (or
        the ticket's closing) ended it, as ``how`` ("met", "stopped"); None: nobody did.
        A due moment passed before that (or before now) means the sweep expired it first."""
        unit, default = self.kinds[kind]
        length = length or default
        start_date = started.astimezone(self.central).date()
        due_date, due_at = _due(start_date, unit, length)
        until = self.now if end is None else min(end, self.now)
        if due_at < until:
            outcome, stopped_at, event = "expired", due_at + SWEEP, "due moment passed"
        elif end is not None and end <= self.now:
            outcome, stopped_at, event = how, end, "bench"
        else:
            outcome, stopped_at, event = "", None, ""
        self.clock_id += 1
        self.rows["clocks"].append({
            "id": self.clock_id, "kind": kind,
            "content_type_id": content_type or self.ticket_type, "object_id": object_id,
            "unit": unit, "length": length, "started_at": started, "start_date": start_date,
            "start_event": "bench", "due_date": due_date, "due_at": due_at,
            "stopped_at": stopped_at, "stop_event": event, "outcome": outcome,
        })
        return Clocked(due_at, outcome, stopped_at)

    def event(self, pk, action, at, role, *, who=None, frm="", to="", internal=False,
              note=""):
        """A timeline row; ``who``: the actor's key in ``ids`` (by default the role's)."""
        actor = None if role == "system" else self.ids[who or role]
        self.rows["events"].append({
            "ticket_id": pk, "action": action, "from_state": frm, "to_state": to,
            "actor_id": actor, "role": role, "at": at, "note": note, "internal": internal})

    def number(self, submitted):
        year = submitted.astimezone(self.central).year
        self.numbers[year] = self.numbers.get(year, 0) + 1
        return f"PRP-{year}-{self.numbers[year]:06d}"

    # --- One ticket's life ---------------------------------------------------------------

    def ticket(self, i):
        """Ticket ``i`` (0-based; the oldest first) and the rows of its life."""
        rng, pk = self.rng, i + 1
        submitted = self.start + self.span * ((i + rng.random()) / self.n)
        stuck = None
        if rng.random() < self.stuck_share:
            stuck = rng.choices(("triage", "response", "decision"), (25, 55, 20))[0]
        provider_index = rng.randrange(len(self.ids["providers"]))
        if i >= self.n - AWAITING_FLOOR:  # so that filter has rows at every size
            stuck = "awaiting"
            submitted = self.now - DAY * (3 - (self.n - i) / (2 * AWAITING_FLOOR))
            provider_index = (AGENT_PROVIDERS if self.n - i <= CLINIC_WAITING
                              else i % AGENT_PROVIDERS)
        filer = "agent" if provider_index < AGENT_PROVIDERS else "filer"
        claims = 1 if rng.random() < 0.95 else rng.randint(2, 12)
        row = {
            "id": pk, "number": self.number(submitted),
            "provider_id": self.ids["providers"][provider_index],
            "mco_id": self.ids["molina"] if stuck == "awaiting" else rng.choice(
                self.ids["mcos"]),
            "complaint_type_id": rng.choice(self.ids["types"]),
            "dispute_filed_on": (submitted - rng.randint(31, 80) * DAY).date(),
            "tracking_number": f"T-{pk}", "internal_process_exhausted": True,
            "description": "Bench ticket: the claim was denied although authorised.",
            "uses_claims_template": claims > 1,
            "claims_template_name": "claims.xlsx" if claims > 1 else "",
            "created_by_id": self.ids[filer], "created_at": submitted - rng.random() * HOUR,
            "submitted_at": submitted, "submitted_by_id": self.ids[filer],
            "state": "submitted",
        }
        self._claims(pk, claims, submitted)
        self.event(pk, "submitted", submitted, "provider", who=filer, frm="draft",
                   to="submitted")
        life = _Life(self, row, stuck, filer)
        life.run()
        return row

    def _claims(self, pk, count, submitted):
        day = (submitted - 60 * DAY).date()
        for n in range(count):
            self.rows["claims"].append({
                "ticket_id": pk, "row_number": n + 2 if count > 1 else None,
                "claim_number": f"CLM-{pk}-{n}", "tracking_number": f"T-{pk}",
                "member_rin": f"{100000000 + pk % 899999999}", "member_name": "Pat Member",
                "service_from": day, "service_to": day + DAY, "billed": "100.00",
                "paid": "0.00", "disputed": "100.00", "denial_reason": "CO-16",
                "comments": ""})

    # --- Registration requests ----------------------------------------------------------

    def registration_requests(self, count):
        """``count`` requests over the three years: rows by model name."""
        from registration.models import RequestStatus

        rng = random.Random(self.seed + 1)
        rows = {"requests": [], "providers": [], "individuals": [], "decisions": []}
        for i in range(count):
            pk = i + 1
            submitted = self.start + self.span * ((i + rng.random()) / count)
            requester = self.ids["requesters"][i % len(self.ids["requesters"])]
            decide_after = rng.choice([0.1, 0.3, 0.8, 1, 2, 3, 5]) * DAY
            never = rng.random() < 0.04
            decided = None if never else submitted + decide_after
            if decided is not None and decided > self.now:
                decided = None
            clock = self.clock(pk, "registration", submitted, decided,
                               content_type=self.request_type)
            status = RequestStatus.SUBMITTED.value
            if decided is not None:
                status = (RequestStatus.APPROVED if rng.random() < 0.85
                          else RequestStatus.DENIED).value
            escalated = clock.stopped_at if clock.expired else None
            rows["requests"].append({
                "id": pk, "requester_id": requester, "name": f"Requester {i % REQUESTERS}",
                "email": f"requester{i % REQUESTERS}@bench.invalid", "phone": "312-555-0100",
                "relationship": "representative", "status": status, "source": "form",
                "submitted_at": submitted, "target_due": clock.due_at,
                "escalated_at": escalated, "decided_at": decided,
                "decided_by_id": self.ids["registration_admin"] if decided else None})
            rows["decisions"].append({"request_id": pk, "action": "submitted",
                                      "by_id": requester, "at": submitted, "summary": ""})
            if escalated:
                rows["decisions"].append({"request_id": pk, "action": "escalated",
                                          "by_id": None, "at": escalated, "summary": ""})
            if decided:
                rows["decisions"].append({"request_id": pk, "action": status,
                                          "by_id": self.ids["registration_admin"],
                                          "at": decided, "summary": ""})
            for n in range(rng.choice([1, 1, 1, 2, 3])):
                rows["providers"].append({
                    "request_id": pk, "row_number": None, "legal_name": f"Clinic {pk}-{n}",
                    "medicaid_id": f"IL{2000000 + pk}", "npi": "1234567893",
                    "tax_id": f"37{pk % 10_000_000:07d}", "street": f"{pk} Main Street",
                    "city": "Springfield", "state": "IL", "zip_code": "62701",
                    "address_key": f"{pk} main st|springfield|il|62701",
                    "approved": None if decided is None else status == RequestStatus.APPROVED})
            rows["individuals"].append({
                "request_id": pk, "name": f"Requester {i % REQUESTERS}",
                "email": f"requester{i % REQUESTERS}@bench.invalid",
                "relationship": "representative", "is_requester": True})
        return rows


class _Life:
    """The steps of one ticket after its submission, as the workflow and the sweep take
    them (tickets.workflow, tickets.clock_handlers); the first step still ahead of "now"
    leaves the ticket open where it is."""

    def __init__(self, seeder, row, stuck, filer):
        self.s, self.row, self.stuck, self.filer = seeder, row, stuck, filer
        self.rng, self.now, self.pk = seeder.rng, seeder.now, row["id"]
        self.last = row["submitted_at"]

    def run(self):
        self.triage()
        self.row["updated_at"] = self.last  # the latest event's moment

    def happened(self, moment):
        return moment is not None and moment <= self.now

    def due_at(self, kind, started, length=None):
        unit, default = self.s.kinds[kind]
        return _due(started.astimezone(self.s.central).date(), unit, length or default)[1]

    def clock(self, kind, started, end=None, how="met", **kwargs):
        return self.s.clock(self.pk, kind, started, end, how, **kwargs)

    def event(self, action, at, role, **kwargs):
        who = self.filer if role == "provider" else None
        self.s.event(self.pk, action, at, role, who=who, **kwargs)
        self.last = max(self.last, at)

    def close(self, at, reason, action, role, *, frm):
        self.row.update(state="closed", closed_at=at, close_reason=reason)
        self.event(action, at, role, frm=frm, to="closed")

    def mark(self, field, action, clock):
        """The sweep's mark on an expired clock (tickets.clock_handlers._escalate)."""
        self.row[field] = clock.stopped_at
        self.event(action, clock.stopped_at, "system", internal=True)

    # --- HFS triage ------------------------------------------------------------------

    def triage(self):
        rng, row, submitted = self.rng, self.row, self.row["submitted_at"]
        if rng.random() < 0.3:
            row["assigned_to_id"] = self.s.ids["hfs"]
            self.event("assigned", submitted + HOUR, "hfs", internal=True)
        end = None if self.stuck == "triage" else submitted + DAY * rng.choice(
            [0.2, 0.5, 1, 2, 3, 5, 8, 12, 16, 20])
        if self.stuck == "awaiting":
            end = submitted + DAY / 2
        if not self.happened(end):
            end = None
        triage = self.clock("triage", submitted, end)
        row["triage_due"] = triage.due_at
        if triage.expired:
            self.mark("triage_overdue_at", "triage_overdue", triage)
        if end is None:
            return
        if self.stuck is None and rng.random() < 0.08:
            from tickets.models.ticket import TRIAGE_CLOSE_REASONS

            self.close(end, rng.choice(TRIAGE_CLOSE_REASONS), "closed", "hfs",
                       frm="submitted")
            return
        self.present(end)

    # --- With the MCO ------------------------------------------------------------------

    def present(self, presented):
        rng, row, s = self.rng, self.row, self.s
        row.update(state="with_mco", presented_at=presented, presented_by_id=s.ids["hfs"])
        self.event("presented", presented, "hfs", frm="submitted", to="with_mco")
        if row["mco_id"] == s.ids["molina"] and rng.random() < 0.4:
            row["mco_assigned_to_id"] = s.ids["mco"]
        responded = None if self.stuck in ("response", "awaiting") else presented + DAY * (
            rng.choice([3, 5, 8, 10, 14, 20, 25, 28, 29, 33, 40, 55]) + rng.random())
        if not self.happened(responded):
            responded = None
        asked = rng.random() < 0.15 or self.stuck == "awaiting"
        closed = self.information_request(presented, responded) if asked else None
        if closed:
            responded = None
        end = closed or responded
        extension = self.extension_request(presented, end)
        length = 60 if extension == "approved" else 30
        response = self.clock("mco_response", presented, end,
                              "met" if responded else "stopped", length=length)
        row["response_due"] = response.due_at
        for kind in ("info_window", "extension_cutoff"):
            self.clock(kind, presented, end, "stopped")
        if response.expired:
            self.mark("sanction_candidate_at", "mco_response_overdue", response)
        self.messages(presented, end or self.now)
        if closed:
            self.close(closed, "no_information", "closed", "system",
                       frm="awaiting_provider_info")
        elif responded:
            self.respond(responded, late=response.expired)

    def information_request(self, presented, responded):
        """The MCO asks within its window; the provider answers within 5 business days, or
        the sweep closes the ticket (R-FLOW-3). Returns the moment it closed, or None."""
        rng, s, row = self.rng, self.s, self.row
        asked = presented + DAY * (0.5 if self.stuck == "awaiting" else rng.uniform(0.5, 4))
        if (not self.happened(asked) or asked > self.due_at("info_window", presented)
                or (responded is not None and responded <= asked)):
            return None
        row["state"] = "awaiting_provider_info"
        self.event("information_requested", asked, "mco", frm="with_mco",
                   to="awaiting_provider_info")
        request = {"ticket_id": self.pk, "requested_by_id": s.ids["mco"],
                   "requested_at": asked, "request_text": "Please send the EOB.",
                   "answer_text": "", "already_sent": False}
        s.rows["info_requests"].append(request)
        due_at = self.due_at("provider_info", asked)
        answered = asked + DAY * rng.uniform(0.2, 5) if rng.random() < 0.85 else None
        if self.stuck == "awaiting":
            answered = None
        if answered is not None and (answered > due_at or not self.happened(answered)
                                     or (responded is not None and responded < answered)):
            answered = None
        if answered is not None:
            self.clock("provider_info", asked, answered, "met")
            request.update(answered_by_id=s.ids[self.filer], answered_at=answered,
                           answer_text="Attached.")
            row["state"] = "with_mco"
            self.event("information_provided", answered, "provider",
                       frm="awaiting_provider_info", to="with_mco")
            return None
        if responded is not None and responded <= due_at:
            self.clock("provider_info", asked, responded, "stopped")
            return None
        self.clock("provider_info", asked)  # runs on, or the sweep expired it...
        if due_at + SWEEP <= self.now:
            return due_at + SWEEP  # ...and closed the ticket
        return None

    def extension_request(self, presented, end):
        """One request in the first 23 days; HFS decides within two days, or (for some of
        the MCOs that never respond) leaves it pending. Returns its status, or None."""
        rng, s = self.rng, self.s
        if self.stuck == "awaiting" or rng.random() >= (
                0.15 if self.stuck == "response" else 0.07):
            return None
        asked = presented + DAY * rng.uniform(3, 20)
        decided = asked + DAY * rng.uniform(0.1, 2)
        if self.stuck == "response" and rng.random() < 0.5:
            decided = None
        if not self.happened(asked) or (end is not None and decided is not None
                                        and end <= decided):
            return None
        if not self.happened(decided):
            decided = None
        status = "pending" if decided is None else (
            "approved" if rng.random() < 0.75 else "denied")
        party = rng.choice(["mco", "mco", "provider"])
        s.rows["extensions"].append({
            "ticket_id": self.pk, "party": party,
            "requested_by_id": s.ids["mco" if party == "mco" else self.filer],
            "requested_at": asked, "circumstances": "Staff shortage.", "status": status,
            "decided_by_id": s.ids["hfs"] if decided else None, "decided_at": decided,
            "decision_note": ""})
        self.event("extension_requested", asked, party)
        if decided:
            self.event(f"extension_{status}", decided, "hfs")
        return status

    def messages(self, start, end):
        rng, s = self.rng, self.s
        if rng.random() >= 0.3:
            return
        for _ in range(rng.randint(1, 3)):
            at = start + (end - start) * rng.random()
            role = rng.choice(["provider", "mco", "hfs"])
            author = s.ids[self.filer if role == "provider" else role]
            s.rows["messages"].append({"ticket_id": self.pk, "author_id": author,
                                       "role": role, "at": at,
                                       "body": "Any news on this one?"})
            self.event("message_posted", at, role)

    def respond(self, responded, *, late):
        s, row = self.s, self.row
        frm = row["state"]
        row.update(state="mco_responded", responded_at=responded)
        s.rows["responses"].append({
            "ticket_id": self.pk, "responded_by_id": s.ids["mco"], "responded_at": responded,
            "is_late": late, "response_text": "We will reprocess the claim.",
            "plan_applies": False, "plan_text": "", "resolve_by": None,
            "representative_name": "Rita Rep", "representative_phone": "312-555-0199",
            "representative_email": "rita@mco.example.test"})
        self.event("responded_late" if late else "responded", responded, "mco", frm=frm,
                   to="mco_responded")
        self.answer(responded)

    # --- The provider's answer, HFS review (R-FLOW-5, R-FLOW-6) ------------------------

    def answer(self, responded):
        rng, s = self.rng, self.s
        answer_due = self.due_at("provider_answer", responded)
        review_due = self.due_at("review_request", responded)
        roll = 0.9 if self.stuck == "decision" else rng.random()
        acted = None if 0.4 <= roll < 0.75 else responded + DAY * rng.uniform(0.2, 4)
        if acted is not None and acted > answer_due:
            acted = None
        if acted is None:  # neither accepts nor contests: deemed accepted when due
            deemed = answer_due + SWEEP
            self.clock("provider_answer", responded)
            self.clock("review_request", responded, deemed, "stopped")
            if deemed <= self.now:
                self.close(deemed, "deemed_accepted", "deemed_accepted", "system",
                           frm="mco_responded")
            return
        if not self.happened(acted):
            self.clock("provider_answer", responded)
            self.clock("review_request", responded)
            return
        if roll < 0.4:
            self.clock("provider_answer", responded, acted, "stopped")
            self.clock("review_request", responded, acted, "stopped")
            self.close(acted, "accepted", "accepted", "provider", frm="mco_responded")
            return
        self.clock("provider_answer", responded, acted, "met")
        self.row["state"] = "contested"
        s.rows["contacts"].append({
            "ticket_id": self.pk, "contacted_on": acted.astimezone(s.central).date(),
            "method": "phone", "outcome": "No change.", "recorded_by_id": s.ids[self.filer],
            "recorded_at": acted})
        self.event("contested", acted, "provider", frm="mco_responded", to="contested")
        asked = None
        if self.stuck == "decision" or rng.random() < 0.6:
            asked = min(acted + DAY * rng.uniform(1, 20), review_due - HOUR)
        if self.happened(asked):
            self.clock("review_request", responded, asked, "met")
            self.review(asked)
            return
        self.clock("review_request", responded)
        if review_due + SWEEP <= self.now:  # no review requested in 30 days
            self.close(review_due + SWEEP, "no_review_requested", "closed", "system",
                       frm="contested")

    def review(self, asked):
        rng, s, row = self.rng, self.s, self.row
        row.update(state="hfs_review", review_requested_at=asked)
        self.event("review_requested", asked, "provider", frm="contested", to="hfs_review")
        due_at = self.due_at("review_submissions", asked)
        done = []
        for party in ("provider", "mco"):
            completed = asked + DAY * rng.uniform(2, 35)
            if completed > due_at or not self.happened(completed):
                completed = None
            done.append(completed)
            s.rows["submissions"].append({
                "ticket_id": self.pk, "party": party, "statement": "Our side.",
                "contacts": "", "updated_by_id": s.ids[
                    self.filer if party == "provider" else "mco"],
                "updated_at": completed or asked, "completed_at": completed})
            if completed:
                self.event("review_submission_completed", completed, party)
        record = max(done) if all(done) else None
        self.clock("review_submissions", asked, record)
        if record is None and due_at + SWEEP <= self.now:
            record = due_at + SWEEP  # the 30 days ended: the record closes
        if record is None:
            return
        row["record_closed_at"] = record
        self.event("review_record_closed", record, "system")
        self.decide(record)

    def decide(self, record):
        rng, s, row = self.rng, self.s, self.row
        decided = None if self.stuck == "decision" else record + DAY * (
            rng.choice([3, 7, 14, 21, 28, 35, 45]) + rng.random())
        if not self.happened(decided):
            decided = None
        decision = self.clock("hfs_decision", record, decided, "met")
        row["decision_due"] = decision.due_at
        if decision.expired:
            self.mark("decision_overdue_at", "decision_overdue", decision)
        if decided is None:
            return
        s.rows["decisions"].append({
            "ticket_id": self.pk, "outcome": rng.choice(["provider", "mco", "partly"]),
            "reasoning": "Bench.", "rests_on_contract": True, "citations": "Contract 5.1.",
            "decided_by_id": s.ids["hfs"], "decided_at": decided})
        self.close(decided, "decided", "decided", "hfs", frm="hfs_review")
        if rng.random() < 0.01:
            s.rows["investigations"].append({
                "ticket_id": self.pk, "reported_by_id": s.ids[self.filer],
                "reported_at": decided + DAY, "description": "Not paid yet.",
                "status": "open"})


# --- Loading -------------------------------------------------------------------------------


def setup_people(providers=PROVIDERS):
    """The reference data, the bench's people, ``providers`` providers (the billing agent
    represents the first ``AGENT_PROVIDERS``, another provider user files for the rest);
    returns the ids the Seeder writes into its rows."""
    from django.utils import timezone

    from portal.models import MCO, ComplaintType
    from portal.reference_data import load_reference_data
    from registration.models import Provider, ProviderMembership
    from registration.validators import normalise_address
    from tests import factories

    load_reference_data()
    agent = factories.provider_user(email=EMAILS["agent"])
    filer = factories.provider_user(email=EMAILS["filer"])
    hfs = factories.hfs_staff(email=EMAILS["hfs"])
    mco = factories.mco_staff(MCO_SLUG, email=EMAILS["mco"])
    admin = factories.registration_admin(email=EMAILS["registration_admin"])
    requesters = [factories.provider_user(email=f"requester{i}@bench.invalid").pk
                  for i in range(REQUESTERS)]
    rows = []
    for n in range(providers):
        street = f"{100 + n} North Main Street"
        rows.append(Provider(
            legal_name=f"Lakeside Clinic {n}", medicaid_id=f"IL{1000000 + n}",
            npi="1234567893", tax_id=f"36{1234567 + n:07d}", street=street,
            city="Springfield", state="IL", zip_code="62701",
            address_key=normalise_address(street, "Springfield", "IL", "62701")))
    ids = [p.pk for p in Provider.objects.bulk_create(rows)]
    now = timezone.now()
    ProviderMembership.objects.bulk_create(
        [ProviderMembership(user=agent, provider_id=pk, relationship="representative",
                            approved_at=now) for pk in ids[:AGENT_PROVIDERS]]
        + [ProviderMembership(user=filer, provider_id=pk, relationship="staff",
                              approved_at=now) for pk in ids[AGENT_PROVIDERS:]])
    clinic_user()
    return {"agent": agent.pk, "filer": filer.pk, "hfs": hfs.pk, "mco": mco.pk,
            "molina": mco.mco_id, "registration_admin": admin.pk, "requesters": requesters,
            "providers": ids, "mcos": list(MCO.objects.values_list("pk", flat=True)),
            "types": list(ComplaintType.objects.values_list("pk", flat=True))}


def clinic_user():
    """The clinic's own staff member: a provider user acting for one provider, the first
    one after the agent's (its tickets are a thousandth of the state's, where the agent's
    are a twentieth). Made when missing, so a database seeded before it existed gains it."""
    from django.utils import timezone

    from portal.models import User
    from registration.models import Provider, ProviderMembership
    from tests import factories

    user = User.objects.filter(email=EMAILS["clinic"]).first()
    if user is None:
        user = factories.provider_user(email=EMAILS["clinic"])
        provider = Provider.objects.order_by("pk")[AGENT_PROVIDERS]
        ProviderMembership.objects.create(user=user, provider=provider, relationship="staff",
                                          approved_at=timezone.now())
    return user


def models_by_name():
    from deadlines.models import Clock
    from tickets.models import (
        Decision,
        ExtensionRequest,
        InformationRequest,
        Investigation,
        RepresentativeContact,
        ReviewSubmission,
        TicketClaim,
        TicketEvent,
        TicketMessage,
        TicketResponse,
    )

    return {"clocks": Clock, "events": TicketEvent, "claims": TicketClaim,
            "messages": TicketMessage, "info_requests": InformationRequest,
            "extensions": ExtensionRequest, "responses": TicketResponse,
            "contacts": RepresentativeContact, "submissions": ReviewSubmission,
            "decisions": Decision, "investigations": Investigation}


def load(count, *, now, closed=0.8, batch=50_000, progress=print):
    """Seed ``count`` tickets (and count / 50 registration requests) into the current
    database, which has the portal's tables and nothing else. Returns the row counts."""
    from django.db import connection, transaction

    from bench.reports import copy_rows, reset_sequence
    from deadlines.models import Clock
    from registration.models import (
        RegistrationDecision,
        RegistrationRequest,
        RequestedIndividual,
        RequestedProvider,
    )
    from tickets.action_needed import refresh_provider_due
    from tickets.models import Ticket

    seeder = Seeder(tickets=count, now=now, ids=setup_people(), closed=closed)
    natural = seeder.calibrate()
    written = {"tickets": 0}
    models = models_by_name()
    # As pg_restore does: the big tables' secondary indexes are made again after the load
    # (the same definitions, read from pg_indexes), much faster than kept up row by row.
    indexes = drop_indexes([Ticket._meta.db_table] + [m._meta.db_table for m in (
        models["clocks"], models["events"], models["claims"], models["messages"],
        models["responses"])])
    # No foreign-key check or trigger per row (the rows are whole by construction): the
    # event's txid is set as its trigger sets it, the id of the transaction writing it.
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
    spent = {"copying": 0.0, "indexing": 0.0}
    # The next batch is lived in a thread while this one is copied (COPY waits on the
    # server without the GIL).
    for tickets, side in _ahead(seeder.batches(count, batch)):
        t0 = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id()::text::bigint")
            txid = cursor.fetchone()[0]
            for event in side["events"]:
                event["txid"] = txid
            written["tickets"] += copy_rows(Ticket, tickets)
            for name, model in models.items():
                written[name] = written.get(name, 0) + copy_rows(model, side[name])
        spent["copying"] += time.perf_counter() - t0
        progress(f"  {written['tickets']:,} tickets loaded")
    requests = seeder.registration_requests(max(MIN_REGISTRATIONS, count // 50))
    for name, model in (("requests", RegistrationRequest), ("providers", RequestedProvider),
                        ("individuals", RequestedIndividual),
                        ("decisions", RegistrationDecision)):
        written[f"registration {name}"] = copy_rows(model, requests[name])
    written["clocks"] += copy_rows(Clock, seeder.rows["clocks"])
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for definition in indexes:
            cursor.execute(definition)
    spent["indexing"] = time.perf_counter() - t0
    for model in (Ticket, RegistrationRequest, RequestedProvider, RequestedIndividual,
                  RegistrationDecision, *models.values()):
        reset_sequence(model)
    with connection.cursor() as cursor:
        for year, last in seeder.numbers.items():  # later filings number on from here
            cursor.execute("INSERT INTO tickets_ticketnumber (year, last) VALUES (%s, %s) "
                           "ON CONFLICT (year) DO UPDATE SET last = EXCLUDED.last",
                           [year, last])
    written["monthly counts"] = fill_monthly_counts()
    t0 = time.perf_counter()
    # The provider's waiting copy from the clocks as loaded, as migration 0015 of tickets
    # writes it (with the indexes back: it reads each ticket's clocks).
    written["provider waiting copies"] = refresh_provider_due()
    spent["provider waiting copies"] = time.perf_counter() - t0
    written["natural open share"] = round(natural, 3)
    written["backlog share"] = round(seeder.stuck_share, 3)
    written["seconds"] = {k: round(v, 1) for k, v in spent.items()}
    return written


def _ahead(items):
    """``items``, each made in a thread while the caller works on the one before."""
    import queue
    import threading

    made = queue.Queue(maxsize=1)
    failed = []

    def make():
        try:
            for item in items:
                made.put(item)
        except BaseException as error:  # handed to the caller
            failed.append(error)
        made.put(None)

    thread = threading.Thread(target=make, daemon=True)
    thread.start()
    while (item := made.get()) is not None:
        yield item
    thread.join()
    if failed:
        raise failed[0]


def drop_indexes(tables):
    """Drop the indexes of ``tables`` that back no constraint (primary keys and unique
    constraints stay, for the foreign keys); returns their definitions."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND "
            "tablename = ANY(%s) AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            [list(tables)])
        found = cursor.fetchall()
        for name, _definition in found:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    return [definition for _name, definition in found]


def fill_monthly_counts():
    """The monthly summary's count rows (reports.models.MonthlyCount) as a recount would
    make them, counted by SQL from the loaded rows: the HFS home's chart reads them."""
    from django.db import connection

    from reports import metrics
    from tickets.models.ticket import TRIAGE_CLOSE_REASONS

    measures = [metrics.FILED.key, metrics.PRESENTED.key, metrics.RESPONDED.key,
                metrics.REVIEW_REQUESTED.key, metrics.SANCTION_CANDIDATES.key]
    with connection.cursor() as cursor:
        cursor.execute(MONTHLY_COUNTS_SQL, [*measures, [str(r) for r in TRIAGE_CLOSE_REASONS],
                                            list(metrics.STEP_BY_KEY)])
        return cursor.rowcount


#: Each row the summary counts (month in Central time, MCO, complaint type, measure): the
#: ticket's own moments, its closing, decision, extension request and timed clocks.
MONTHLY_COUNTS_SQL = """
INSERT INTO reports_monthlycount (month, mco_id, complaint_type_id, measure, n)
SELECT date_trunc('month', at AT TIME ZONE 'America/Chicago')::date, mco_id,
       complaint_type_id, measure, count(*)
FROM (
    SELECT submitted_at AS at, mco_id, complaint_type_id, %s AS measure
        FROM tickets_ticket WHERE submitted_at IS NOT NULL
    UNION ALL SELECT presented_at, mco_id, complaint_type_id, %s
        FROM tickets_ticket WHERE presented_at IS NOT NULL
    UNION ALL SELECT responded_at, mco_id, complaint_type_id, %s
        FROM tickets_ticket WHERE responded_at IS NOT NULL
    UNION ALL SELECT review_requested_at, mco_id, complaint_type_id, %s
        FROM tickets_ticket WHERE review_requested_at IS NOT NULL
    UNION ALL SELECT sanction_candidate_at, mco_id, complaint_type_id, %s
        FROM tickets_ticket WHERE sanction_candidate_at IS NOT NULL
    UNION ALL SELECT closed_at, mco_id, complaint_type_id,
        CASE WHEN close_reason = ANY(%s) AND presented_at IS NULL
             THEN 'closed_at_triage:' || close_reason ELSE 'closed:' || close_reason END
        FROM tickets_ticket WHERE closed_at IS NOT NULL AND close_reason <> ''
    UNION ALL SELECT d.decided_at, t.mco_id, t.complaint_type_id, 'decided:' || d.outcome
        FROM tickets_decision d JOIN tickets_ticket t ON t.id = d.ticket_id
    UNION ALL SELECT e.requested_at, t.mco_id, t.complaint_type_id,
        'extension:' || e.party || ':' || e.status
        FROM tickets_extensionrequest e JOIN tickets_ticket t ON t.id = e.ticket_id
    UNION ALL SELECT c.stopped_at, t.mco_id, t.complaint_type_id,
        CASE c.outcome WHEN 'met' THEN 'met:' WHEN 'expired' THEN 'expired:'
             ELSE 'stopped:' END || c.kind
        FROM deadlines_clock c
        JOIN django_content_type ct ON ct.id = c.content_type_id
             AND ct.app_label = 'tickets' AND ct.model = 'ticket'
        JOIN tickets_ticket t ON t.id = c.object_id
        WHERE c.kind = ANY(%s) AND c.outcome <> '' AND c.stopped_at IS NOT NULL
    UNION ALL SELECT c.stopped_at, t.mco_id, t.complaint_type_id,
        CASE c.outcome WHEN 'met' THEN 'met_extended:' ELSE 'expired_extended:' END || c.kind
        FROM deadlines_clock c
        JOIN django_content_type ct ON ct.id = c.content_type_id
             AND ct.app_label = 'tickets' AND ct.model = 'ticket'
        JOIN tickets_ticket t ON t.id = c.object_id
        WHERE c.kind = 'mco_response' AND c.length > 30 AND c.outcome IN ('met', 'expired')
    UNION ALL SELECT r.responded_at, t.mco_id, t.complaint_type_id, 'responded_late'
        FROM tickets_ticketresponse r JOIN tickets_ticket t ON t.id = r.ticket_id
        WHERE r.is_late
    UNION ALL SELECT r.recorded_at, t.mco_id, t.complaint_type_id, 'contested'
        FROM tickets_representativecontact r JOIN tickets_ticket t ON t.id = r.ticket_id
    UNION ALL SELECT i.reported_at, t.mco_id, t.complaint_type_id, 'investigation_opened'
        FROM tickets_investigation i JOIN tickets_ticket t ON t.id = i.ticket_id
) counted
GROUP BY 1, 2, 3, 4
"""


def check_mirrors():
    """How many tickets and registration requests have a queue copy that differs from the
    one migrations 0011/0012 of tickets and 0004 of registration would compute from the
    clocks (the latest clock of its kind), and how many a provider's waiting copy that
    differs from ``tickets.action_needed.provider_due``: all zero, or the seeding is
    wrong."""
    from django.db import connection
    from django.db.models import F, Q

    from tickets.action_needed import provider_due
    from tickets.models import Ticket

    with connection.cursor() as cursor:
        cursor.execute(MIRRORS_SQL)
        found = dict(zip([c.name for c in cursor.description], cursor.fetchone(),
                         strict=True))
    fresh = Ticket.objects.annotate(fresh=provider_due())
    found["provider_due"] = fresh.filter(
        Q(provider_due__isnull=True, fresh__isnull=False)
        | Q(provider_due__isnull=False, fresh__isnull=True)
        | (Q(provider_due__isnull=False) & ~Q(provider_due=F("fresh")))).count()
    return found


MIRRORS_SQL = """
WITH ct AS (SELECT
    (SELECT id FROM django_content_type WHERE app_label = 'tickets' AND model = 'ticket')
        AS ticket,
    (SELECT id FROM django_content_type WHERE app_label = 'registration'
        AND model = 'registrationrequest') AS request)
SELECT
    (SELECT count(*) FROM tickets_ticket t WHERE t.triage_due IS DISTINCT FROM (
        SELECT due_at FROM deadlines_clock c WHERE c.content_type_id = (SELECT ticket FROM ct)
        AND c.object_id = t.id AND c.kind = 'triage' ORDER BY started_at DESC, id DESC
        LIMIT 1)) AS triage_due,
    (SELECT count(*) FROM tickets_ticket t WHERE t.response_due IS DISTINCT FROM (
        SELECT due_at FROM deadlines_clock c WHERE c.content_type_id = (SELECT ticket FROM ct)
        AND c.object_id = t.id AND c.kind = 'mco_response' ORDER BY started_at DESC, id DESC
        LIMIT 1)) AS response_due,
    (SELECT count(*) FROM tickets_ticket t WHERE t.decision_due IS DISTINCT FROM (
        SELECT due_at FROM deadlines_clock c WHERE c.content_type_id = (SELECT ticket FROM ct)
        AND c.object_id = t.id AND c.kind = 'hfs_decision' ORDER BY started_at DESC, id DESC
        LIMIT 1)) AS decision_due,
    (SELECT count(*) FROM registration_registrationrequest r WHERE r.target_due
        IS DISTINCT FROM (SELECT due_at FROM deadlines_clock c
        WHERE c.content_type_id = (SELECT request FROM ct) AND c.object_id = r.id
        AND c.kind = 'registration' ORDER BY id DESC LIMIT 1)) AS target_due
"""
