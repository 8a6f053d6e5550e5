"""Friendly error pages that keep the layout (and never show internals)."""

from django.shortcuts import render
from django.template.loader import get_template


def _is_api(request):
    return request.path.startswith("/api/")


def _api_problem(request, status):
    from api.problems import django_error

    return django_error(request, status)


def permission_denied(request, exception=None):
    if _is_api(request):
        return _api_problem(request, 403)
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    if _is_api(request):
        return _api_problem(request, 404)
    return render(request, "404.html", status=404)


def _database_unavailable():
    """The request failed because the database could not be reached (a restart, a
    failover): not a bug, and nothing was saved (its transaction never committed)."""
    import sys

    from django.db import InterfaceError, OperationalError

    error = sys.exc_info()[1]
    while error is not None:
        if isinstance(error, OperationalError | InterfaceError):
            return True
        error = error.__cause__ or error.__context__
    return False


def server_error(request):
    if _database_unavailable():
        # Issue 15: "the portal is briefly unavailable, nothing you sent was saved, try
        # again" with 503 and Retry-After, never the 500 page. No context processors: they
        # would ask the database.
        from django.http import HttpResponse

        if _is_api(request):
            response = _api_problem(request, 503)
        else:
            response = HttpResponse(get_template("503.html").render(), status=503)
        response["Retry-After"] = "30"
        return response
    if _is_api(request):
        return _api_problem(request, 500)
    # No context processors: the failure may be in them. The template needs none.
    from django.http import HttpResponseServerError

    return HttpResponseServerError(get_template("500.html").render())
