"""``/calendar/``: the deadline calendar feed (its token is the credential) and its controls
(issue 15). Its own prefix, not under /closures/: subscribed addresses stay in people's
calendars for years."""

from django.urls import path

from deadlines import feed_views

urlpatterns = [
    path("<str:token>.ics", feed_views.calendar_feed, name="calendar_feed"),
    path("settings/", feed_views.calendar_feed_change, name="calendar_feed_change"),
]
