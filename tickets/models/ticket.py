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
from django.db.models.functions import Upper
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from deadlines.days import short_date
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
    def visible_to(self, user, *, listed=False):
        """R-SEC-1: the tickets a person may see. A provider user: their approved
        providers' tickets; MCO staff: their MCO's tickets once presented; HFS staff: every
        ticket past draft. Anyone else: none.

        ``listed``: for a person whose only role is provider, their providers also given
        as a list (``of_providers``; one small query), for a query that walks an order
        and is prepared on its connection (the All-tickets page's keys)."""
        from registration.memberships import approved_provider_ids

        roles = access.roles_of(user)
        if access.Role.HFS in roles:
            return self.exclude(state=State.DRAFT)
        visible = Q(pk__in=[])
        if access.Role.PROVIDER in roles:
            visible |= Q(provider_id__in=approved_provider_ids(user))
        if access.Role.MCO in roles and user.mco_id:
            visible |= Q(mco_id=user.mco_id, presented_at__isnull=False)
        tickets = self.filter(visible)
        if listed and roles == {access.Role.PROVIDER}:
            tickets = tickets.of_providers(
                approved_provider_ids(user).values_list("provider_id", flat=True))
        return tickets

    def of_providers(self, provider_ids):
        """Narrowed to these providers' tickets, the ids given as a list. A hint for the
        planner on a provider user's pages, never an access rule of its own (that stays
        ``visible_to``): from the memberships subquery alone PostgreSQL assumes an average
        person's number of providers, so a prepared statement's generic plan for a clinic
        of one provider walked the whole state's tickets in the page's order (issue 14: the
        All-tickets page 27 → 95 ms at 1M after its tenth request). Not for the API's feed,
        where a billing agent's plans then read all its providers' events: there each
        poll is planned for its person (``api.feed.read``)."""
        return self.filter(provider_id__in=list(provider_ids))


