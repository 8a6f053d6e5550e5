"""Webhook endpoints and their delivery log (issue 13). STUB: being written."""

from api.views.base import ApiView


class Endpoints(ApiView):
    pass


class Endpoint(ApiView):
    pass


class Deliveries(ApiView):
    pass
