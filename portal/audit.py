"""R-SEC-2: the append-only audit log of every view of, and change to, a ticket or a
registration (who, what, when, from where), whatever the path.

``write(...)`` is the one way to add a row. Any code calls it: a view, the workflow, a
service, the admin, a management command, a Celery task. Where the call happens is read
from the *audit context*, a ``contextvars`` value that says what is running:

* a web request (``source="web"``): set by ``portal.middleware.RequestContextMiddleware``
  with the request id, the client address (``client_ip``), the user agent, the method and
  the path;
* a Celery task (``source="task:<task name>"``, the task id as the request id): set by the
  task signals in ``portal.celery``;
* anything else: ``"command:<name>"`` when ``manage.py <name>`` runs, otherwise ``"system"``;
  no address. ``bound(...)`` sets a context by hand (a script, a test).

``@audited(object_type)`` wraps a view that shows or changes one object: a GET it answers
(2xx or 3xx) is one "view" row. A POST is recorded by the action it runs (the workflow or
the service calls ``write``); when nothing in the request wrote a row that is still in the
database (the action was refused, or its code does not record itself yet) the decorator
writes one "change" row, so every answered request on a ticket leaves exactly one trace.
Refused requests (404 for a stranger, 403) are not the object being seen.

Requests to the Django admin are recorded by ``record_admin_request`` (called by the
middleware), and each admin ``LogEntry`` (add, change, delete) by a receiver below.
"""

from __future__ import annotations

import contextlib
import ipaddress
import sys
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models.signals import post_save
from django.urls import Resolver404, resolve

#: The record types the portal writes. Admin rows of other models use ``app_label.model``.
TICKET = "ticket"
REGISTRATION = "registration"
MEMBERSHIP = "membership"
PERSON = "person"
EXPORT = "export"
AUDIT_LOG = "audit_log"

#: Models whose admin pages are recorded under the portal's own record type, so that a
#: search by ticket finds the admin's look at it too.
ADMIN_OBJECT_TYPES = {
    "tickets.ticket": TICKET,
    "registration.registrationrequest": REGISTRATION,
    "registration.providermembership": MEMBERSHIP,
    "portal.user": PERSON,
}

MAX_DETAIL = 1000
_READING = frozenset({"GET", "HEAD"})


# --- The context -------------------------------------------------------------------------


@dataclass
class Context:
    """What is running: where an audit row (and a log line) comes from."""

    source: str
    request_id: str = ""
    ip_address: str | None = None
    user_agent: str = ""
    method: str = ""
    path: str = ""
    #: The HttpRequest, inside a web request (its ``user`` is read after authentication).
    request: object = field(default=None, repr=False)
    #: Primary keys of the rows written in this context (see ``recorded_since``).
    written: list[int] = field(default_factory=list, repr=False)
    #: What an export made in this context held (``note_export``), for its audit row.
    export_rows: int | None = None
    #: An integration API request: the client and the token it came with (issue 13).
    api_client_id: int | None = None
    api_token_id: int | None = None


_current: ContextVar[Context | None] = ContextVar("portal_audit_context", default=None)


def default_source(argv=None) -> str:
    """``command:<name>`` under ``manage.py <name>`` (or ``django-admin``), else ``system``."""
    argv = sys.argv if argv is None else argv
    program = Path(argv[0]).name if argv else ""
    if program in ("manage.py", "django-admin") and len(argv) > 1:
        return f"command:{argv[1]}"[:60]
    return "system"


def current() -> Context:
    """The context of the code running now (a fresh default one when none is bound)."""
    context = _current.get()
    return context if context is not None else Context(source=default_source())


@contextlib.contextmanager
def bound(context: Context | None = None, **fields):
    """Run the block in ``context`` (or ``Context(**fields)``); the previous one after."""
    context = context or Context(**fields)
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def new_request_id() -> str:
    """Our own id for a request: 32 hex characters, never taken from the client.

    An incoming ``X-Request-ID`` is a header anyone can send: reused, it would let a
    caller make their requests look like another person's in the log and the audit
    trail. The id is returned in the response's ``X-Request-ID`` header instead, where a
    proxy can log it beside its own.
    """
    return uuid.uuid4().hex


