"""Every report measure, in one place (SPEC §6, issue 11; docs/decisions/0008).

Two halves that share the definitions below:

* **What one ticket counts in** (``ticket_keys``): a pure function of a ``TicketData``
  record, which ``reports.summaries`` loads and stores as the ticket's keys, then adds to
  the summary tables.
* **Reading the sums back** (``Scope``, ``read_counts``, ``volume_rows``, ``timeliness_rows``,
  ``duration_rows``...) for the pages, the exports, the PDF and the public report.

Months are calendar months in Central time (R-CLK-2). A measure counts in the month its
event happened: a ticket filed in January and answered in March counts as filed in January
and as responded in March. Timeliness is the stored clock outcomes (R-CLK-5): on time =
``met``, late = ``expired`` (a clock ended by an action after its due moment is stored
expired), counted in the month the clock ended; ``stopped`` and ``cancelled`` mean the step
did not happen (the ticket closed first) and never enter a rate. Outage relief (issue 15,
docs/decisions/0014): a clock that an outage's relief moved counts by its outcome against
its new due moment (met is met); a clock that had already expired inside the outage counts
as ``relief``, never as late, and neither it nor the sanction-candidate mark it brought
enters a rate or a count of missed deadlines.
"""

from __future__ import annotations

import datetime
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Sum
from django.utils import timezone

from deadlines import calendar
from deadlines.calendar import CENTRAL
from tickets import clock_kinds as ck
from tickets.models.ticket import TRIAGE_CLOSE_REASONS, CloseReason

# --- Months ------------------------------------------------------------------------------


def local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment, CENTRAL).date()


def month_of(moment: datetime.datetime) -> datetime.date:
    """The first day of the Central-time month of ``moment``."""
    return local_day(moment).replace(day=1)


