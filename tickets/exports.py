"""The .xlsx exports of the All-tickets search (issue 11) and of an MCO's queue (issue 14),
as background jobs (docs/decisions/0009-background-jobs.md). ``jobs`` imports this module
at start-up.

The job reads what the person who asked may see, through them, when it runs (R-SEC-1);
every text cell is text, never a formula (``portal.exports``).
"""

from django.utils import timezone

import jobs
from portal import access, exports
from tickets import search

SEARCH_EXPORT = "tickets.search_export"

COLUMNS = [
    ("number", "Ticket"), ("state", "Status"), ("submitted_at", "Filed"),
    ("provider", "Provider"), ("npi", "Provider NPI"), ("tax_id", "Provider Tax ID"),
    ("medicaid_id", "Provider Medicaid ID"), ("mco", "MCO"),
    ("complaint_type", "Complaint type"), ("tracking_number", "MCO tracking number"),
    ("closed_at", "Closed"), ("close_reason", "Close reason"),
    ("outcome", "Decision outcome"), ("description", "Description"),
]
HFS_COLUMNS = [("sanction", "Sanction candidate since"), ("assigned_to", "Assigned to")]

#: Progress is reported every this many rows.
PROGRESS_EVERY = 500


def _row(ticket, outcomes):
    return {
        "number": ticket.number, "state": ticket.get_state_display(),
        "submitted_at": ticket.submitted_at, "provider": ticket.provider.legal_name,
        "npi": ticket.provider.npi, "tax_id": ticket.provider.tax_id,
        "medicaid_id": ticket.provider.medicaid_id, "mco": ticket.mco.name,
        "complaint_type": ticket.complaint_type.name,
        "tracking_number": ticket.tracking_number, "closed_at": ticket.closed_at,
        "close_reason": ticket.get_close_reason_display(),
        "outcome": outcomes.get(ticket.decision_outcome, ""),
        "description": ticket.description,
        "sanction": ticket.sanction_candidate_at,
        "assigned_to": str(ticket.assigned_to or ""),
    }


def export_search(job, progress):
    """``job.params``: ``{"filters": {field: text}, "sort": key}`` as the page posted them."""
    from tickets.models import Decision

    user = job.requested_by
    form = search.TicketSearchForm(job.params.get("filters") or {}, user=user)
    if not form.is_valid():
        raise jobs.JobFailed("The search's filters are no longer valid: search again, "
                             "then export.")
    data = form.cleaned_data
    sort = search.sort_key(job.params.get("sort"))
    found = search.text_search(data.get("q", ""))
    tickets = search.matching(user, data, search=found)
    cap = search.export_cap()
    total = search.capped_count(tickets, cap)
    truncated = total > cap
    total = min(total, cap)
    if found.uses_full_text and not truncated:
        # All of them fit: read them by id (the GIN index), then sort (see search.page_of).
        tickets = search.visible(user, listed=False).filter(pk__in=tickets.order_by().values("pk"))
    progress(0, total)
    outcomes = dict(Decision.Outcome.choices)
    columns = COLUMNS + (HFS_COLUMNS if access.is_hfs_staff(user) else [])

    def rows():
        selected = search.ordered(search.for_display(tickets), sort)[:cap]
        for done, ticket in enumerate(selected.iterator(chunk_size=1000), start=1):
            yield _row(ticket, outcomes)
            if done % PROGRESS_EVERY == 0:
                progress(done, total)

    note = ("Confidential: provider disputes; may hold protected health information. "
            f"Search: {search.describe(data)}; order: {search.SORTS[sort][0]}.")
    if truncated:
        note += f" Only the first {cap:,} tickets in this order; narrow the search for the rest."
    workbook = exports.write_workbook(title=job.label or "Tickets", columns=columns,
                                      rows=rows(), sheet_name="Tickets", note=note)
    progress(total, total)
    return workbook, f"tickets-{timezone.localdate().isoformat()}.xlsx"


jobs.register(SEARCH_EXPORT, export_search, label="Tickets export")


# --- The MCO queue's export (issue 14) --------------------------------------------------

MCO_EXPORT = "tickets.mco_export"

MCO_COLUMNS = [
    ("number", "Ticket"), ("state", "Status"), ("provider", "Provider"),
    ("npi", "Provider NPI"), ("complaint_type", "Complaint type"),
    ("tracking_number", "MCO tracking number"), ("presented_at", "Presented"),
    ("info_window", "Information requests until"), ("response_due", "Response due"),
    ("extension", "Extension"),
    ("responded_at", "Responded"), ("assigned_to", "Assigned to"),
]

