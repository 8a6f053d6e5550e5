"""``GET /api/v1/events?after=<cursor>``: the change feed (``api.feed``) and who am I."""

from __future__ import annotations

import functools

from django import forms
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers as drf_serializers
from rest_framework.response import Response

from api import feed, forms_bridge, serializers
from api.schema import READ_ERRORS
from api.views.base import ApiView


class FeedQuery(forms.Form):
    after = forms.CharField(required=False, max_length=60,
                            help_text="A cursor from this feed; “now” to start from the "
                                      "latest event; empty for the very first.")
    limit = forms.IntegerField(required=False, min_value=1, max_value=feed.MAX_LIMIT,
                               help_text=f"1 to {feed.MAX_LIMIT} events (default 100).")


@functools.cache
def tickets_url() -> str:
    """"/api/v1/tickets", reversed once: reverse() for each of 1,000 events costs more than
    the feed's query."""
    return reverse("api:tickets")



class FeedQuerySchema(drf_serializers.Serializer):
    """The feed's query parameters, for the schema (FeedQuery checks them)."""

    after = drf_serializers.CharField(required=False, max_length=60, help_text=str(
        FeedQuery.base_fields["after"].help_text))
    limit = drf_serializers.IntegerField(required=False, min_value=1, max_value=feed.MAX_LIMIT,
                                         help_text=str(FeedQuery.base_fields["limit"].help_text))


class Events(ApiView):
    @extend_schema(
        operation_id="events_list", responses={200: serializers.FeedPage, **READ_ERRORS},
        parameters=[FeedQuerySchema],
        summary="Every event this client may see, in order, after a cursor")
    def get(self, request):
        query = forms_bridge.bind(FeedQuery, request, data=request.query_params)
        events, next_cursor, more = feed.read(request.user, query.get("after") or None,
                                              query.get("limit") or 100)
        return Response({
            "events": [feed_event(e) for e in events],
            "next_cursor": next_cursor,
            "has_more": more,
        })


def feed_event(event):
    return {
        "cursor": feed.cursor_of(event), "id": event.pk, "ticket_id": event.ticket_id,
        "ticket_number": event.ticket.number, "action": event.action,
        "from_state": event.from_state, "to_state": event.to_state, "role": event.role,
        "at": event.at, "ticket_url": f"{tickets_url()}/{event.ticket_id}",
    }


class Me(ApiView):
    @extend_schema(operation_id="me", responses={200: serializers.MeOut, **READ_ERRORS},
                   summary="This client and token: what it acts for and may do")
    def get(self, request):
        from registration.memberships import approved_providers

        client, token = self.client, request.auth
        providers = approved_providers(request.user) if client.kind == "provider" else []
        return Response({
            "client": client.name, "kind": client.kind,
            "mco": serializers.MCORef(client.mco).data if client.mco else None,
            "providers": serializers.ProviderRef(providers, many=True).data,
            "token": token.name, "scope": token.scope, "expires_at": token.expires_at,
        })
