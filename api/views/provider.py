"""Drafts from a provider client's system (issue 13). STUB: being written."""

from api.views.base import ApiView
from api.views.tickets import TicketList


class Tickets(TicketList):
    pass


class Claim(ApiView):
    pass


class ClaimsTemplate(ApiView):
    pass


class Attachments(ApiView):
    pass


class Submit(ApiView):
    pass
