"""Models of the tickets app: the ticket and its life (SPEC §3–4)."""

from tickets.models.attachments import TicketAttachment
from tickets.models.claims import TicketClaim
from tickets.models.events import TicketEvent
from tickets.models.exchange import (
    ExtensionRequest,
    InformationRequest,
    TicketMessage,
    TicketResponse,
)
from tickets.models.review import (
    Decision,
    Investigation,
    RepresentativeContact,
    ReviewSubmission,
)
from tickets.models.ticket import (
    TRIAGE_CLOSE_REASONS,
    CloseReason,
    State,
    Ticket,
    TicketNumber,
)

__all__ = [
    "Decision",
    "Investigation",
    "RepresentativeContact",
    "ReviewSubmission",
    "ExtensionRequest",
    "InformationRequest",
    "TicketMessage",
    "TicketResponse",
    "TRIAGE_CLOSE_REASONS",
    "CloseReason",
    "State",
    "Ticket",
    "TicketAttachment",
    "TicketClaim",
    "TicketEvent",
    "TicketNumber",
]
