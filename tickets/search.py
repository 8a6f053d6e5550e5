"""Find any ticket (issue 11): the filters and the search of the "All tickets" page.

Every role searches what it may see and nothing else: the rows come from
``Ticket.objects.visible_to(user)`` (R-SEC-1), drafts never. HFS portal staff see every
filed ticket, closed ones too; a provider user their approved providers' tickets; MCO staff
their MCO's presented tickets.

Built for 1,000,000 tickets (docs/PERFORMANCE.md, bench/search.py):

- **Each search branch is an indexed condition on the ticket row**, OR-ed so PostgreSQL
  can combine the index scans (a BitmapOr): the ticket number (unique), the ticket's
  tracking number (an index on ``UPPER(tracking_number)``), the tickets of the matching
  claim rows and providers (looked up first, one small query each, then
  ``id = ANY(...)`` / ``provider_id = ANY(...)``), and the words of the description
  (PostgreSQL full-text search on a stored ``tsvector`` column with a GIN index; on SQLite
  a plain ``icontains`` per word). A subquery inside an OR could not use an index.
- **No unbounded COUNT(*)**: the count reads at most ``COUNT_CAP + 1`` matching ids
  ("1,000+ tickets"), and the pages go as far as the count does (``OFFSET`` at most
  ``COUNT_CAP``); past that, narrow the search, sort the other way, or export. When fewer
  match, the page is sorted from those ids (``page_of``).
- **Sort keys are a whitelist**, each read in order from an index (filed, closed, number).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django import forms
from django.conf import settings
from django.db import connection
from django.db.models import F, Q

from deadlines.calendar import CENTRAL
from portal import access
from portal.access import Role
from portal.forms import PortalForm, ReferenceChoiceField
from portal.models import MCO, ComplaintType, User
from portal.models.users import named_by
from registration.models import Provider
from tickets.models import CloseReason, Decision, State, Ticket, TicketClaim

PAGE_SIZE = 25
#: The count is exact up to this, then "1,000+"; the pages go no further.
COUNT_CAP = 1000
#: A search by provider name matches at most this many providers (type more of the name).
PROVIDER_MATCH_CAP = 500
#: Claim rows (tracking number, member RIN) give at most this many tickets.
CLAIM_MATCH_CAP = 5000
#: The full-text configuration of the description's search column (migration 0009).
TEXT_SEARCH_CONFIG = "english"

_TICKET_NUMBER = re.compile(r"^PRP-(\d{4})-(\d{1,6})$", re.IGNORECASE)

#: sort key → (label, ordering). Each is read in order from an index of the ticket table.
SORTS = {
    "-filed": ("Filed, newest first", (F("submitted_at").desc(), F("pk").desc())),
    "filed": ("Filed, oldest first", (F("submitted_at").asc(), F("pk").asc())),
    "-closed": ("Closed, newest first",
                (F("closed_at").desc(nulls_last=True), F("pk").desc())),
    "closed": ("Closed, oldest first",
               (F("closed_at").asc(nulls_last=True), F("pk").asc())),
    "-number": ("Ticket number, highest first", (F("number").desc(), F("pk").desc())),
    "number": ("Ticket number, lowest first", (F("number").asc(), F("pk").asc())),
}
DEFAULT_SORT = "-filed"

OPEN = "open"
STATE_CHOICES = [("", "Any status"), (OPEN, "Open (not closed)")] + [
    (state.value, state.label) for state in State if state != State.DRAFT
]
SANCTION_CHOICES = [("", "Either"), ("yes", "Sanction candidates only"),
                    ("no", "Not sanction candidates")]
NOT_ASSIGNED = "none"

_DATE = forms.DateInput(attrs={"type": "date"})


def _date_field(label, hint):
    return forms.DateField(
        label=label, required=False, widget=_DATE, help_text=hint,
        error_messages={"invalid": f"{label}: enter a real date, like 01/15/2027."},
    )


def _invalid(label, what):
    return {"invalid_choice": f"{label}: choose one of the {what} in the list."}


class TicketSearchForm(PortalForm):
    """The page's filters (GET). Unknown values are refused with the field named (R-SEC-5);
    the person's role decides which filters exist (``user``)."""

    q = forms.CharField(
        label="Search", required=False, max_length=200,
        help_text="A ticket number, an MCO tracking number (the ticket's or a claim's), a "
        "provider's name, NPI, Tax ID or Medicaid ID, a member's RIN, or words of the "
        "description.",
        error_messages={"max_length": "Search: use at most 200 characters."},
    )
    mco = ReferenceChoiceField(
        label="MCO", queryset=MCO.objects.order_by("name"), to_field_name="slug",
        required=False, empty_label="Any MCO", error_messages=_invalid("MCO", "MCOs"),
    )
    type = ReferenceChoiceField(
        label="Complaint type", queryset=ComplaintType.objects.all(), to_field_name="slug",
        required=False, empty_label="Any type",
        error_messages=_invalid("Complaint type", "complaint types"),
    )
    state = forms.ChoiceField(label="Status", choices=STATE_CHOICES, required=False,
                              error_messages=_invalid("Status", "statuses"))
    close_reason = forms.ChoiceField(
        label="Close reason", choices=[("", "Any reason")] + CloseReason.choices,
        required=False,
        error_messages=_invalid("Close reason", "reasons"),
    )
    outcome = forms.ChoiceField(
        label="Decision outcome", choices=[("", "Any outcome")] + Decision.Outcome.choices,
        required=False,
        error_messages=_invalid("Decision outcome", "outcomes"),
    )
    sanction = forms.ChoiceField(label="Sanction candidate", choices=SANCTION_CHOICES,
                                 required=False,
                                 error_messages=_invalid("Sanction candidate", "choices"))
    assigned = forms.ChoiceField(label="Assigned HFS staff", required=False,
                                 error_messages=_invalid("Assigned HFS staff", "people"))
    filed_from = _date_field("Filed from", "The first day it was filed (Central time).")
    filed_to = _date_field("Filed to", "The last day, included.")
    closed_from = _date_field("Closed from", "The first day it was closed.")
    closed_to = _date_field("Closed to", "The last day, included.")

    #: Filters only HFS portal staff have (what the MCO and provider pages never show).
    HFS_ONLY = ("sanction", "assigned")

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.user = user
        roles = access.roles_of(user)
        if Role.HFS not in roles:
            for name in self.HFS_ONLY:
                del self.fields[name]
        else:
            staff = User.objects.filter(groups__name=Role.HFS.group_name, is_active=True)
            self.fields["assigned"].choices = (
                [("", "Anyone or no one"), (NOT_ASSIGNED, "Not assigned")]
                + [(str(p.pk), p.get_full_name() or p.email)
                   for p in staff.order_by("last_name", "first_name", "pk")]
            )
        if Role.HFS not in roles and Role.PROVIDER not in roles:
            del self.fields["mco"]  # MCO staff: their own MCO only

    @property
    def has_filters(self):
        """Whether a filter (anything but the search box) was given: the filters show open."""
        return self.is_bound and any(
            self.data.get(name) for name in self.fields if name != "q")

    def clean_q(self):
        return " ".join(self.cleaned_data["q"].split())

    def clean(self):
        data = super().clean()
        for start, end, label in (("filed_from", "filed_to", "Filed to"),
                                  ("closed_from", "closed_to", "Closed to")):
            if data.get(start) and data.get(end) and data[end] < data[start]:
                self.add_error(end, f"{label}: the last day must be on or after the first.")
        return data


