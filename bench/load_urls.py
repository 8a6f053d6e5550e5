"""The portal's URLs plus one bare view (bench/load.py compares the load with it): a
public view that returns a short text, through every middleware of the portal. It exists
only in the load test's settings (bench/load_settings.py)."""

from django.http import HttpResponse
from django.urls import path

from portal import access
from portal.urls import handler403, handler404, handler500
from portal.urls import urlpatterns as portal_urls

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]


@access.public
def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare, name="bench_bare"), *portal_urls]
