"""The Django admin of deadlines: clocks and their changes are records (read-only);
office-closure days are added here through ``deadlines.closures.add_closure`` (which checks
the day, logs the change and moves the running clocks) and removed on the portal's closures
page, which asks why (R-CLK-1)."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html

from deadlines import closures
from deadlines.models import Clock, ClockChange, ClosureChange, ClosureDay
from deadlines.templatetags.clocks import clock_label
from portal.admin import ReadOnlyAdmin, ReadOnlyInline


class ClockChangeInline(ReadOnlyInline):
    model = ClockChange
    fields = ["changed_at", "changed_by", "old_due_date", "new_due_date", "reason"]
    readonly_fields = fields
    show_change_link = False


class NeedsAttentionFilter(admin.SimpleListFilter):
    title = "attention"
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [("yes", "Its expiry action failed")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(attention_at__isnull=False)
        return queryset


@admin.register(Clock)
class ClockAdmin(ReadOnlyAdmin):
    list_display = ["kind_label", "content_type", "object_id", "start_date", "due_at",
                    "outcome", "stopped_at", "attention_at"]
    list_filter = ["kind", "outcome", NeedsAttentionFilter, "content_type"]
    search_fields = ["object_id"]
    list_select_related = ["content_type"]
    inlines = [ClockChangeInline]

    @admin.display(description="clock", ordering="kind")
    def kind_label(self, obj):
        return clock_label(obj)


@admin.register(ClosureChange)
class ClosureChangeAdmin(ReadOnlyAdmin):
    list_display = ["changed_at", "date", "action", "reason", "changed_by"]
    list_filter = ["action"]


@admin.register(ClosureDay)
class ClosureDayAdmin(admin.ModelAdmin):
    list_display = ["date", "reason", "added_by", "created_at", "remove_on_portal"]
    fields = ["date", "reason"]

    def has_change_permission(self, request, obj=None):
        return False  # a closure is added or removed, with its reason, never edited

    def has_delete_permission(self, request, obj=None):
        return False  # removing asks why, on the portal's closures page

    @admin.display(description="remove")
    def remove_on_portal(self, obj):
        return format_html('<a href="{}">on the closures page</a>', reverse("closure_list"))

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        admin_user = request.user

        class ClosureForm(form):
            def clean(self):
                data = super().clean()
                if self.errors:
                    return data
                # add_closure checks the day and saves it with its change record; the admin's
                # add view runs in one transaction, so nothing stays if a later step fails.
                try:
                    self.instance = closures.add_closure(data["date"], data["reason"],
                                                         admin_user)
                except ValidationError as error:
                    self.add_error("date", error)
                return data

        return ClosureForm

    def save_model(self, request, obj, form, change):
        """``add_closure`` already saved it (in ``clean``), with its change record."""
