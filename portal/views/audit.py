"""The audit reader (R-SEC-2): HFS portal staff holding ``portal.read_audit_log`` search
the audit log by ticket, person, dates and action, page through it and export it. Each
search page and each export is itself an audit row.

Paging is by position (keyset), never by counting: "Older entries" asks for the rows
before the last one shown, through the (record, time), (person, time), (action, time) and
time indexes, so a page costs the same at ten rows or ten million. An export holds at most
``AUDIT_EXPORT_MAX_ROWS`` rows, the newest that match (docs/decisions/0006-audit-log.md).
"""

import datetime

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone

from deadlines.calendar import CENTRAL
from portal import access, audit, exports
from portal.access import Role
from portal.forms import PortalForm
from portal.models import AuditEvent, User

PAGE_SIZE = 50

audit_readers = access.for_roles(Role.HFS, check=audit.can_read)

_DATE = forms.DateInput(attrs={"type": "date"})


class AuditSearchForm(PortalForm):
    ticket = forms.CharField(
        label="Ticket", required=False, max_length=30,
        help_text="The ticket number, for example PRP-2027-000123, or the ticket's id.",
    )
    person = forms.EmailField(
        label="Person's e-mail address", required=False,
        help_text="Who acted.",
        error_messages={"invalid": "Person's e-mail address: enter an address like "
                        "name@example.gov."},
    )
    date_from = forms.DateField(
        label="From", required=False, widget=_DATE, help_text="The first day (Central time).",
        error_messages={"invalid": "From: enter a date like 01/15/2027."},
    )
    date_to = forms.DateField(
        label="To", required=False, widget=_DATE, help_text="The last day, included.",
        error_messages={"invalid": "To: enter a date like 01/31/2027."},
    )
    action = forms.CharField(
        label="Action", required=False, max_length=40,
        help_text="For example view, download, export, present, approve.",
    )

    def clean_ticket(self):
        value = self.cleaned_data["ticket"].strip()
        if not value:
            return None
        if value.isdigit() and len(value) <= 18:
            return int(value)
        from tickets.models import Ticket

        pk = Ticket.objects.filter(number__iexact=value).values_list("pk", flat=True).first()
        if pk is None:
            raise ValidationError(
                f"Ticket: no ticket has the number {value}. Enter it as the ticket page "
                "shows it (PRP-2027-000123), or the ticket's id."
            )
        return pk

    def clean_person(self):
        email = self.cleaned_data["person"].strip()
        if not email:
            return None
        person = User.objects.filter(email__iexact=email).first()
        if person is None:
            raise ValidationError(
                "Person's e-mail address: no account has this address. Check the spelling."
            )
        return person

    def clean_action(self):
        return self.cleaned_data["action"].strip().lower()

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "To: the last day must be on or after the From day.")
        return data


def _start_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=CENTRAL)


def matching(data):
    """The audit rows the (valid) search asks for, unordered."""
    rows = AuditEvent.objects.all()
    if data.get("ticket") is not None:
        rows = rows.filter(object_type=audit.TICKET, object_id=data["ticket"])
    if data.get("person") is not None:
        rows = rows.filter(user=data["person"])
    if data.get("date_from"):
        rows = rows.filter(at__gte=_start_of(data["date_from"]))
    if data.get("date_to"):
        rows = rows.filter(at__lt=_start_of(data["date_to"] + datetime.timedelta(days=1)))
    if data.get("action"):
        rows = rows.filter(action=data["action"])
    return rows


def describe(data) -> str:
    """The search in one line, for its own audit row."""
    parts = []
    if data.get("ticket") is not None:
        parts.append(f"ticket={data['ticket']}")
    if data.get("person") is not None:
        parts.append(f"person={data['person'].pk}")
    for key in ("date_from", "date_to"):
        if data.get(key):
            parts.append(f"{key}={data[key].isoformat()}")
    if data.get("action"):
        parts.append(f"action={data['action']}")
    return " ".join(parts) or "everything"


def _anchor(value):
    if not str(value or "").isdigit():
        return None
    at = AuditEvent.objects.filter(pk=int(value)).values_list("at", flat=True).first()
    return None if at is None else (at, int(value))