#: Rows are read from the database this many at a time (a server-side cursor on
#: PostgreSQL: memory stays flat whatever the count), and progress is told as often.
MCO_CHUNK = 2000


def extension_text(ticket, labels=None):
    """The Extension column: a request's status, or until when one may be asked."""
    from deadlines.days import short_date
    from tickets.models import ExtensionRequest

    if ticket.extension_status:
        labels = labels or dict(ExtensionRequest.Status.choices)
        return f"Requested: {labels[ticket.extension_status]}"
    if ticket.extension_cutoff_due_date:
        return f"May be asked until {short_date(ticket.extension_cutoff_due_date)}"
    return ""


def _mco_row(ticket, labels):
    return {
        "number": ticket.number, "state": ticket.get_state_display(),
        "provider": ticket.provider.legal_name, "npi": ticket.provider.npi,
        "complaint_type": ticket.complaint_type.name, "tracking_number": ticket.tracking_number,
        "presented_at": ticket.presented_at, "info_window": ticket.info_window_due_date,
        "response_due": ticket.response_due_date, "responded_at": ticket.responded_at,
        "extension": extension_text(ticket, labels),
        "assigned_to": str(ticket.mco_assigned_to or ""),
    }


def describe_mco_filters(filters):
    """The queue's filters in words ("Needs our action, Claims payment, response overdue,
    search "MOL-1""), for the About sheet."""
    from portal.models import ComplaintType
    from tickets.views.mco import STATUS_FILTERS

    parts = [STATUS_FILTERS.get(filters.get("status"), STATUS_FILTERS["action"])]
    if filters.get("complaint_type"):
        name = (ComplaintType.objects.filter(slug=filters["complaint_type"])
                .values_list("name", flat=True).first())
        parts.append(name or "an unknown complaint type")
    for key, words in (("overdue", "response overdue"),
                       ("awaiting", "waiting for the provider's information"),
                       ("mine", "assigned to the person who exported")):
        if filters.get(key):
            parts.append(words)
    if filters.get("query"):
        parts.append(f'search "{filters["query"]}"')
    return ", ".join(parts)


def may_download_mco_export(user, job):
    """Still staff of the MCO whose tickets the file holds (R-SEC-1)."""
    return access.is_mco_staff(user) and user.mco_id == job.params.get("mco")


def export_mco_queue(job, progress):
    """``job.params``: ``{"mco": the MCO's id, "filters": the queue's filters}`` (as
    ``tickets.views.mco`` reads them from the page). The rows are what the person who asked
    may see when it runs (their MCO's presented tickets, R-SEC-1), in the queue's order."""
    # The queue's query lives with its page; read here when the job runs.
    from tickets.models import ExtensionRequest
    from tickets.views.mco import mco_queryset, mco_rows

    user = job.requested_by
    mco_id = job.params.get("mco")
    if not may_download_mco_export(user, job):
        raise jobs.JobFailed("You are no longer on this MCO's staff, so its tickets cannot be "
                             "exported for you.")
    filters = job.params.get("filters") or {}
    queue = mco_queryset(user, **filters).filter(mco_id=mco_id)
    total = queue.count()  # the bare query: no row's joins to count through
    tickets = mco_rows(queue)
    progress(0, total)
    labels = dict(ExtensionRequest.Status.choices)
    written = [0]  # the rows actually written (tickets may be presented meanwhile)

    def rows():
        for done, ticket in enumerate(tickets.iterator(chunk_size=MCO_CHUNK), start=1):
            yield _mco_row(ticket, labels)
            written[0] = done
            if done % MCO_CHUNK == 0:
                progress(done, max(total, done))

    mco = user.mco
    workbook = exports.write_workbook(
        title=f"{mco.name}: tickets", columns=MCO_COLUMNS, rows=rows(), sheet_name="Tickets",
        note="Confidential: contains information about provider disputes. "
             f"Queue: {describe_mco_filters(filters)}; soonest response due first.",
    )
    progress(written[0], written[0])
    return workbook, f"{mco.slug}-tickets-{timezone.localdate().isoformat()}.xlsx"


jobs.register(MCO_EXPORT, export_mco_queue, label="MCO tickets export",
              may_download=may_download_mco_export)
