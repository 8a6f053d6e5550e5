"""Models of the registration app: provider organisations, memberships, and registration
requests with their decisions (SPEC §2)."""

from registration.models.providers import Provider, ProviderMembership, Relationship
from registration.models.requests import (
    DenialReason,
    RegistrationDecision,
    RegistrationRequest,
    RequestedIndividual,
    RequestedProvider,
    RequestStatus,
)

__all__ = [
    "DenialReason",
    "Provider",
    "ProviderMembership",
    "RegistrationDecision",
    "RegistrationRequest",
    "Relationship",
    "RequestStatus",
    "RequestedIndividual",
    "RequestedProvider",
]