def page_of(rows, *, older=None, newer=None, size=PAGE_SIZE):
    """One page of ``rows``, newest first: the rows before ``older`` (a row's pk), or
    after ``newer``, or the newest. Returns ``(entries, has_newer, has_older)``."""
    rows = rows.select_related("user")
    before, after = _anchor(older), _anchor(newer)
    if after is not None:
        at, pk = after
        found = list(
            rows.filter(at__gte=at).filter(Q(at__gt=at) | Q(at=at, pk__gt=pk))
            .order_by("at", "pk")[: size + 1]
        )
        return list(reversed(found[:size])), len(found) > size, True
    if before is not None:
        at, pk = before
        rows = rows.filter(at__lte=at).filter(Q(at__lt=at) | Q(at=at, pk__lt=pk))
    found = list(rows.order_by("-at", "-pk")[: size + 1])
    return found[:size], before is not None, len(found) > size


def _ticket_numbers(entries):
    from tickets.models import Ticket

    ids = {e.object_id for e in entries if e.object_type == audit.TICKET and e.object_id}
    if not ids:
        return {}
    return dict(Ticket.objects.filter(pk__in=ids).values_list("pk", "number"))


@audit_readers
def audit_log(request):
    form = AuditSearchForm(request.GET or None)
    context = {"form": form, "entries": [], "export_cap": settings.AUDIT_EXPORT_MAX_ROWS}
    if form.is_bound and not form.is_valid():
        return render(request, "audit/log.html", context, status=400)
    data = form.cleaned_data if form.is_bound else {}
    entries, has_newer, has_older = page_of(
        matching(data), older=request.GET.get("older"), newer=request.GET.get("newer")
    )
    numbers = _ticket_numbers(entries)
    for entry in entries:
        entry.ticket_number = numbers.get(entry.object_id) if (
            entry.object_type == audit.TICKET) else None
    audit.write(user=request.user, action="search", object_type=audit.AUDIT_LOG,
                object_id=None, detail=describe(data), status=200)
    query = request.GET.copy()
    for key in ("older", "newer"):
        query.pop(key, None)
    context.update(
        entries=entries, has_newer=has_newer, has_older=has_older,
        query=query.urlencode(),
        newer_pk=entries[0].pk if entries else None,
        older_pk=entries[-1].pk if entries else None,
    )
    return render(request, "audit/log.html", context)


EXPORT_COLUMNS = [
    ("at", "When (Central time)"), ("person", "Person"), ("action", "Action"),
    ("object_type", "Record type"), ("object_id", "Record id"), ("detail", "Detail"),
    ("source", "Source"), ("method", "Method"), ("path", "Path"), ("status", "Status"),
    ("ip_address", "Client address"), ("request_id", "Request id"),
    ("user_agent", "User agent"),
]


def _export_row(event):
    return {
        "at": event.at, "person": event.user.email if event.user_id else "(system)",
        "action": event.action, "object_type": event.object_type,
        "object_id": event.object_id, "detail": event.detail, "source": event.source,
        "method": event.method, "path": event.path, "status": event.status,
        "ip_address": event.ip_address, "request_id": event.request_id,
        "user_agent": event.user_agent,
    }


@audit_readers
def audit_export(request):
    """The search as .xlsx: text cells are text, never formulas (portal.exports)."""
    form = AuditSearchForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "audit/log.html",
                      {"form": form, "entries": [],
                       "export_cap": settings.AUDIT_EXPORT_MAX_ROWS}, status=400)
    data = form.cleaned_data if form.is_bound else {}
    cap = settings.AUDIT_EXPORT_MAX_ROWS
    rows = matching(data).select_related("user").order_by("-at", "-pk")
    truncated = rows[cap : cap + 1].exists()
    note = "Confidential: the audit log of the Provider Resolution Portal."
    if truncated:
        note += f" Only the newest {cap:,} matching entries; narrow the dates for the rest."
    workbook = exports.write_workbook(
        title="Audit log", columns=EXPORT_COLUMNS, sheet_name="Audit log", note=note,
        rows=(_export_row(e) for e in rows[:cap].iterator(chunk_size=1000)),
    )
    day = timezone.localdate().isoformat()
    detail = describe(data) + (f"; cut at {cap} rows" if truncated else "")
    return exports.xlsx_response(workbook, f"audit-log-{day}.xlsx",
                                 object_type=audit.AUDIT_LOG, detail=detail)