def sort_key(value) -> str:
    """A whitelisted sort key; anything else is the default order."""
    return value if value in SORTS else DEFAULT_SORT


def _start_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=CENTRAL)


@dataclass
class Search:
    """The condition a search box's text gives, with what the person should be told."""

    condition: Q | None
    notes: list[str] = field(default_factory=list)
    uses_full_text: bool = False


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def text_search(text: str) -> Search:
    """The ticket condition for the search box's ``text`` (see the module's docstring)."""
    text = " ".join((text or "").split())
    if not text:
        return Search(None)
    number = _TICKET_NUMBER.match(text)
    if number:  # PRP-2026-123 is PRP-2026-000123
        return Search(Q(number=f"PRP-{number.group(1)}-{int(number.group(2)):06d}"))
    single = " " not in text
    found = Search(Q(pk__in=[]))
    if single:
        found.condition = Q(number=text.upper()) | Q(tracking_number__iexact=text)
        claims = list(
            TicketClaim.objects.filter(Q(tracking_number__iexact=text) | Q(member_rin=text))
            .values_list("ticket_id", flat=True).distinct()[:CLAIM_MATCH_CAP]
        )
        if claims:
            found.condition |= Q(pk__in=claims)
    if single and any(c.isdigit() for c in text):
        providers = _providers_by_identifier(text)
    else:
        providers = list(Provider.objects.filter(legal_name__icontains=text)
                         .values_list("pk", flat=True)[:PROVIDER_MATCH_CAP + 1])
        if len(providers) > PROVIDER_MATCH_CAP:
            providers = providers[:PROVIDER_MATCH_CAP]
            found.notes.append(
                f"More than {PROVIDER_MATCH_CAP} providers have “{text}” in their name: only "
                "the tickets of the first of them are searched. Type more of the name."
            )
        found.condition |= _description_condition(text)
        found.uses_full_text = is_postgresql()
    if providers:
        found.condition |= Q(provider_id__in=providers)
    return found


