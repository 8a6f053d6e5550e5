"""Request guards: every view declares its rule (deny by default); staff enrol MFA first."""

import logging
import time

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from portal import access

log = logging.getLogger(__name__)


class AccessRuleMiddleware:
    """Refuses a view that declares no access rule, and a person the rule does not allow.

    Runs after Django's ``LoginRequiredMiddleware``, which has already sent anonymous
    people to the sign-in page for every view not marked public.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        rule = access.rule_for_view(view_func, match.app_names if match else ())
        if rule is None:
            log.error("View %r declares no access rule; refused.", view_func)
            raise PermissionDenied("This page declares no access rule.")
        if not rule.allows(request.user):
            raise PermissionDenied
        return None


# allauth pages a staff member needs while enrolling (sign-out, re-authentication, TOTP
# activation, recovery codes), and the health check.
MFA_ENROLMENT_MODULE_PREFIXES = ("allauth.",)
MFA_EXEMPT_URL_NAMES = frozenset({"healthz", "landing"})


class StaffMFAMiddleware:
    """R-SEC-3: a staff member without a TOTP authenticator reaches no staff page.

    allauth does not force enrolment by itself; this sends such a person to allauth's TOTP
    activation page (which asks for the password again, then shows the QR code and, once
    activated, the recovery codes).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not access.needs_mfa(user):
            return None
        module = getattr(view_func, "__module__", "") or ""
        if module.startswith(MFA_ENROLMENT_MODULE_PREFIXES):
            return None
        match = request.resolver_match
        if match is not None and match.url_name in MFA_EXEMPT_URL_NAMES:
            return None
        if access.has_totp(user):
            return None
        messages.info(
            request,
            "Staff accounts must use two-step verification. Set up an authenticator app "
            "to continue.",
        )
        return redirect("mfa_activate_totp")


class RequestContextMiddleware:
    """R-SEC-2: binds the audit context of the request (``portal.audit``): our own request
    id, the client address by the trusted proxy count, the user agent, method and path.
    Audit rows and log lines written while the request runs carry them; the response tells
    the id in ``X-Request-ID``. Requests to the Django admin are recorded here too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from portal import audit

        with audit.bound(audit.request_context(request)) as context:
            request.request_id = context.request_id
            response = self.get_response(request)
            audit.record_admin_request(request, response)
        response["X-Request-ID"] = context.request_id
        return response


PRIVATE = "private, no-store"


class PrivateCacheMiddleware:
    """R-SEC-2: no copy of a page that may show PHI is kept by a browser or a proxy.

    Every response to a signed-in person, and every response that varies on a session the
    request has (a session cookie came, or something is kept in the session: a sign-in
    half done, a message), is ``Cache-Control: private, no-store``, unless the view set its
    own Cache-Control (downloads and exports already say the same; the health check says
    ``never_cache``). Static files (WhiteNoise answers them before this runs) and the public
    pages an anonymous visitor without a session sees stay cacheable: every page reads the
    (empty) session to know who is looking, so ``Vary: Cookie`` alone says nothing. It
    sits above ``SessionMiddleware`` so that it sees the ``Vary: Cookie`` that one adds.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils.cache import has_vary_header

        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        user = getattr(request, "user", None)
        if getattr(user, "is_authenticated", False) or (
            has_vary_header(response, "Cookie") and _has_session(request)
        ):
            response["Cache-Control"] = PRIVATE
        return response


def _has_session(request) -> bool:
    from django.conf import settings

    session = getattr(request, "session", None)
    if session is None:
        return False
    return settings.SESSION_COOKIE_NAME in request.COOKIES or not session.is_empty()


#: The session key holding when the session was last saved (seconds since the epoch).
SESSION_SAVED_AT = "_saved_at"


class SessionTouchMiddleware:
    """R-SEC-3: the idle timeout with one session write a minute, not one a request.

    A session's row expires ``SESSION_COOKIE_AGE`` (``SESSION_IDLE_MINUTES``) after it was
    last saved. Saving it on every request (``SESSION_SAVE_EVERY_REQUEST``) kept that to
    the second but cost an UPDATE per request (issue 14). This saves a signed-in session
    only when its last save is ``SESSION_TOUCH_SECONDS`` (60) or more ago, or when the
    request changed it anyway: a person is signed out between ``SESSION_IDLE_MINUTES``
    minus that minute and ``SESSION_IDLE_MINUTES`` after their last request, never later.
    It sits below ``SessionMiddleware``, which does the save it asks for.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty():
            return response
        from django.conf import settings

        now = int(time.time())
        if session.modified:  # saved anyway: note it
            session[SESSION_SAVED_AT] = now
            return response
        interval = getattr(settings, "SESSION_TOUCH_SECONDS", 60)
        if now - int(session.get(SESSION_SAVED_AT, 0)) >= interval:
            session[SESSION_SAVED_AT] = now  # modified: SessionMiddleware saves it
        return response
