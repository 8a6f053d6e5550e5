"""The Django admin of registration: requests, their decisions, providers and memberships,
all records here (read-only). A request is decided, and a membership ended, on the portal's
own pages, where the transition checks the actor (``registration.services``); the admin
links there. Denial reasons are the one list kept here (R-REG-4)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from portal.admin import ReadOnlyAdmin, ReadOnlyInline
from registration.models import (
    DenialReason,
    Provider,
    ProviderMembership,
    RegistrationDecision,
    RegistrationRequest,
    RequestedIndividual,
    RequestedProvider,
)


class DecisionInline(ReadOnlyInline):
    model = RegistrationDecision
    fields = ["at", "action", "by", "summary"]
    readonly_fields = fields
    show_change_link = False


class RequestedProviderInline(ReadOnlyInline):
    model = RequestedProvider
    fields = ["row_number", "legal_name", "medicaid_id", "npi", "tax_id", "address", "approved",
              "provider"]
    readonly_fields = fields
    show_change_link = False


class RequestedIndividualInline(ReadOnlyInline):
    model = RequestedIndividual
    fields = ["name", "email", "relationship", "is_requester", "user"]
    readonly_fields = fields
    show_change_link = False


@admin.register(RegistrationRequest)
class RegistrationRequestAdmin(ReadOnlyAdmin):
    list_display = ["reference", "name", "email", "status", "submitted_at", "escalated_at",
                    "decided_at", "review_page"]
    list_filter = ["status", "source"]
    search_fields = ["name", "email", "providers__legal_name", "providers__npi"]
    inlines = [RequestedProviderInline, RequestedIndividualInline, DecisionInline]

    @admin.display(description="decide on the portal")
    def review_page(self, obj):
        return format_html('<a href="{}">review page</a>',
                           reverse("registration_review", args=[obj.pk]))


@admin.register(RegistrationDecision)
class RegistrationDecisionAdmin(ReadOnlyAdmin):
    list_display = ["at", "request", "action", "by", "summary"]
    list_filter = ["action"]
    list_select_related = ["request", "by"]


class MembershipOfProviderInline(ReadOnlyInline):
    model = ProviderMembership
    fields = ["user", "relationship", "approved_at", "approved_by", "ended_at", "end_reason"]
    readonly_fields = fields


@admin.register(Provider)
class ProviderAdmin(ReadOnlyAdmin):
    list_display = ["legal_name", "medicaid_id", "npi", "tax_id", "city", "state"]
    search_fields = ["legal_name", "medicaid_id", "npi", "tax_id"]
    inlines = [MembershipOfProviderInline]


@admin.register(ProviderMembership)
class ProviderMembershipAdmin(ReadOnlyAdmin):
    """Memberships: who acts for which provider, since when, until when and why."""

    list_display = ["user", "provider", "relationship", "approved_at", "approved_by",
                    "ended_at", "ended_by", "provider_page"]
    list_filter = ["relationship", ("ended_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "provider__legal_name", "provider__npi"]
    list_select_related = ["user", "provider", "approved_by", "ended_by"]

    @admin.display(description="end it on the portal")
    def provider_page(self, obj):
        return format_html('<a href="{}">provider page</a>',
                           reverse("registration_provider", args=[obj.provider_id]))


@admin.register(DenialReason)
class DenialReasonAdmin(admin.ModelAdmin):
    """The reasons registration admins choose from. Retire one (not active) rather than
    delete it: denied requests keep the reasons they were given."""

    list_display = ["text", "position", "is_active"]
    list_editable = ["position", "is_active"]

    def has_delete_permission(self, request, obj=None):
        return False
