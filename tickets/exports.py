"""The .xlsx export of the All-tickets search, as a background job (issue 11,
docs/decisions/0009-background-jobs.md). ``jobs`` imports this module at start-up.

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
        tickets = search.visible(user).filter(pk__in=tickets.order_by().values("pk"))
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
