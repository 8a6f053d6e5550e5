"""The Django admin shows tickets read-only: every change goes through the workflow, so a
closed ticket can never be changed here either (R-FLOW-8)."""

from django.contrib import admin

from tickets.models import Ticket, TicketEvent


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    can_delete = False
    fields = ["at", "action", "actor", "role", "from_state", "to_state", "note", "internal"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["number", "state", "provider", "mco", "complaint_type", "submitted_at"]
    list_filter = ["state", "mco", "complaint_type"]
    search_fields = ["number", "tracking_number", "provider__legal_name"]
    inlines = [TicketEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
