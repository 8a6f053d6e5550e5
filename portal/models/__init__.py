"""Models of the portal app: people, reference data (MCOs, complaint types), the outbox."""

from portal.models.audit import AuditEvent
from portal.models.notifications import Notification
from portal.models.reference import MCO, ComplaintType
from portal.models.users import Invitation, User, UserSession

__all__ = [
    "MCO",
    "AuditEvent",
    "ComplaintType",
    "Invitation",
    "Notification",
    "User",
    "UserSession",
]
