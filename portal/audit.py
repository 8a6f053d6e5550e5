"""R-SEC-2: the decorator that writes the audit log for a view of a ticket or registration.

Every request the view answers (2xx or 3xx) is one row: a GET is a "view", anything else a
"change". Refused requests (404 for a stranger, 403) are not the object being viewed, and
Django's request log keeps them.
"""

from functools import wraps

from django.conf import settings

from portal.models import AuditEvent


def client_ip(request):
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def audited(object_type, id_kwarg="pk"):
    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            if response.status_code < 400 and request.user.is_authenticated:
                AuditEvent.objects.create(
                    user=request.user,
                    action="view" if request.method in ("GET", "HEAD") else "change",
                    object_type=object_type,
                    object_id=kwargs.get(id_kwarg),
                    method=request.method,
                    path=request.get_full_path()[:500],
                    status=response.status_code,
                    ip_address=client_ip(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
                )
            return response

        return wrapper

    return decorate