def _providers_by_identifier(text):
    digits = re.sub(r"\D", "", text)
    match = Q(medicaid_id__in={text, text.upper()})
    if len(digits) == 10:
        match |= Q(npi=digits)
    if len(digits) == 9:
        match |= Q(tax_id=digits)
    return list(Provider.objects.filter(match).values_list("pk", flat=True)
                [:PROVIDER_MATCH_CAP])


def _description_condition(text) -> Q:
    if is_postgresql():
        from django.contrib.postgres.search import SearchQuery

        return Q(description_vector=SearchQuery(text, config=TEXT_SEARCH_CONFIG,
                                                search_type="websearch"))
    words = [w for w in re.split(r"\W+", text) if w]
    match = Q()
    for word in words:
        match &= Q(description__icontains=word)
    return match if words else Q(pk__in=[])


#: PostgreSQL only: the stored ``to_tsvector('english', description)`` with its GIN index
#: (migration 0009; not a model field, SQLite has no tsvector).
DESCRIPTION_COLUMN = "description_search"


def description_vector():
    """The description's search vector: the stored column of migration 0009 (a test of a
    row reads it instead of computing it, and the GIN index is on it)."""
    from django.contrib.postgres.search import SearchVectorField
    from django.db.models.expressions import RawSQL

    column = f'"{Ticket._meta.db_table}"."{DESCRIPTION_COLUMN}"'
    return RawSQL(column, [], output_field=SearchVectorField())  # noqa: S611 (constants only)


def matching(user, data, *, search: Search | None = None):
    """The tickets ``user`` may see that the (valid) filters ``data`` ask for, unordered.
    ``search``: the box's condition when already built (``text_search(data["q"])``)."""
    search = search if search is not None else text_search(data.get("q", ""))
    # Not when words are searched: with the providers as a list, PostgreSQL switched to a
    # generic plan that reads the description index for every ticket with the word (a
    # common word: all of them, 86 ms at 1M); without the list it keeps per-value plans.
    tickets = visible(user, listed=not search.uses_full_text)
    state = data.get("state")
    if state == OPEN:
        tickets = tickets.exclude(state=State.CLOSED)
    elif state:
        tickets = tickets.filter(state=state)
    if data.get("mco"):
        tickets = tickets.filter(mco=data["mco"])
    if data.get("type"):
        tickets = tickets.filter(complaint_type=data["type"])
    if data.get("close_reason"):
        tickets = tickets.filter(close_reason=data["close_reason"])
    if data.get("outcome"):
        tickets = tickets.filter(decision__outcome=data["outcome"])
    if data.get("sanction") == "yes":
        tickets = tickets.filter(sanction_candidate_at__isnull=False)
    elif data.get("sanction") == "no":
        tickets = tickets.filter(sanction_candidate_at__isnull=True)
    assigned = data.get("assigned")
    if assigned == NOT_ASSIGNED:
        tickets = tickets.filter(assigned_to__isnull=True)
    elif assigned:
        tickets = tickets.filter(assigned_to_id=int(assigned))
    for name, column in (("filed", "submitted_at"), ("closed", "closed_at")):
        if data.get(f"{name}_from"):
            tickets = tickets.filter(**{f"{column}__gte": _start_of(data[f"{name}_from"])})
        if data.get(f"{name}_to"):
            end = _start_of(data[f"{name}_to"] + datetime.timedelta(days=1))
            tickets = tickets.filter(**{f"{column}__lt": end})
    if search.condition is not None:
        if search.uses_full_text:
            tickets = tickets.alias(description_vector=description_vector())
        tickets = tickets.filter(search.condition)
    return tickets