class TicketNumber(models.Model):
    """The last ticket number given out in a year (PRP-2026-000123).

    On PostgreSQL the numbers come from one sequence per year (``tickets_number_<year>``,
    started after this row's ``last``): ``nextval`` holds no row lock until the commit, so
    concurrent filings do not queue behind one counter row (bench/concurrent_filing.py).
    A filing that rolls back leaves a gap in the numbers; a number is never given twice.
    On SQLite (one writer at a time) the row itself counts.
    """

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"

    @classmethod
    def next_for(cls, year):
        from django.db import connection

        if connection.vendor == "postgresql":
            return f"PRP-{year}-{cls._next_from_sequence(year):06d}"
        with transaction.atomic():
            cls.objects.get_or_create(year=year)
            row = cls.objects.select_for_update().get(year=year)
            row.last += 1
            row.save(update_fields=["last"])
        return f"PRP-{year}-{row.last:06d}"

    @classmethod
    def _next_from_sequence(cls, year):
        from django.db import DatabaseError, connection

        name = f"tickets_number_{int(year)}"
        for _ in range(2):
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute("SELECT nextval(%s)", [name])
                    return cursor.fetchone()[0]
            except DatabaseError:
                # The year's first filing: make its sequence, after any numbers given by
                # the counter row before (a concurrent first filing may make it too).
                start = (cls.objects.filter(year=year).values_list("last", flat=True).first()
                         or 0) + 1
                try:
                    with transaction.atomic(), connection.cursor() as cursor:
                        cursor.execute(
                            f"CREATE SEQUENCE IF NOT EXISTS {connection.ops.quote_name(name)} "
                            f"START WITH {int(start)}"
                        )
                except DatabaseError:
                    pass
        raise DatabaseError(f"No ticket number sequence for {year}.")


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
    # R-FILE-4: when the MCO reported the tracking number unknown (HFS then closes).
    tracking_reported_unknown_at = models.DateTimeField(null=True, blank=True)
    # The moment of the ticket's latest timeline event (``record``): the API's "updated
    # since" filter (issue 13).
    updated_at = models.DateTimeField(null=True, blank=True)
    # Copies of the triage and MCO-response clocks' due moments, written by
    # deadlines.clocks whenever a due moment is set or moves (ClockKind.mirror). The queues
    # order by them with the tie-breaker in the same index, so a page is read from the
    # index and the walk stops after it, whatever the history (issue 14).
    triage_due = models.DateTimeField(null=True, blank=True, editable=False)
    response_due = models.DateTimeField(null=True, blank=True, editable=False)
    decision_due = models.DateTimeField(null=True, blank=True, editable=False)
    # While the ticket waits on its provider, the due moment of the clock it waits on; null
    # otherwise. Kept by tickets.action_needed whenever those clocks start, end or move
    # (deadlines.kinds.on_change) and after each workflow step: the provider's home reads
    # what waits on them in due order from one index, whatever their open work (issue 14).
    provider_due = models.DateTimeField(null=True, blank=True, editable=False)

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
            # (mco, state) for the MCO queue, and the filed date after them for the All-tickets
            # page's MCO + status + dates filters (issue 11: 138 → 50 ms at 1M tickets).
            models.Index(fields=["mco", "state", "submitted_at"],
                         name="ticket_mco_state_filed_idx"),
            models.Index(fields=["provider", "state"], name="ticket_provider_state_idx"),
            # The All-tickets page of a provider user, filed newest first (its default): a
            # page's keys read index-only per provider, then sorted (issue 14: 70 → 3 ms for
            # an agent of 10,000 tickets at 100k, where it joined and sorted every one).
            # Not partial: with drafts left out, PostgreSQL took it for HFS's full-text
            # searches on small tables over the GIN index; the state it carries (INCLUDE)
            # keeps the drafts' test index-only.
            models.Index(fields=["provider", "submitted_at", "id"], include=["state"],
                         name="ticket_provider_filed_idx"),
            models.Index(fields=["-created_at"], name="ticket_created_idx"),
            # A provider user's home, their newest tickets first: read per provider. Through
            # ticket_created_idx, a clinic with one provider of a thousand walked the whole
            # state's newest tickets to find its own 25 (issue 14: 20,202 rows, 33 ms at 1M;
            # the whole index for a provider without recent tickets).
            models.Index(fields=["provider", "-created_at"], name="ticket_provider_created_idx"),
            # Find any ticket (issue 11, tickets/search.py): the search by tracking number
            # (iexact compares UPPER()), and each sort order of the All-tickets page read
            # in order from an index. Two more are PostgreSQL's only, made by migration
            # 0007: the description's full-text GIN index, and "closed, newest first,
            # open tickets last" (SQLite has neither GIN nor NULLS LAST in an index).
            models.Index(Upper("tracking_number"), name="ticket_tracking_upper_idx"),
            models.Index(fields=["submitted_at", "id"], name="ticket_submitted_idx"),
            models.Index(fields=["closed_at", "id"], name="ticket_closed_idx"),
            models.Index(fields=["submitted_at"], name="ticket_sanction_idx",
                         condition=Q(sanction_candidate_at__isnull=False)),
            # The queues (issue 14): the triage queue and the MCO queue's filters, each read in
            # order from its own partial index, tie-breaker and id included.
            # Its "assigned to me" and "one MCO" filters read from the index (INCLUDE).
            models.Index(fields=["triage_due", "submitted_at", "id"],
                         name="ticket_triage_queue_idx", include=["assigned_to", "mco"],
                         condition=Q(state="submitted")),
            # The action queue's filters (state, type, assignee, not yet answered) are read
            # from the index itself (PostgreSQL's INCLUDE): the capped count and a filtered
            # page are index-only walks, never a bitmap of every ticket in those states.
            models.Index(fields=["mco", "response_due", "presented_at", "id"],
                         name="ticket_mco_action_queue_idx",
                         include=["state", "complaint_type", "mco_assigned_to", "responded_at"],
                         condition=Q(state__in=["with_mco", "awaiting_provider_info"])),
            models.Index(fields=["mco", "response_due", "presented_at", "id"],
                         name="ticket_mco_open_queue_idx",
                         condition=Q(presented_at__isnull=False) & ~Q(state="closed")),
            models.Index(fields=["mco", "response_due", "presented_at", "id"],
                         name="ticket_mco_queue_idx", condition=Q(presented_at__isnull=False)),
            models.Index(fields=["decision_due", "review_requested_at", "id"],
                         name="ticket_review_queue_idx", condition=Q(state="hfs_review")),
            # The HFS home's "Decisions overdue": a count that reads only the overdue ones.
            models.Index(fields=["decision_due", "id"], name="ticket_decision_overdue_idx",
                         condition=Q(state="hfs_review", decision_overdue_at__isnull=False)),
            # The HFS home's "MCO responses overdue, not yet answered" and the overdue list.
            models.Index(fields=["sanction_candidate_at", "id"],
                         name="ticket_overdue_response_idx",
                         condition=Q(sanction_candidate_at__isnull=False,
                                     responded_at__isnull=True) & ~Q(state="closed")),
            models.Index(fields=["sanction_candidate_at", "id"], name="ticket_sanctions_idx",
                         condition=Q(sanction_candidate_at__isnull=False)),
            # The provider's home: what waits on the provider, soonest first (issue 14).
            models.Index(fields=["provider", "provider_due", "id"],
                         name="ticket_provider_waiting_idx",
                         condition=Q(provider_due__isnull=False)),
            # The API's ticket lists: an MCO's presented tickets, newest first (issue 13).
            models.Index(fields=["mco", "-id"], name="ticket_api_mco_idx",
                         condition=Q(presented_at__isnull=False)),
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

    def record(self, action, *, by, role="", to_state="", note="", internal=False, at=None):
        """One timeline event. The role is the actor's real one on this ticket (R-SEC-2:
        never what the caller claims); ``role`` is used only for the system and for the
        party a person speaks for where they hold both sides."""
        from portal import audit, permissions
        from tickets.models.events import TicketEvent

        if by is not None:
            role = permissions.role_on(by, self) or role
        event = TicketEvent.objects.create(
            ticket=self, action=action, from_state=self.state, to_state=to_state,
            actor=by, role=role or "system", at=at or timezone.now(), note=note,
            internal=internal,
        )
        if self.pk and (self.updated_at is None or event.at > self.updated_at):
            self.updated_at = event.at
            type(self).objects.filter(pk=self.pk).update(updated_at=event.at)
        # R-SEC-2: every change, whatever the path (view, admin, command, task, API), in
        # the same transaction as the event. The detail names the step, never its text.
        moved = f": {self.state} → {to_state}" if to_state and to_state != self.state else ""
        audit.write(user=by, action=action, object_type=audit.TICKET, object_id=self.pk,
                    detail=f"{self.number or 'draft'} as {event.role}{moved}")
        return event

    def open_deadline(self, kind, at, refusal):
        """The running clock of ``kind`` if its due moment has not passed at ``at``
        (R-CLK-2, R-CLK-5: whatever the sweep has done); otherwise refuse with
        ``refusal``, where ``{date}`` is the clock's last day."""
        from deadlines.clocks import latest_clock, open_clock

        clock = open_clock(self, kind.key, at)
        if clock is not None:
            return clock
        last = latest_clock(self, kind.key)
        raise ValidationError(refusal.format(
            date=short_date(last.due_date) if last else "earlier"))

    def _deadline_passed(self, kind, at):
        """For the engine's transitions: the clock of ``kind`` ran out before ``at``."""
        from deadlines.clocks import latest_clock

        last = latest_clock(self, kind.key)
        if last is None or not last.has_passed(at):
            raise ValidationError(
                f"The {kind.label.lower()} deadline has not passed; only the deadline "
                "engine closes a ticket for it, after its due moment."
            )

    def _require(self, predicate, by, action):
        from portal import permissions

        permissions.require(predicate, by, self, action=action)

    # --- Transitions (SPEC §4) ------------------------------------------------------------

    def take_number(self):
        """The ticket's number, given out last in the filing's transaction: the year's
        counter row stays locked from here to the commit, so the shorter that is, the more
        filings go through at once (bench/concurrent_filing.py)."""
        if not self.number:
            self.number = TicketNumber.next_for(timezone.localtime(self.submitted_at).year)
            Ticket.objects.filter(pk=self.pk).update(number=self.number)

    @transition(field=state, source=State.DRAFT, target=State.SUBMITTED)
    def submit(self, *, by, at):
        """The provider files the ticket: every filing rule is checked again now. Its
        number comes last (``take_number``)."""
        from tickets.rules import check_ready_to_submit

        check_ready_to_submit(self, by=by, on=timezone.localtime(at).date())
        self.submitted_at, self.submitted_by = at, by
        self.record("submitted", by=by, role="provider", to_state=State.SUBMITTED, at=at)

    @transition(field=state, source=State.SUBMITTED, target=State.WITH_MCO)
    def present(self, *, by, at, note=""):
        """R-FLOW-1: HFS found the ticket complete and presents it to the MCO."""
        from portal.permissions import is_hfs
        from tickets.clock_kinds import TRIAGE

        self._require(is_hfs, by, "present a ticket to the MCO")
        self._mark_if_late(TRIAGE, "triage_overdue_at", at)
        self.presented_at, self.presented_by = at, by
        self.record("presented", by=by, role="hfs", to_state=State.WITH_MCO, at=at, note=note)

    @transition(field=state, source=State.SUBMITTED, target=State.CLOSED)
    def close_at_triage(self, *, by, at, reason, note=""):
        """R-FLOW-1: HFS closes an incomplete or invalid ticket with the reason."""
        from portal.permissions import is_hfs

        self._require(is_hfs, by, "close a ticket at triage")
        if reason not in TRIAGE_CLOSE_REASONS:
            raise ValidationError("Choose one of the reasons in the list.")
        self._close(reason, note, at)
        self.record("closed", by=by, role="hfs", to_state=State.CLOSED, at=at,
                    note=self._close_summary())

    def report_unknown_tracking_number(self, *, by, at, note):
        """R-FILE-4: the MCO reports that it does not know the ticket's tracking number.
        Not a change of state: HFS then closes the ticket (``close_for_invalid_tracking``)."""
        from portal.permissions import is_ticket_mco

        self._require(is_ticket_mco, by, "report the tracking number as unknown")
        self.require_open()
        if self.state not in (State.WITH_MCO, State.AWAITING_PROVIDER_INFO):
            raise ValidationError(
                "The tracking number can be reported unknown only while the MCO is preparing "
                "its response."
            )
        if self.tracking_reported_unknown_at is not None:
            raise ValidationError("The tracking number was already reported unknown.")
        if not (note or "").strip():
            raise ValidationError(
                "Say what you checked: where you looked for the tracking number and what "
                "you found."
            )
        self.tracking_reported_unknown_at = at
        self.record("tracking_number_reported_unknown", by=by, role="mco", at=at,
                    note=note.strip())

    @transition(field=state, source=[State.WITH_MCO, State.AWAITING_PROVIDER_INFO],
                target=State.CLOSED)
    def close_for_invalid_tracking(self, *, by, at, note=""):
        """R-FILE-4: HFS closes a presented ticket whose tracking number the MCO reported
        unknown; the MCO's report stays on the timeline."""
        from portal.permissions import is_hfs

        self._require(is_hfs, by, "close a ticket for an invalid tracking number")
        if self.tracking_reported_unknown_at is None:
            raise ValidationError(
                "The MCO has not reported this tracking number as unknown; close a presented "
                "ticket for it only after that report."
            )
        self._close(CloseReason.INVALID_TRACKING, note, at)
        self.record("closed", by=by, role="hfs", to_state=State.CLOSED, at=at,
                    note=self._close_summary())

    @transition(field=state, source=State.WITH_MCO, target=State.AWAITING_PROVIDER_INFO)
    def request_information(self, *, by, at, request_text):
        """R-FLOW-3: only within 5 business days of receiving the ticket."""
        from portal.permissions import is_ticket_mco
        from tickets.clock_kinds import INFO_WINDOW

        self._require(is_ticket_mco, by, "request information from the provider")
        self.open_deadline(INFO_WINDOW, at, "The 5-business-day window to request information "
                           "closed on {date}; information can no longer be requested.")
        if not (request_text or "").strip():
            raise ValidationError("Say what information is needed.")
        from tickets.models.exchange import InformationRequest

        InformationRequest.objects.create(ticket=self, requested_by=by, requested_at=at,
                                          request_text=request_text.strip())
        self.record("information_requested", by=by, role="mco",
                    to_state=State.AWAITING_PROVIDER_INFO, at=at, note=request_text.strip())

    @transition(field=state, source=State.AWAITING_PROVIDER_INFO, target=State.WITH_MCO)
    def answer_information(self, *, by, at, answer_text, already_sent=False, evidence=0):
        """R-FLOW-3: the information within 5 business days, or a statement that the MCO
        already has it, with ``evidence`` (the number of files attached with the answer)."""
        from portal.permissions import is_ticket_provider
        from tickets.clock_kinds import PROVIDER_INFO

        self._require(is_ticket_provider, by, "answer the MCO's information request")
        self.open_deadline(PROVIDER_INFO, at, "The 5 business days to send the information "
                           "ended on {date}, so the ticket closes for no response.")
        if not (answer_text or "").strip():
            raise ValidationError(
                "Write your answer, or explain when and how the information was already sent "
                "to the MCO."
            )
        if already_sent and not evidence:
            raise ValidationError("Attach the evidence that the MCO already had it.")
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
    def close_for_no_information(self, *, at):
        """R-FLOW-3: no answer within 5 business days (the deadline engine, after the due
        moment)."""
        from tickets.clock_kinds import PROVIDER_INFO

        self._deadline_passed(PROVIDER_INFO, at)
        self._close(CloseReason.NO_INFORMATION, "", at)
        self.record("closed", by=None, role="system", to_state=State.CLOSED, at=at,
                    note=self._close_summary())

    @transition(field=state, source=State.WITH_MCO, target=State.CLOSED)
    def close_for_incomplete_information(self, *, by, at, note):
        """R-FLOW-3: HFS or the MCO finds the provider's answer incomplete. Only after the
        provider answered, and before the MCO's response."""
        from portal.permissions import hfs_or_ticket_mco

        self._require(hfs_or_ticket_mco, by, "close a ticket for incomplete information")
        if not self.information_requests.filter(answered_at__isnull=False).exists():
            raise ValidationError(
                "The provider has not answered an information request, so there is no answer "
                "to find incomplete."
            )
        if not (note or "").strip():
            raise ValidationError("Say what is missing from the provider's answer.")
        self._close(CloseReason.INFORMATION_INCOMPLETE, note.strip(), at)
        self.record("closed", by=by, role="hfs", to_state=State.CLOSED, at=at,
                    note=self._close_summary())

    @transition(field=state, source=[State.WITH_MCO, State.AWAITING_PROVIDER_INFO],
                target=State.MCO_RESPONDED)
    def respond(self, *, by, at, response):
        """R-FLOW-2: the MCO's written response: the response to the complaint, the plan
        and its date when a plan applies, and the provider service representative's name
        and contact. After the due moment it is accepted, recorded late, and the ticket is
        marked a sanction candidate, whether or not the sweep got there first.
        ``response``: the fields of ``TicketResponse``."""
        from portal.permissions import is_ticket_mco
        from tickets.clock_kinds import MCO_RESPONSE
        from tickets.models.exchange import TicketResponse

        self._require(is_ticket_mco, by, "send the MCO's written response")
        response = dict(response or {})
        problems = []
        if not (response.get("response_text") or "").strip():
            problems.append("Write the response to the complaint.")
        if not (response.get("representative_name") or "").strip():
            problems.append("Name the provider service representative for follow-up.")
        if not ((response.get("representative_phone") or "").strip()
                or (response.get("representative_email") or "").strip()):
            problems.append("Give the representative's phone number or e-mail address.")
        resolve_by = response.get("resolve_by")
        if response.get("plan_applies") and not (
            (response.get("plan_text") or "").strip() and resolve_by
        ):
            problems.append("A plan applies: describe the plan and the date by which it will "
                            "be resolved.")
        if resolve_by and resolve_by < timezone.localtime(at).date():
            problems.append("The resolution date cannot be in the past.")
        if problems:
            raise ValidationError(problems)
        late = self._mark_if_late(MCO_RESPONSE, "sanction_candidate_at", at)
        TicketResponse.objects.create(ticket=self, responded_by=by, responded_at=at,
                                      is_late=late, **response)
        self.responded_at = at
        self.record("responded_late" if late else "responded", by=by, role="mco",
                    to_state=State.MCO_RESPONDED, at=at, note=response["response_text"])

    @transition(field=state, source=State.MCO_RESPONDED, target=State.CLOSED)
    def accept(self, *, by, at):
        """R-FLOW-5: the provider accepts the response, within 5 business days."""
        from portal.permissions import is_ticket_provider
        from tickets.clock_kinds import PROVIDER_ANSWER

        self._require(is_ticket_provider, by, "accept the MCO's response")
        self.open_deadline(PROVIDER_ANSWER, at, "The 5 business days to accept or contest "
                           "ended on {date}; the response is deemed accepted.")
        self._close(CloseReason.ACCEPTED, "", at)
        self.record("accepted", by=by, role="provider", to_state=State.CLOSED, at=at)

    @transition(field=state, source=State.MCO_RESPONDED, target=State.CLOSED)
    def deem_accepted(self, *, at):
        """R-FLOW-5: not contested within 5 business days of the response (the engine)."""
        from tickets.clock_kinds import PROVIDER_ANSWER

        self._deadline_passed(PROVIDER_ANSWER, at)
        self._close(CloseReason.DEEMED_ACCEPTED, "", at)
        self.record("deemed_accepted", by=None, role="system", to_state=State.CLOSED, at=at)

    @transition(field=state, source=State.MCO_RESPONDED, target=State.CONTESTED)
    def contest(self, *, by, at, contact):
        """R-FLOW-5: the provider first contacted the MCO's provider representative named in
        the response; ``contact``: the date, how and outcome of that contact."""
        from portal.permissions import is_ticket_provider
        from tickets.clock_kinds import PROVIDER_ANSWER
        from tickets.models.review import RepresentativeContact

        self._require(is_ticket_provider, by, "contest the MCO's response")
        self.open_deadline(PROVIDER_ANSWER, at, "The 5 business days to accept or contest "
                           "ended on {date}; the response is deemed accepted.")
        contact = dict(contact or {})
        problems = []
        contacted_on = contact.get("contacted_on")
        if contacted_on is None:
            problems.append("Enter the date you contacted the MCO's provider representative.")
        elif contacted_on > timezone.localtime(at).date():
            problems.append("The date of the contact cannot be in the future.")
        elif self.responded_at and contacted_on < timezone.localtime(self.responded_at).date():
            problems.append("The contact must come after the MCO's response: contact the "
                            "representative it names first.")
        if contact.get("method") not in RepresentativeContact.Method.values:
            problems.append("Say how you contacted the representative.")
        if not (contact.get("outcome") or "").strip():
            problems.append("Say what came of the contact with the representative.")
        if problems:
            raise ValidationError(problems)
        contact["outcome"] = contact["outcome"].strip()
        RepresentativeContact.objects.create(ticket=self, recorded_by=by, recorded_at=at,
                                             **contact)
        method = RepresentativeContact.Method(contact["method"]).label.lower()
        self.record("contested", by=by, role="provider", to_state=State.CONTESTED, at=at,
                    note=f"Contacted the MCO's representative on {short_date(contacted_on)} "
                    f"by {method}: {contact['outcome']}")

    @transition(field=state, source=State.CONTESTED, target=State.HFS_REVIEW)
    def request_review(self, *, by, at):
        """R-FLOW-5: within 30 calendar days of the MCO response."""
        from portal.permissions import is_ticket_provider
        from tickets.clock_kinds import REVIEW_REQUEST

        self._require(is_ticket_provider, by, "ask for HFS review")
        self.open_deadline(REVIEW_REQUEST, at, "The 30 days to ask for HFS review after the "
                           "MCO's response ended on {date}.")
        self.review_requested_at = at
        self.record("review_requested", by=by, role="provider", to_state=State.HFS_REVIEW,
                    at=at)

    @transition(field=state, source=State.CONTESTED, target=State.CLOSED)
    def lapse_review_request(self, *, at):
        """R-FLOW-5: no review requested within 30 calendar days (the engine)."""
        from tickets.clock_kinds import REVIEW_REQUEST

        self._deadline_passed(REVIEW_REQUEST, at)
        self._close(CloseReason.NO_REVIEW_REQUESTED, "", at)
        self.record("closed", by=None, role="system", to_state=State.CLOSED, at=at,
                    note=self._close_summary())

    @transition(field=state, source=State.HFS_REVIEW, target=State.CLOSED)
    def decide(self, *, by, at, decision):
        """R-FLOW-6, R-FLOW-7: the written HFS decision is final and closes the ticket. It
        states the outcome and the reasoning, and rests on at least one cited basis:
        contract terms, written HFS policy, or state and federal law."""
        from portal.permissions import is_hfs
        from tickets.clock_kinds import HFS_DECISION
        from tickets.models.review import Decision

        self._require(is_hfs, by, "issue the HFS decision")
        if self.record_closed_at is None:
            raise ValidationError(
                "The review record is still open: the decision comes after both parties have "
                "completed their submissions or the 30 days for them have ended."
            )
        decision = dict(decision or {})
        problems = []
        if decision.get("outcome") not in Decision.Outcome.values:
            problems.append("Choose the outcome of the decision.")
        if not (decision.get("reasoning") or "").strip():
            problems.append("Write the reasoning of the decision.")
        if not any(decision.get(k) for k in ("rests_on_contract", "rests_on_policy",
                                             "rests_on_law")):
            problems.append(
                "Say what the decision rests on: the contract terms, written HFS policies "
                "and procedures, or state and federal law (at least one)."
            )
        if not (decision.get("citations") or "").strip():
            problems.append("Cite the terms, policies or laws it rests on.")
        if problems:
            raise ValidationError(problems)
        self._mark_if_late(HFS_DECISION, "decision_overdue_at", at)
        made = Decision.objects.create(ticket=self, decided_by=by, decided_at=at, **decision)
        summary = f"{made.get_outcome_display()}."
        self._close(CloseReason.DECIDED, summary, at)
        self.record("decided", by=by, role="hfs", to_state=State.CLOSED, at=at, note=summary)

    # --- Helpers --------------------------------------------------------------------------

    def _mark_if_late(self, kind, mark, at):
        """True when the clock of ``kind`` had run out by ``at``; the ticket then carries
        the step's overdue mark (``mark``), set once, as the engine would have set it."""
        from deadlines.clocks import latest_clock

        clock = latest_clock(self, kind.key)
        late = clock is not None and clock.has_passed(at)
        if late and getattr(self, mark) is None:
            setattr(self, mark, clock.due_at)
        return late

    def _close(self, reason, note, at):
        self.close_reason, self.close_note, self.closed_at = reason, note or "", at

    def _close_summary(self):
        label = CloseReason(self.close_reason).label
        return f"{label}. {self.close_note}".strip() if self.close_note else label
