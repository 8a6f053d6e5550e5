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


def server_error(request):
    if _is_api(request):
        return _api_problem(request, 500)
    # No context processors: the failure may be in them. The template needs none.
    from django.http import HttpResponseServerError

    return HttpResponseServerError(get_template("500.html").render())
