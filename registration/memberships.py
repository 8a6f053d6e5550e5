"""The registration app's public answers about provider users (R-REG-1, R-SEC-1)."""

from registration.models import Provider, ProviderMembership


def approved_providers(user):
    """The providers/facilities ``user`` is approved to act for, now."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Provider.objects.none()
    return Provider.objects.filter(
        memberships__user=user, memberships__ended_at__isnull=True
    ).distinct()


def approved_provider_ids(user):
    """The ids of ``approved_providers(user)``, as a subquery of the memberships alone (one
    index, no join, no DISTINCT): what ``Ticket.objects.visible_to`` filters on (issue 14:
    the planner's work on every page a provider user opens)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ProviderMembership.objects.none().values("provider_id")
    return ProviderMembership.objects.active().filter(user=user).values("provider_id")


def can_file_tickets(user) -> bool:
    """R-REG-1: only a person with at least one approved registration may enter a ticket."""
    return ProviderMembership.objects.active().filter(user=user).exists()
