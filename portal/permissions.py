"""Who may do what to which ticket, request, extension or investigation: small named
predicates (django-rules' style), one place that the workflow and the views both ask.

``portal.access`` answers "which role does this person hold"; this module answers "may this
person act on *this* object": role *and* relationship (SPEC §1, R-SEC-1). Every workflow
transition calls :func:`require` with one of these predicates, so a wrong actor is refused
whatever the caller (a view, the admin, a command, a task, the API); views ask the same
predicates only to decide what to show.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from portal import access


class ActorRefused(PermissionDenied):
    """The person may not take this action on this object. The message says who may."""


# --- Relationship predicates ---------------------------------------------------------------


def is_hfs(user, obj=None) -> bool:
    return access.is_hfs_staff(user)


def is_registration_admin(user, obj=None) -> bool:
    return access.is_registration_admin(user)


def acts_for_provider(user, provider_id) -> bool:
    """A provider user with an approved, unended membership for that provider (R-REG-1)."""
    if not access.is_provider_user(user) or provider_id is None:
        return False
    from registration.models import ProviderMembership

    cache = user.__dict__.setdefault("_portal_provider_ids", {})
    if provider_id not in cache:
        cache[provider_id] = ProviderMembership.objects.active().filter(
            user=user, provider_id=provider_id
        ).exists()
    return cache[provider_id]


def is_ticket_provider(user, ticket) -> bool:
    """Someone acting for the ticket's provider."""
    return acts_for_provider(user, ticket.provider_id)


def is_ticket_mco(user, ticket) -> bool:
    """Staff of the MCO the ticket is filed against."""
    return access.is_mco_staff(user) and user.mco_id == ticket.mco_id


def supervises_mco_queue(user) -> bool:
    """MCO staff who may assign their MCO's tickets to colleagues."""
    return access.is_mco_staff(user) and access.has_permission(
        user, "tickets.supervise_mco_queue")


def supervises_ticket_mco(user, ticket) -> bool:
    return is_ticket_mco(user, ticket) and supervises_mco_queue(user)


def is_ticket_party(user, ticket) -> bool:
    """The provider's people, the MCO's staff (once presented) or HFS."""
    return (
        is_hfs(user)
        or is_ticket_provider(user, ticket)
        or (is_ticket_mco(user, ticket) and ticket.presented_at is not None)
    )


def hfs_or_ticket_mco(user, ticket) -> bool:
    return is_hfs(user) or is_ticket_mco(user, ticket)


def may_act_as_party(user, ticket, party) -> bool:
    """``party`` is "provider" or "mco": the person belongs to that side of the ticket."""
    if party == "provider":
        return is_ticket_provider(user, ticket)
    if party == "mco":
        return is_ticket_mco(user, ticket)
    return False


def role_on(user, ticket) -> str:
    """The role a person acts in on a ticket, for the timeline: the real one, never the
    one the caller claims. HFS first (HFS staff who are also something else act as HFS)."""
    if user is None:
        return "system"
    if is_hfs(user):
        return "hfs"
    if is_ticket_mco(user, ticket):
        return "mco"
    if is_ticket_provider(user, ticket):
        return "provider"
    return ""


# --- Refusing ------------------------------------------------------------------------------

WHO = {
    is_hfs: "HFS portal staff",
    is_registration_admin: "a registration admin",
    is_ticket_provider: "the people registered for the ticket's provider",
    is_ticket_mco: "the staff of the ticket's MCO",
    supervises_ticket_mco: "an MCO supervisor of the ticket's MCO",
    is_ticket_party: "the ticket's provider, its MCO or HFS",
    hfs_or_ticket_mco: "HFS portal staff or the ticket's MCO",
}


def require(predicate, user, obj=None, *, action: str) -> None:
    """Refuse ``action`` unless ``predicate(user, obj)`` holds."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        raise ActorRefused(f"Only a signed-in, active person can {action}.")
    if not predicate(user, obj):
        who = WHO.get(predicate, "someone with the right role")
        raise ActorRefused(f"Only {who} can {action}.")


# --- Registration ---
# Who may file, decide, escalate and end access (SPEC §2). See docs/decisions for why a
# registration admin never decides a request they filed, and who may end a membership.


def is_registration_requester(user, request) -> bool:
    """R-REG-2: a provider user filing a request in their own name: the signed-in person
    is the request's requester (nobody files for somebody else's account)."""
    return access.is_provider_user(user) and request.requester_id == user.pk


def may_decide_registration(user, request) -> bool:
    """R-REG-4: a registration admin approves or denies, never on a request they filed."""
    return access.is_registration_admin(user) and request.requester_id != user.pk


def may_end_membership(user, membership) -> bool:
    """A registration admin, or the member themself (leaving a provider's office). A
    colleague at the same provider may not: the portal has no provider-side admin."""
    return access.is_registration_admin(user) or membership.user_id == user.pk


WHO.update({
    is_registration_requester: "the signed-in provider user named as its requester",
    may_decide_registration: "a registration admin who did not file the request",
    may_end_membership: "a registration admin or the member themself",
})  # fmt: skip


# --- Integration API clients (issue 13) ---


def may_manage_api_client(user, client) -> bool:
    """HFS portal staff make and end MCOs' systems; registration admins make and end
    provider organisations' and billing agents' (they approve who acts for a provider)."""
    if client is None:
        return False
    if client.kind == "mco":
        return access.is_hfs_staff(user)
    if client.kind == "provider":
        return access.is_registration_admin(user)
    return False


WHO[may_manage_api_client] = ("HFS portal staff (for an MCO's system) or a registration "
                              "admin (for a provider's)")
