"""``{% calendar_feed_panel as panel %}``: what the account page's "Calendar feed" section
needs about the signed-in person's feed (issue 15): whether they may have one, whether it
is on, which tickets it holds, and the address when it was just made (shown this once)."""

from django import template

from deadlines import feeds
from deadlines.feed_views import FeedScopeForm, new_once
from deadlines.models import CalendarFeed

register = template.Library()


@register.simple_tag(takes_context=True)
def calendar_feed_panel(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not feeds.may_have_feed(user):
        return {"offered": False}
    feed = CalendarFeed.objects.filter(user=user).first()
    return {
        "offered": True,
        "feed": feed,
        "address": context.get("calendar_feed_address", ""),
        "made_new": context.get("calendar_feed_made_new", False),
        "offers_scope": feeds.offers_scope(user),
        "scope_form": FeedScopeForm(initial={"scope": feed.scope if feed else "all"},
                                    auto_id="feed-%s"),
        "once": new_once(),
    }
