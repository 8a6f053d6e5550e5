"""The "All tickets" page (issue 11): every role finds any ticket it may see (R-SEC-1),
closed ones too, by filters and a search box; sorted, paged without counting the whole
table, and exported to .xlsx as a background job. Each search is an audit row (R-SEC-2).
The query is ``tickets.search``; the export ``tickets.exports``."""

from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

import jobs
from portal import access, audit
from portal.access import Role
from tickets import search
from tickets.exports import SEARCH_EXPORT

search_roles = access.for_roles(Role.PROVIDER, Role.MCO, Role.HFS)

#: The page's columns: (key, heading, sort key or None).
COLUMNS = [
    ("number", "Ticket", "number"),
    ("filed", "Filed", "filed"),
    ("provider", "Provider", None),
    ("mco", "MCO and tracking number", None),
    ("state", "Status", None),
    ("closed", "Closed", "closed"),
    ("assigned", "Assigned", None),
]
ARIA_SORT = {True: "descending", False: "ascending"}


def heading(request):
    roles = access.roles_of(request.user)
    if Role.HFS in roles:
        return "All tickets"
    if Role.MCO in roles and request.user.mco_id:
        return f"All {request.user.mco.short_name} tickets"
    return "All your tickets"


def _query(params, **changes):
    query = params.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value:
            query[key] = value
    return query.urlencode()


def columns(request, sort):
    """The table's headings: each sortable one links to its order (descending first,
    then the other way), with ``aria-sort`` on the one in use."""
    hfs = access.is_hfs_staff(request.user)
    current = sort.lstrip("-")
    descending = sort.startswith("-")
    result = []
    for key, label, sort_by in COLUMNS:
        if key == "assigned" and not hfs:
            continue
        column = {"key": key, "label": label, "sortable": bool(sort_by), "aria_sort": ""}
        if sort_by:
            is_current = sort_by == current
            wanted = sort_by if is_current and descending else f"-{sort_by}"
            column["url"] = "?" + _query(request.GET, sort=wanted, page=None)
            if is_current:
                column["aria_sort"] = ARIA_SORT[descending]
                column["arrow"] = "▼" if descending else "▲"
            column["next"] = search.SORTS[wanted][0]
        result.append(column)
    return result


def _page_number(value):
    return int(value) if str(value or "").isdigit() and len(str(value)) < 6 else 1


@search_roles
def all_tickets(request):
    form = search.TicketSearchForm(request.GET or None, user=request.user)
    sort = search.sort_key(request.GET.get("sort"))
    context = {
        "form": form, "title": heading(request), "sort": sort,
        "sorts": [(key, label) for key, (label, _) in search.SORTS.items()],
        "columns": columns(request, sort), "is_hfs": access.is_hfs_staff(request.user),
        "count_cap": f"{search.COUNT_CAP:,}", "export_cap": f"{search.export_cap():,}",
    }
    if form.is_bound and not form.is_valid():
        return render(request, "tickets/search/all.html", context, status=400)
    data = form.cleaned_data if form.is_bound else {}
    page = search.page_of(request.user, data, sort=sort,
                          number=_page_number(request.GET.get("page")))
    audit.write(user=request.user, action="search", object_type=audit.TICKET, object_id=None,
                detail=f"{search.describe(data)} sort={sort} page={page.number}", status=200)
    context.update(
        page=page,
        previous_url="?" + _query(request.GET, page=str(page.number - 1)),
        next_url="?" + _query(request.GET, page=str(page.number + 1)),
        export_fields=[(k, v) for k, v in request.GET.items()
                       if k in form.fields or k == "sort"],
    )
    return render(request, "tickets/search/all.html", context)


@search_roles
@require_POST
def export(request):
    """Start the export of the search as posted (the page's filters): a background job."""
    params = {k: v for k, v in request.POST.items() if k in search.TicketSearchForm.base_fields}
    form = search.TicketSearchForm(params, user=request.user)
    back = reverse("ticket_search") + ("?" + _query(request.POST, csrfmiddlewaretoken=None)
                                       if params else "")
    if not form.is_valid():
        return redirect(back)
    sort = search.sort_key(request.POST.get("sort"))
    job = jobs.start(SEARCH_EXPORT, {"filters": params, "sort": sort}, request.user,
                     label=f"{heading(request)}: export to .xlsx", return_url=back)
    audit.write(user=request.user, action="export", object_type=audit.EXPORT, object_id=job.pk,
                detail=f"tickets: {search.describe(form.cleaned_data)} sort={sort}", status=302)
    return redirect(job)