def request_context(request) -> Context:
    return Context(
        source="web",
        request_id=new_request_id(),
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        method=request.method or "",
        path=request.get_full_path()[:500],
        request=request,
    )


def request_user():
    """The signed-in person of the current web request, or None."""
    user = getattr(current().request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


# --- The client's address ----------------------------------------------------------------


def client_ip(request, trusted_proxy_count: int | None = None) -> str | None:
    """The client's address: the right-most hop no proxy of ours vouches for.

    With ``TRUSTED_PROXY_COUNT`` = 0 (no proxy in front) it is ``REMOTE_ADDR``: the
    ``X-Forwarded-For`` header is the client's own words and is ignored. With N trusted
    proxies, each appends the address it received the request from, so the N-th entry
    from the right was written by our outermost proxy; anything left of it came from the
    client and is never used. A header shorter than N (the request skipped a proxy) gives
    its left-most entry, which a proxy of ours still wrote. An entry that is not an IP
    address gives None.
    """
    if trusted_proxy_count is None:
        trusted_proxy_count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    address = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if trusted_proxy_count > 0 and forwarded.strip():
        hops = forwarded.split(",")
        address = hops[-min(trusted_proxy_count, len(hops))]
    return clean_ip(address)


def clean_ip(value) -> str | None:
    """``value`` as a canonical IP address (a port or IPv6 brackets dropped), or None."""
    text = str(value or "").strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 203.0.113.7:443
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


# --- Writing -----------------------------------------------------------------------------


def write(*, user, action, object_type, object_id, detail="", status=None):
    """Add one row to the audit log and return it.

    ``user``: who acted (a User; None or an anonymous user for the system). ``action``: a
    short verb ("view", "present", "approve", "export"...). ``object_type`` and
    ``object_id``: the record (``TICKET`` and the ticket's pk...; None when there is no
    one record). ``detail``: a short free text (cut to 1,000 characters); put no more
    protected health information in it than the action needs. ``status``: the HTTP status,
    when known. Where it happened (source, request id, address, user agent, method, path)
    comes from the current context.

    Call it inside the action's transaction: a refused action then leaves no row behind.
    """
    from portal.models import AuditEvent

    context = current()
    object_id, detail = _object_id(object_id, detail)
    event = AuditEvent.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        action=str(action)[:40],
        object_type=str(object_type)[:40],
        object_id=object_id,
        detail=str(detail or "")[:MAX_DETAIL],
        source=context.source[:60],
        request_id=context.request_id[:64],
        method=context.method[:8],
        path=context.path[:500],
        status=status,
        ip_address=context.ip_address,
        user_agent=context.user_agent[:300],
        api_client_id=context.api_client_id,
        api_token_id=context.api_token_id,
    )
    context.written.append(event.pk)
    return event


def _object_id(value, detail):
    """An integer id, or None with a non-numeric id kept at the head of the detail."""
    if value is None or value == "":
        return None, detail
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value, detail
    text = str(value)
    if text.isdigit() and len(text) <= 18:
        return int(text), detail
    return None, f"id {text[:100]}" + (f"; {detail}" if detail else "")


def recorded_since(context: Context, mark: int = 0) -> bool:
    """Whether a row written in ``context`` after ``mark`` is still in the database (a row
    written inside a transaction that rolled back is not)."""
    from portal.models import AuditEvent

    pks = context.written[mark:]
    return bool(pks) and AuditEvent.objects.filter(pk__in=pks).exists()


def note_export(rows: int):
    """An export made in this context held ``rows`` rows (shown in its audit row)."""
    current().export_rows = rows


# --- Views -------------------------------------------------------------------------------


