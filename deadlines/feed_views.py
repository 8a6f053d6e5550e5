"""The deadline calendar feed (issue 15): the feed itself, read by calendar applications with
the token in its address and no session, and the account page's controls (turn on, a new
address, which tickets, turn off)."""

import uuid

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.cache import get_conditional_response, patch_cache_control
from django.views.decorators.http import require_POST, require_safe

from deadlines import feeds
from deadlines.models import CalendarFeed, FeedScope
from portal import access
from portal.access import Role
from portal.forms import PortalForm

#: How long a sent "turn on" / "new address" form is remembered, so that sending it again
#: (a reload, a double click) makes no second address behind the one just shown.
FORM_SENT_FOR = 24 * 60 * 60
#: Calendar applications and proxies may keep a copy for five minutes, never shared.
FEED_CACHE_CONTROL = "private, max-age=300"

with_a_role = access.for_roles(Role.PROVIDER, Role.MCO, Role.HFS, Role.REGISTRATION_ADMIN)


class FeedScopeForm(PortalForm):
    scope = forms.ChoiceField(
        label="Which tickets' deadlines", choices=FeedScope.choices, widget=forms.RadioSelect,
        help_text="Tickets nobody is assigned to appear only with “Every ticket I act on”.",
    )


def new_once():
    return uuid.uuid4().hex


@access.public
@require_safe
def calendar_feed(request, token):
    """The feed: anyone holding the address, signed in or not. A wrong, old or revoked
    token is "not found", like a page that does not exist."""
    feed = CalendarFeed.find(token)
    if feed is None:
        raise Http404
    body = feeds.render(feeds.events_for(feed.user, feed.scope))
    etag = feeds.etag_of(body)
    feeds.note_read(feed, agent=request.META.get("HTTP_USER_AGENT", ""))
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="deadlines.ics"'
    response["ETag"] = etag
    response["Cache-Control"] = FEED_CACHE_CONTROL
    # The address is the credential: never sent on as a referrer, never indexed.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _shown(request, token, *, made_new):
    """The account page with the new address, shown this once (only its hash is kept)."""
    response = render(request, "portal/account.html", {
        "needs_mfa": access.needs_mfa(request.user),
        "calendar_feed_address": feeds.feed_url(token),
        "calendar_feed_made_new": made_new,
    })
    patch_cache_control(response, no_store=True, no_cache=True, private=True, max_age=0)
    return response


@with_a_role
@require_POST
def calendar_feed_change(request):
    action = request.POST.get("action", "")
    user = request.user
    if action in ("turn_on", "new_address"):
        once = request.POST.get("once", "")[:32]
        if once and not cache.add(f"calendar-feed-form:{user.pk}:{once}", True,
                                  timeout=FORM_SENT_FOR):
            messages.info(request, "That form was sent already: your calendar feed's address "
                          "was made then and is not shown again. If you did not copy it, "
                          "make a new address.")
            return redirect("account_settings")
        had_feed = CalendarFeed.objects.filter(user=user).exists()
        scope = request.POST.get("scope", FeedScope.ALL)
        if scope not in FeedScope.values:
            scope = FeedScope.ALL
        token = feeds.turn_on(user, scope=scope)
        return _shown(request, token, made_new=had_feed)
    if action == "turn_off":
        if feeds.turn_off(user):
            messages.success(request, "Your calendar feed is off. Its address no longer works; "
                             "you can remove the calendar from your calendar application.")
        return redirect("account_settings")
    if action == "scope":
        form = FeedScopeForm(request.POST)
        if form.is_valid() and feeds.change_scope(user, form.cleaned_data["scope"]):
            messages.success(request, "Saved. Your calendar shows the change the next time it "
                             "reads the feed.")
        return redirect("account_settings")
    return HttpResponseBadRequest("Unknown action.")