def add_months(month: datetime.date, n: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def month_start(month: datetime.date) -> datetime.datetime:
    """The first moment of ``month`` in Central time."""
    return datetime.datetime.combine(month, datetime.time.min, tzinfo=CENTRAL)


def month_label(month: datetime.date) -> str:
    """"Jan 2027": the one way a month is written in the reports."""
    return f"{month:%b} {month.year}"


# --- The measures -------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """A count. ``key`` is the stored measure, or for a group (``group=True``) the prefix
    of the stored measures it sums ("decided:" sums every outcome). ``for_mco``: shown on
    the MCO scorecard (measures before presentation are not: MCO staff see a ticket only
    once it is presented, R-SEC-1)."""

    key: str
    label: str
    definition: str
    group: bool = False
    for_mco: bool = True

    def value(self, counts: dict[str, int]) -> int:
        if self.group:
            return sum(n for key, n in counts.items() if key.startswith(self.key))
        return counts.get(self.key, 0)


FILED = Measure(
    "filed", "Filed",
    "Tickets a provider submitted, counted in the month of submission. Drafts are not "
    "counted.", for_mco=False)
PRESENTED = Measure(
    "presented", "Presented to the MCO",
    "Tickets HFS found complete and presented to the MCO, in the month presented.")
CLOSED_AT_TRIAGE = Measure(
    "closed_at_triage:", "Closed at triage",
    "Tickets HFS closed before presenting them (incomplete, invalid tracking number, outside "
    "the filing window, duplicate and the other triage reasons), in the month closed.",
    group=True, for_mco=False)
RESPONDED = Measure(
    "responded", "MCO responded",
    "Written MCO responses, in the month the response was sent.")
RESPONDED_LATE = Measure(
    "responded_late", "Responded late",
    "MCO responses sent after their due moment (the response deadline had expired).")
ACCEPTED = Measure(
    "closed:accepted", "Accepted",
    "Tickets the provider closed by accepting the MCO's response, in the month closed.")
DEEMED_ACCEPTED = Measure(
    "closed:deemed_accepted", "Deemed accepted",
    "Tickets closed because the provider did not accept or contest the response within 5 "
    "business days, in the month closed.")
CONTESTED = Measure(
    "contested", "Contested",
    "Responses the provider contested after contacting the MCO's representative, in the "
    "month contested.")
REVIEW_REQUESTED = Measure(
    "review_requested", "HFS review requested",
    "Contested tickets for which the provider asked HFS to review, in the month asked.")
DECIDED = Measure(
    "decided:", "Decided by HFS",
    "Written HFS decisions, in the month decided (any outcome).", group=True)
SANCTION_CANDIDATES = Measure(
    "sanction_candidate", "Sanction candidates",
    "Tickets marked as sanction candidates because the MCO's response deadline passed "
    "without a response, in the month marked.")
INVESTIGATIONS = Measure(
    "investigation_opened", "Investigations opened",
    "Reports of an unfinished resolution that opened an HFS investigation, in the month "
    "reported.", for_mco=False)

VOLUME_MEASURES = (
    FILED, PRESENTED, CLOSED_AT_TRIAGE, RESPONDED, RESPONDED_LATE, ACCEPTED,
    DEEMED_ACCEPTED, CONTESTED, REVIEW_REQUESTED, DECIDED, SANCTION_CANDIDATES,
)


def volume_measures(for_mco=False):
    return [m for m in VOLUME_MEASURES if m.for_mco or not for_mco]


#: The decision's outcomes, for the "decided:<outcome>" measures.
def decision_outcomes():
    from tickets.models.review import Decision

    return list(Decision.Outcome.choices)


def close_reason_measure(reason: str, presented: bool) -> str:
    """A closed ticket counts in "closed_at_triage:<reason>" when HFS closed it before
    presenting it, and in "closed:<reason>" otherwise."""
    if reason in TRIAGE_CLOSE_REASONS and not presented:
        return f"closed_at_triage:{reason}"
    return f"closed:{reason}"


# --- The steps and their deadlines ---------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """A step with a deadline whose timeliness the reports measure: its clock kind
    (``key``), its wording, and the unit its days are counted in."""

    key: str
    label: str
    deadline: str
    unit: str  # "business" or "calendar"
    for_mco: bool = True

    @property
    def unit_label(self):
        return "business days" if self.unit == "business" else "calendar days"


TRIAGE = Step(ck.TRIAGE.key, "HFS triage", "presented within 10 business days of filing",
              "business", for_mco=False)
MCO_RESPONSE = Step(ck.MCO_RESPONSE.key, "MCO response",
                    "within 30 calendar days of presentation, 60 with an approved extension",
                    "calendar")
PROVIDER_INFO = Step(ck.PROVIDER_INFO.key, "Information request answered",
                     "within 5 business days of the MCO's request", "business")
HFS_DECISION = Step(ck.HFS_DECISION.key, "HFS decision",
                    "within 30 calendar days after the review record closes", "calendar")
STEPS = (TRIAGE, MCO_RESPONSE, PROVIDER_INFO, HFS_DECISION)
STEP_BY_KEY = {s.key: s for s in STEPS}


def steps(for_mco=False):
    return [s for s in STEPS if s.for_mco or not for_mco]


EXTENDED = "extended"  # the MCO response clocks that ran 60 days (an approved extension)


def met_key(step_key, extended=False):
    return f"met_{EXTENDED}:{step_key}" if extended else f"met:{step_key}"


def expired_key(step_key, extended=False):
    return f"expired_{EXTENDED}:{step_key}" if extended else f"expired:{step_key}"


def stopped_key(step_key):
    return f"stopped:{step_key}"


def relief_key(step_key):
    """A deadline that expired inside a declared outage: outage relief, not missed."""
    return f"relief:{step_key}"


def extension_key(party, status):
    return f"extension:{party}:{status}"


# --- What one ticket counts in -------------------------------------------------------------


@dataclass
class ClockData:
    kind: str
    outcome: str
    stopped_at: datetime.datetime | None
    length: int
    due_date: datetime.date
    started_at: datetime.datetime
    #: It expired inside a declared outage whose relief was applied (OutageRelief "noted").
    relief: bool = False


@dataclass
class TicketData:
    """Everything ``ticket_keys`` reads about one ticket (loaded by ``reports.summaries``)."""

    id: int
    mco_id: int
    complaint_type_id: int
    submitted_at: datetime.datetime | None = None
    presented_at: datetime.datetime | None = None
    responded_at: datetime.datetime | None = None
    closed_at: datetime.datetime | None = None
    close_reason: str = ""
    sanction_candidate_at: datetime.datetime | None = None
    review_requested_at: datetime.datetime | None = None
    record_closed_at: datetime.datetime | None = None
    contested_at: datetime.datetime | None = None
    decision_outcome: str = ""
    decided_at: datetime.datetime | None = None
    #: (party, status, requested_at) of each extension request
    extensions: list[tuple[str, str, datetime.datetime]] = field(default_factory=list)
    #: reported_at of each investigation
    investigations: list[datetime.datetime] = field(default_factory=list)
    #: (requested_at, answered_at or None) of each information request
    information_requests: list[tuple[datetime.datetime, datetime.datetime | None]] = field(
        default_factory=list)
    clocks: list[ClockData] = field(default_factory=list)

    def latest_clock(self, kind) -> ClockData | None:
        mine = [c for c in self.clocks if c.kind == kind]
        return max(mine, key=lambda c: c.started_at) if mine else None


def count_key(month: datetime.date, measure: str) -> str:
    return f"{month:%Y-%m}|{measure}"


def duration_key(month: datetime.date, step: str, days: int) -> str:
    return f"{month:%Y-%m}|d|{step}|{days}"


def parse_key(key: str):
    """("count", month, measure) or ("duration", month, step, days)."""
    parts = key.split("|")
    month = datetime.date(int(parts[0][:4]), int(parts[0][5:7]), 1)
    if len(parts) == 4 and parts[1] == "d":
        return ("duration", month, parts[2], int(parts[3]))
    return ("count", month, parts[1])


def step_days(step: Step, start: datetime.datetime, end: datetime.datetime) -> int:
    """Whole days from the day a step started (day 0, R-CLK-2) to the day it finished, in
    the unit of its deadline."""
    first, last = local_day(start), local_day(end)
    if step.unit == "business":
        return calendar.business_days_between(first, last)
    return max((last - first).days, 0)


def ticket_keys(t: TicketData) -> list[str]:
    """Every summary row the ticket counts in now: count keys and duration keys, with
    repeats (two answered information requests in one month count twice)."""
    keys = []

    def count(moment, measure):
        if moment is not None:
            keys.append(count_key(month_of(moment), measure))

    count(t.submitted_at, FILED.key)
    count(t.presented_at, PRESENTED.key)
    count(t.responded_at, RESPONDED.key)
    count(t.contested_at, CONTESTED.key)
    count(t.review_requested_at, REVIEW_REQUESTED.key)
    response = t.latest_clock(ck.MCO_RESPONSE.key)
    if response is None or not response.relief:  # a mark the outage brought is relief
        count(t.sanction_candidate_at, SANCTION_CANDIDATES.key)
    if t.closed_at is not None and t.close_reason:
        count(t.closed_at, close_reason_measure(t.close_reason, t.presented_at is not None))
    if t.decided_at is not None and t.decision_outcome:
        count(t.decided_at, f"decided:{t.decision_outcome}")
    for party, status, requested_at in t.extensions:
        count(requested_at, extension_key(party, status))
    for reported_at in t.investigations:
        count(reported_at, INVESTIGATIONS.key)

    # Timeliness: the stored outcome of each clock of a measured step (R-CLK-5).
    for clock in t.clocks:
        step = STEP_BY_KEY.get(clock.kind)
        if step is None or not clock.outcome or clock.stopped_at is None:
            continue
        extended = clock.kind == ck.MCO_RESPONSE.key and clock.length > ck.MCO_RESPONSE.length
        if clock.outcome == "expired" and clock.relief:
            count(clock.stopped_at, relief_key(step.key))
        elif clock.outcome == "met":
            count(clock.stopped_at, met_key(step.key))
            if extended:
                count(clock.stopped_at, met_key(step.key, extended=True))
        elif clock.outcome == "expired":
            count(clock.stopped_at, expired_key(step.key))
            if extended:
                count(clock.stopped_at, expired_key(step.key, extended=True))
        else:
            count(clock.stopped_at, stopped_key(step.key))
    if (t.responded_at is not None and response is not None and response.outcome == "expired"
            and not response.relief):
        count(t.responded_at, RESPONDED_LATE.key)

    # How long each finished step took, in the month it finished.
    def duration(step, start, end):
        if start is not None and end is not None:
            keys.append(duration_key(month_of(end), step.key, step_days(step, start, end)))

    duration(TRIAGE, t.submitted_at, t.presented_at)
    duration(MCO_RESPONSE, t.presented_at, t.responded_at)
    for requested_at, answered_at in t.information_requests:
        duration(PROVIDER_INFO, requested_at, answered_at)
    duration(HFS_DECISION, t.record_closed_at, t.decided_at)
    return sorted(keys)


# --- Percentiles from a histogram ---------------------------------------------------------


def percentile(histogram: Iterable[tuple[int, int]], fraction: float) -> float | None:
    """The ``fraction`` percentile of the values a histogram ((value, count) pairs) holds,
    as PostgreSQL's ``percentile_cont`` computes it: the value at position
    ``fraction * (n - 1)`` of the sorted values, interpolated linearly between the two
    nearest. None when there is no value."""
    items = sorted((v, c) for v, c in histogram if c > 0)
    n = sum(c for _, c in items)
    if n == 0:
        return None
    position = fraction * (n - 1)
    lower = math.floor(position)
    low = _value_at(items, lower)
    high = _value_at(items, min(lower + 1, n - 1))
    return low + (position - lower) * (high - low)


def _value_at(items, index):
    seen = 0
    for value, count in items:
        seen += count
        if index < seen:
            return value
    return items[-1][0]


# --- Reading the summaries ----------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What a report covers: the months from ``first_month`` to ``last_month`` (both
    included), one MCO or all, one complaint type or all. ``for_mco``: the MCO scorecard
    (only the measures and steps from presentation on)."""

    first_month: datetime.date
    last_month: datetime.date
    mco_id: int | None = None
    complaint_type_id: int | None = None
    for_mco: bool = False

    @property
    def months(self):
        return months_between(self.first_month, self.last_month)

    @property
    def start(self) -> datetime.datetime:
        return month_start(self.first_month)

    @property
    def end(self) -> datetime.datetime:
        """The first moment after the last month."""
        return month_start(add_months(self.last_month, 1))

    def summaries(self, queryset):
        queryset = queryset.filter(month__gte=self.first_month, month__lte=self.last_month)
        if self.mco_id is not None:
            queryset = queryset.filter(mco_id=self.mco_id)
        if self.complaint_type_id is not None:
            queryset = queryset.filter(complaint_type_id=self.complaint_type_id)
        return queryset

    def tickets(self, queryset, prefix=""):
        if self.mco_id is not None:
            queryset = queryset.filter(**{f"{prefix}mco_id": self.mco_id})
        if self.complaint_type_id is not None:
            queryset = queryset.filter(**{f"{prefix}complaint_type_id": self.complaint_type_id})
        return queryset


def read_counts(scope: Scope, dimension: str | None, measures=None) -> dict:
    """``{dimension value: {measure: n}}`` over the scope (one query). ``dimension``:
    "month", "mco_id", "complaint_type_id", or None for the whole scope (key None);
    ``measures``, when given, the only measures read (the HFS home's chart reads one of
    the ~40 a month holds: the rows it sums do not grow with the others)."""
    from reports.models import MonthlyCount

    fields = [dimension, "measure"] if dimension else ["measure"]
    counts = MonthlyCount.objects.all()
    if measures is not None:
        counts = counts.filter(measure__in=measures)
    rows = scope.summaries(counts).values(*fields).annotate(total=Sum("n")).order_by()
    result = defaultdict(Counter)
    for row in rows:
        result[row[dimension] if dimension else None][row["measure"]] += row["total"]
    return result


def read_counts_by(scope: Scope, first: str, second: str, measures: list[str]) -> dict:
    """``{(first value, second value): {measure: n}}`` for a few measures (one query), for
    the per-month-per-MCO chart."""
    from reports.models import MonthlyCount

    rows = (scope.summaries(MonthlyCount.objects.filter(measure__in=measures))
            .values(first, second, "measure").annotate(total=Sum("n")).order_by())
    result = defaultdict(Counter)
    for row in rows:
        result[(row[first], row[second])][row["measure"]] += row["total"]
    return result


def read_durations(scope: Scope, by_mco=False) -> dict:
    """``{(step, mco_id or None): [(days, n), ...]}`` (one query)."""
    from reports.models import MonthlyDuration

    fields = ["step", "mco_id", "days"] if by_mco else ["step", "days"]
    rows = scope.summaries(MonthlyDuration.objects.all()).values(*fields).annotate(
        total=Sum("n")).order_by()
    result = defaultdict(list)
    for row in rows:
        result[(row["step"], row["mco_id"] if by_mco else None)].append(
            (row["days"], row["total"]))
    return result


def total(counts_by: dict) -> Counter:
    """The counts of every dimension value added up."""
    summed = Counter()
    for counts in counts_by.values():
        summed.update(counts)
    return summed


# --- Rows of the report tables -------------------------------------------------------------


def volume_row(label, counts, measures):
    return {"label": label, **{m.key: m.value(counts) for m in measures}}


def volume_rows(counts_by: dict, labels: list[tuple[object, str]], measures) -> list[dict]:
    """One row per (value, label), in that order, then a "Total" row."""
    rows = [volume_row(label, counts_by.get(value, {}), measures) for value, label in labels]
    rows.append(volume_row("Total", total(counts_by), measures))
    return rows


def closed_reason_rows(counts: dict, for_mco=False) -> list[dict]:
    """Closed tickets by reason: at triage first (not on the MCO scorecard), then after
    presentation, each reason once."""
    rows = []
    if not for_mco:
        for reason in TRIAGE_CLOSE_REASONS:
            rows.append({"label": CloseReason(reason).label, "stage": "At triage",
                         "n": counts.get(f"closed_at_triage:{reason}", 0)})
    for reason in CloseReason:
        if reason in TRIAGE_CLOSE_REASONS and reason != CloseReason.INVALID_TRACKING:
            continue  # closed only at triage, before presentation
        rows.append({"label": reason.label, "stage": "After presentation",
                     "n": counts.get(f"closed:{reason.value}", 0)})
    return rows


def decision_rows(counts: dict) -> list[dict]:
    rows = [{"label": label, "n": counts.get(f"decided:{value}", 0)}
            for value, label in decision_outcomes()]
    rows.append({"label": "Total", "n": sum(r["n"] for r in rows)})
    return rows


def rate(on_time: int, late: int) -> float | None:
    """The share of steps finished on time, in percent; None when none finished."""
    finished = on_time + late
    return None if finished == 0 else 100.0 * on_time / finished


def timeliness_row(step: Step, label: str, counts: dict, extended=False) -> dict:
    on_time = counts.get(met_key(step.key, extended), 0)
    late = counts.get(expired_key(step.key, extended), 0)
    return {
        "step": step.label + (" (with an approved extension)" if extended else ""),
        "label": label, "on_time": on_time, "late": late,
        "rate": rate(on_time, late),
        "stopped": None if extended else counts.get(stopped_key(step.key), 0),
        "relief": None if extended else counts.get(relief_key(step.key), 0),
    }


def timeliness_rows(counts_by_mco: dict, mcos: list[tuple[int, str]], for_mco=False):
    """Per step: every MCO together ("All MCOs", not on the MCO scorecard), then each MCO;
    the MCO response again for the clocks an approved extension made 60 days."""
    rows = []
    overall = total(counts_by_mco)
    for step in steps(for_mco):
        variants = [False, True] if step is MCO_RESPONSE else [False]
        for extended in variants:
            if not for_mco:
                rows.append(timeliness_row(step, "All MCOs", overall, extended))
            for mco_id, name in mcos:
                rows.append(timeliness_row(step, name, counts_by_mco.get(mco_id, {}),
                                           extended))
    return rows


def duration_row(step: Step, label: str, histogram) -> dict:
    return {
        "step": step.label, "unit": step.unit_label, "label": label,
        "n": sum(c for _, c in histogram),
        "median": percentile(histogram, 0.5),
        "p90": percentile(histogram, 0.9),
    }


def duration_rows(overall: dict, by_mco: dict, mcos: list[tuple[int, str]], for_mco=False):
    rows = []
    for step in steps(for_mco):
        if not for_mco:
            rows.append(duration_row(step, "All MCOs", overall.get((step.key, None), [])))
        for mco_id, name in mcos:
            rows.append(duration_row(step, name, by_mco.get((step.key, mco_id), [])))
    return rows


def extension_rows(counts: dict) -> list[dict]:
    from tickets.models.exchange import ExtensionRequest

    rows = []
    for party, label in ExtensionRequest.Party.choices:
        statuses = {s: counts.get(extension_key(party, s), 0)
                    for s in ExtensionRequest.Status.values}
        rows.append({"label": label, "asked": sum(statuses.values()),
                     "approved": statuses["approved"], "denied": statuses["denied"],
                     "pending": statuses["pending"]})
    rows.append({"label": "Total", **{k: sum(r[k] for r in rows)
                                       for k in ("asked", "approved", "denied", "pending")}})
    return rows
