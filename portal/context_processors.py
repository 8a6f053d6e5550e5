"""Template context: the role-aware navigation."""

from django.urls import reverse

from portal import access
from portal.access import Role


def navigation(request):
    """The primary navigation by role, HFS's queues and reference data grouped in
    drop-downs (USWDS extended header); Account and the audit log as secondary links."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_secondary": [], "user_roles": []}
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
        items.append(("Queues", [
            ("Triage", reverse("triage_queue")),
            ("Extensions", reverse("extension_queue")),
            ("Overdue responses", reverse("overdue_responses")),
            ("Reviews", reverse("review_queue")),
            ("Investigations", reverse("investigations")),
        ]))
        items.append(("All tickets", reverse("ticket_search")))
        items.append(("Reports", reverse("reports")))
        items.append(("Reference data", [
            ("MCOs", reverse("mco_list")),
            ("Closure days", reverse("closure_list")),
            ("Outages", reverse("outage_list")),
            ("API clients", reverse("api_client_list")),
        ]))
    if Role.REGISTRATION_ADMIN in roles:
        items.append(("Registrations", reverse("registration_queue")))
        if Role.HFS not in roles:  # HFS staff find it under Reference data
            items.append(("API clients", reverse("api_client_list")))
    if access.can_manage_people(user):
        items.append(("People", reverse("people_list")))
    secondary = []
    from portal import audit

    if audit.can_read(user):
        secondary.append(("Audit log", reverse("audit_log")))
    secondary.append(("Account", reverse("account_settings")))
    path = request.path

    def entry(label, target, index=0):
        if isinstance(target, list):
            children = [entry(child, url) for child, url in target]
            # Only the most specific child is the current page (/closures/outages/ is also
            # under /closures/).
            current = [c for c in children if c["current"]]
            if len(current) > 1:
                best = max(current, key=lambda c: len(c["url"]))
                for child in current:
                    child["current"] = child is best
            return {"label": label, "children": children, "id": f"nav-group-{index}",
                    "current": any(c["current"] for c in children)}
        return {"label": label, "url": target,
                "current": path == target or path.startswith(target.rstrip("/") + "/")}

    seen, nav = set(), []
    for index, (label, target) in enumerate(items):
        if label in seen:  # a person with two roles sees "All tickets" once
            continue
        seen.add(label)
        nav.append(entry(label, target, index))
    return {"nav_items": nav, "nav_secondary": [entry(lbl, url) for lbl, url in secondary],
            "user_roles": sorted(r.label for r in roles)}
