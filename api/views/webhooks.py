"""Webhook endpoints and their delivery log (issue 13): a client registers the https
addresses its system receives events at (``api.webhooks`` signs and sends them), disables
them, and reads what was sent and what failed. Both client kinds; reading needs the read
scope, registering and disabling the act scope."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from api import forms_bridge, problems, webhooks
from api.idempotency import idempotent
from api.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from api.schema import READ_ERRORS, WRITE_ERRORS
from api.views.base import ApiView

ERRORS = WRITE_ERRORS


class WebhookForm(forms.Form):
    url = forms.CharField(
        max_length=500, strip=True,
        help_text="The https address your system receives events at, e.g. "
                  "https://hooks.example.com/portal. It must resolve to a public address.")
    description = forms.CharField(required=False, max_length=200,
                                  help_text="What it is, for your own records.")

    def clean_url(self):
        try:
            return webhooks.check_url(self.cleaned_data["url"])
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from None


class WebhookOut(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    active = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    disabled_at = serializers.DateTimeField(allow_null=True)
    deliveries_url = serializers.SerializerMethodField()

    def get_active(self, endpoint) -> bool:
        return endpoint.disabled_at is None

    def get_deliveries_url(self, endpoint) -> str:
        return reverse("api:webhook_deliveries", args=[endpoint.pk])


class WebhookCreated(WebhookOut):
    secret = serializers.CharField(
        help_text="The signing secret: shown this once. Check each delivery's "
                  "Portal-Signature header with it.")


class WebhookList(serializers.Serializer):
    results = WebhookOut(many=True)


class DeliveryOut(serializers.Serializer):
    id = serializers.IntegerField(help_text="Sent as the Portal-Delivery-Id header.")
    event_id = serializers.IntegerField(help_text="The feed event's id (Portal-Event-Id).")
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    attempts = serializers.IntegerField()
    last_status_code = serializers.IntegerField(
        allow_null=True, help_text="The HTTP status your receiver last answered with; null "
                                   "when it gave no answer.")
    last_error = serializers.CharField(allow_blank=True)
    last_attempt_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    next_attempt_at = serializers.DateTimeField(
        allow_null=True, help_text="When it is sent (again); null once delivered or failed.")
    created_at = serializers.DateTimeField()


class DeliveryPage(serializers.Serializer):
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = DeliveryOut(many=True)


class DeliveryCursor(CursorPagination):
    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def _endpoint(view, pk):
    return get_object_or_404(WebhookEndpoint, pk=pk, client=view.client)


class Endpoints(ApiView):
    @extend_schema(operation_id="webhooks_list", responses={200: WebhookList, **READ_ERRORS},
                   summary="This client's webhook endpoints (without their secrets)")
    def get(self, request):
        endpoints = WebhookEndpoint.objects.filter(client=self.client).order_by("pk")
        return Response({"results": WebhookOut(endpoints, many=True).data})

    @extend_schema(
        operation_id="webhooks_create",
        request=forms_bridge.request_serializer(WebhookForm, "webhooks_create_request"),
        responses={201: WebhookCreated, **ERRORS},
        summary="Register a webhook endpoint; the answer shows its secret, once")
    @idempotent
    def post(self, request):
        data = forms_bridge.bind(WebhookForm, request)
        endpoint = webhooks.create_endpoint(self.client, by=request.user, url=data["url"],
                                            description=data["description"])
        return Response({**WebhookOut(endpoint).data, "secret": endpoint.secret},
                        status=201, headers={"Location": reverse("api:webhook",
                                                                 args=[endpoint.pk])})


class Endpoint(ApiView):
    @extend_schema(operation_id="webhooks_read",
                   responses={200: WebhookOut, **READ_ERRORS},
                   summary="One webhook endpoint (without its secret)")
    def get(self, request, pk):
        return Response(WebhookOut(_endpoint(self, pk)).data)

    @extend_schema(operation_id="webhooks_disable",
                   responses={204: OpenApiResponse(description="Disabled: nothing more is "
                                                               "sent to it."),
                              **ERRORS},
                   summary="Disable a webhook endpoint (deliveries still waiting are dropped)")
    def delete(self, request, pk):
        webhooks.disable_endpoint(_endpoint(self, pk), by=request.user)
        return Response(status=204)


class Deliveries(ApiView):
    pagination_class = DeliveryCursor

    @extend_schema(
        operation_id="webhooks_deliveries",
        parameters=[OpenApiParameter("cursor", str, description="The next or previous "
                                                                "link's cursor."),
                    OpenApiParameter("page_size", int, description="1 to 200 (default 50).")],
        responses={200: DeliveryPage, **READ_ERRORS},
        summary="The endpoint's delivery log, newest first")
    def get(self, request, pk):
        endpoint = _endpoint(self, pk)
        paginator = self.pagination_class()
        try:
            page = paginator.paginate_queryset(
                WebhookDelivery.objects.filter(endpoint=endpoint), request, view=self)
        except NotFound:  # a hand-made cursor
            raise problems.Problem(400, "validation", "The cursor is not one this list "
                                   "gave; follow the next and previous links.",
                                   errors=[{"field": "cursor", "message": "not valid"}]
                                   ) from None
        return paginator.get_paginated_response(DeliveryOut(page, many=True).data)