#: What a row of the page shows (the export writes more): the columns it reads, not every
#: column of five tables (issue 14). test_search's query-count test holds the list.
PAGE_FIELDS = ("id", "number", "state", "tracking_number", "submitted_at", "closed_at",
               "close_reason", "sanction_candidate_at", "provider__legal_name",
               "provider__npi", "mco__short_name", "complaint_type__name",
               *named_by("assigned_to"))


def for_display(tickets):
    """What a row of the page or the export shows, in a fixed number of queries."""
    return tickets.select_related("provider", "mco", "complaint_type", "assigned_to").annotate(
        decision_outcome=F("decision__outcome"))


def ordered(tickets, key):
    return tickets.order_by(*SORTS[sort_key(key)][1])


def capped_count(tickets, cap=None) -> int:
    """How many tickets match, counted up to ``cap + 1`` at most (never the whole table);
    ``cap`` defaults to ``COUNT_CAP``."""
    cap = COUNT_CAP if cap is None else cap
    return tickets.order_by().values("pk")[: cap + 1].count()


@dataclass
class Page:
    tickets: list
    count: int  # up to COUNT_CAP + 1
    number: int
    pages: int
    notes: list[str]

    @property
    def more_than_cap(self):
        return self.count > COUNT_CAP

    @property
    def count_text(self):
        """"24 tickets", "1 ticket", "1,000+ tickets"."""
        if self.more_than_cap:
            return f"{COUNT_CAP:,}+ tickets"
        return f"{self.count:,} ticket{'' if self.count == 1 else 's'}"

    @property
    def has_previous(self):
        return self.number > 1

    @property
    def has_next(self):
        return self.number < self.pages

    @property
    def first(self):
        return (self.number - 1) * PAGE_SIZE + 1 if self.tickets else 0

    @property
    def last(self):
        return (self.number - 1) * PAGE_SIZE + len(self.tickets)


def visible(user, *, listed):
    """Every ticket ``user`` may find here (R-SEC-1): never a draft. ``listed``: a provider
    user's providers also given as a list (``of_providers``, for the planner's estimate;
    one small query), which a lookup by key does not need; every caller says which."""
    return Ticket.objects.visible_to(user, listed=listed).exclude(state=State.DRAFT)


def page_of(user, data, *, sort=DEFAULT_SORT, number=1) -> Page:
    """One page of the search: the count (capped), then the tickets of page ``number``
    (clamped to the pages there are).

    The count reads the matching ids (at most ``COUNT_CAP + 1``), so a search that matches
    no more than that reads its page from those ids: sorting a thousand rows is quick,
    whereas walking the order's index and testing each row until a page is found is not
    when matches are rare (a rare word: the walk may read the whole table). More matches
    are dense enough for the walk to find a page at once; it finds the page's keys only,
    and only those rows are read for display.
    """
    search = text_search(data.get("q", ""))
    tickets = matching(user, data, search=search)
    ids = list(tickets.order_by().values_list("pk", flat=True)[: COUNT_CAP + 1])
    count = len(ids)
    pages = max(1, -(-min(count, COUNT_CAP) // PAGE_SIZE))
    number = min(max(1, number), pages)
    offset = (number - 1) * PAGE_SIZE
    end = min(offset + PAGE_SIZE, COUNT_CAP)
    if count > COUNT_CAP:
        # The page's keys first, in the sort's order with no display join (index-only,
        # e.g. ticket_provider_filed_idx for a provider user), then those rows displayed:
        # joining every match before sorting read each one's row (issue 14).
        ids = list(ordered(tickets, sort).values_list("pk", flat=True)[offset:end])
        offset, end = 0, None
    rows = list(ordered(for_display(visible(user, listed=False).filter(pk__in=ids))
                        .only(*PAGE_FIELDS),
                        sort)[offset:end])
    decisions = dict(Decision.Outcome.choices)
    for ticket in rows:
        ticket.decision_label = decisions.get(ticket.decision_outcome, "")
    return Page(tickets=rows, count=count, number=number, pages=pages, notes=search.notes)


def export_cap() -> int:
    return int(getattr(settings, "TICKET_EXPORT_MAX_ROWS", 100_000))


def describe(data) -> str:
    """The filters in one line, for the audit row (R-SEC-2) and the export's About sheet."""
    parts = []
    for name, value in data.items():
        if value in (None, ""):
            continue
        if isinstance(value, datetime.date):
            value = value.isoformat()
        elif hasattr(value, "slug"):
            value = value.slug
        parts.append(f"{name}={str(value)[:100]}")
    return " ".join(parts) or "everything"

