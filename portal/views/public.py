"""Pages anyone may open: the landing page and the health check."""

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from kombu.utils.url import maybe_sanitize_url

from portal import access

log = logging.getLogger(__name__)


@access.public
def landing(request):
    """Explains the process in plain words (SPEC §3–4) and where fee-for-service goes."""
    return render(request, "portal/landing.html")


@access.public
@never_cache
def healthz(request):
    """Database and broker status for load balancers and compose health checks."""
    status = {"database": _database_ok(), "broker": _broker_ok(), "cache": _cache_ok()}
    healthy = all(status.values())
    body = {"status": "ok" if healthy else "unavailable"}
    body.update({k: "ok" if v else "unavailable" for k, v in status.items()})
    return JsonResponse(body, status=200 if healthy else 503)


def _database_ok():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()[0] == 1
    except Exception:
        log.exception("Health check: database unavailable")
        return False


def _cache_ok():
    """The cache answers (portal.cache falls back to memory when it does not: the pages
    keep working, but an operator must know)."""
    from django.core.cache import cache

    try:
        cache.set("healthz", "ok", 10)
        return cache.get("healthz") == "ok" and not getattr(cache, "degraded", False)
    except Exception:
        log.exception("Health check: cache unavailable")
        return False


def _broker_ok():
    from portal.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        # The address without its password: a log line never holds a secret (issue 10).
        log.exception("Health check: broker unavailable at %s",
                      maybe_sanitize_url(settings.CELERY_BROKER_URL))
        return False


@access.signed_in
def home(request):
    """Sends a signed-in person to the home page of their role."""
    return redirect(access.home_url_name(request.user))