def audited(object_type, id_kwarg="pk", *, action=None, post_ids=()):
    """Record each answered request of the view (see the module's docstring).

    ``id_kwarg``: the URL parameter naming the object. With ``None`` the view shows no one
    object on GET (nothing is written), and a POST that redirects to an object's page (a
    creating action) is recorded against that object. ``action``: the verb of the rows the
    decorator writes (default "view" for GET, "change" otherwise). ``post_ids``: posted
    fields holding ids (digits only are kept) named in the detail, for bulk actions.
    Other URL parameters (an attachment's id) go in the detail.
    """

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            context = current()
            mark = len(context.written)
            response = view(request, *args, **kwargs)
            user = getattr(request, "user", None)
            if response.status_code >= 400 or not getattr(user, "is_authenticated", False):
                return response
            reading = request.method in _READING
            if id_kwarg is not None:
                object_id = kwargs.get(id_kwarg)
            else:
                object_id = None if reading else _redirect_target_id(response)
            if reading and object_id is None:
                return response
            if not reading and recorded_since(context, mark):
                return response
            write(
                user=user,
                action=action or ("view" if reading else "change"),
                object_type=object_type,
                object_id=object_id,
                detail=_detail(kwargs, id_kwarg, request, post_ids),
                status=response.status_code,
            )
            return response

        return wrapper

    return decorate


def _redirect_target_id(response):
    location = response.get("Location", "") if 300 <= response.status_code < 400 else ""
    if not location:
        return None
    try:
        match = resolve(urlsplit(location).path)
    except Resolver404:
        return None
    return match.kwargs.get("pk")


def _detail(kwargs, id_kwarg, request, post_ids):
    parts = [f"{k}={v}" for k, v in kwargs.items() if k != id_kwarg]
    for name in post_ids:
        ids = [v for v in request.POST.getlist(name) if v.isdigit()][:200]
        if ids:
            parts.append(f"{name}={','.join(ids)}")
    return " ".join(parts)


# --- The Django admin --------------------------------------------------------------------


def admin_object_type(model) -> str:
    label = model._meta.label_lower
    return ADMIN_OBJECT_TYPES.get(label, label)


def record_admin_request(request, response):
    """One row for each answered admin page of a model (a list, an object, a POST). A POST
    whose change the admin logged (``LogEntry``, recorded below) needs no second row."""
    match = getattr(request, "resolver_match", None)
    if match is None or "admin" not in match.app_names:
        return
    model_admin = getattr(match.func, "model_admin", None)
    user = getattr(request, "user", None)
    if model_admin is None or response.status_code >= 400:
        return
    if not getattr(user, "is_authenticated", False):
        return
    reading = request.method in _READING
    context = current()
    if not reading and recorded_since(context):
        return
    detail = ""
    if not reading and request.POST.get("action"):
        selected = [v for v in request.POST.getlist("_selected_action") if v.isdigit()]
        detail = f"admin action {request.POST['action'][:60]}: {','.join(selected[:200])}"
    write(
        user=user,
        action="admin_view" if reading else "admin_change",
        object_type=admin_object_type(model_admin.model),
        object_id=match.kwargs.get("object_id"),
        detail=detail or match.url_name or "",
        status=response.status_code,
    )


_ADMIN_ACTIONS = {1: "admin_add", 2: "admin_change", 3: "admin_delete"}


def _record_log_entry(sender, instance, created, raw=False, **kwargs):
    """Every add, change and delete the admin logs is an audit row too."""
    if not created or raw:
        return
    content_type = instance.content_type
    model = content_type.model_class() if content_type else None
    object_type = admin_object_type(model) if model else "admin"
    message = instance.get_change_message() if instance.action_flag == 2 else ""
    write(
        user=instance.user,
        action=_ADMIN_ACTIONS.get(instance.action_flag, "admin_change"),
        object_type=object_type,
        object_id=instance.object_id,
        detail=f"{instance.object_repr}" + (f": {message}" if message else ""),
    )


post_save.connect(_record_log_entry, sender="admin.LogEntry",
                  dispatch_uid="portal.audit.log_entry")


# --- Who reads the log -------------------------------------------------------------------

READ_PERMISSION = "portal.read_audit_log"


def can_read(user) -> bool:
    """HFS portal staff holding ``portal.read_audit_log`` (the "Audit readers" group)."""
    from portal import access

    return access.is_hfs_staff(user) and access.has_permission(user, READ_PERMISSION)
