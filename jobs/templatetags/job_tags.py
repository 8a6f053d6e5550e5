"""``{% recent_jobs "tickets.mco_export" %}``: on the page a job is started from, the
person's latest jobs of that kind (running, or ready with their download link): the
portal's own notice that a file is ready, beside the button that asked for it."""

from django import template

from jobs import service

register = template.Library()


@register.inclusion_tag("jobs/_recent.html", takes_context=True)
def recent_jobs(context, kind, limit=3):
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"recent": service.recent(user, kind, limit=limit)}
