"""Template context: the role-aware navigation."""

from django.urls import reverse

from portal import access
from portal.access import Role


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_roles": []}
    roles = access.roles_of(user)
    items = []
    if Role.PROVIDER in roles:
        items.append(("My provider work", reverse("provider_home")))
        items.append(("All tickets", reverse("ticket_search")))
        items.append(("File a ticket", reverse("ticket_start")))
        items.append(("Register a provider", reverse("registration_new")))
    if Role.MCO in roles:
        items.append(("MCO queue", reverse("mco_queue")))
        items.append(("All tickets", reverse("ticket_search")))
        items.append(("Scorecard", reverse("scorecard")))
    if Role.HFS in roles:
        items.append(("HFS work", reverse("hfs_home")))
        items.append(("All tickets", reverse("ticket_search")))
        items.append(("Triage", reverse("triage_queue")))
        items.append(("Extensions", reverse("extension_queue")))
        items.append(("Overdue responses", reverse("overdue_responses")))
        items.append(("Reviews", reverse("review_queue")))
        items.append(("Investigations", reverse("investigations")))
        items.append(("Reports", reverse("reports")))
        items.append(("MCOs", reverse("mco_list")))
        items.append(("Closure days", reverse("closure_list")))
    if Role.REGISTRATION_ADMIN in roles:
        items.append(("Registrations", reverse("registration_queue")))
    if access.can_manage_people(user):
        items.append(("People", reverse("people_list")))
    from portal import audit

    if audit.can_read(user):
        items.append(("Audit log", reverse("audit_log")))
    items.append(("Account", reverse("account_settings")))
    path = request.path
    nav = [
        {"label": label, "url": url, "current": path == url or path.startswith(url + "/")}
        for label, url in items
    ]
    return {"nav_items": nav, "user_roles": sorted(r.label for r in roles)}
