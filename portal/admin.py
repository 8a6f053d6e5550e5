"""The Django admin of the portal app: people and the notifications outbox.

The admin is for the state's superusers (IT operations), signed in through allauth with
two-step verification (``portal/urls.py``); every page and change is audited (R-SEC-2,
``portal.audit.record_admin_request``). Staff do their work on the portal's own pages.
What is a record stays a record here: roles change only through ``manage.py grant_role``
(which keeps SPEC §1's rules), notifications are never edited (only resent), and
deactivating goes through ``portal.people.set_active`` (which also ends the sessions).
"""

from django.contrib import admin, messages
from django.db import transaction

from deadlines.days import short_datetime
from portal import people
from portal.access import LABELS, ROLE_BY_GROUP
from portal.models import Invitation, Notification, User
from portal.notifications import MAX_ATTEMPTS, notify
from registration.models import ProviderMembership


def _superusers_only(request):
    """The admin opens for active superusers only, whatever ``is_staff`` says."""
    user = request.user
    return user.is_active and user.is_superuser


admin.site.has_permission = _superusers_only


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record: listed and shown, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- People -----------------------------------------------------------------------------


class MembershipInline(ReadOnlyInline):
    model = ProviderMembership
    fk_name = "user"
    fields = ["provider", "relationship", "approved_at", "approved_by", "ended_at", "ended_by",
              "end_reason"]
    readonly_fields = fields
    verbose_name_plural = "provider memberships (end one on the portal's provider page)"


@admin.register(User)
class PersonAdmin(admin.ModelAdmin):
    """People: names and phone are editable; roles, MCO and status are not (see above)."""

    list_display = ["email", "full_name", "roles", "mco", "is_active", "last_login"]
    list_filter = ["is_active", "groups", "mco", "is_superuser"]
    search_fields = ["email", "first_name", "last_name"]
    ordering = ["email"]
    fields = ["email", "first_name", "last_name", "phone", "roles", "mco", "is_active",
              "deactivated_at", "deactivated_by", "is_staff", "is_superuser", "last_login",
              "date_joined"]
    readonly_fields = ["email", "roles", "mco", "is_active", "deactivated_at",
                       "deactivated_by", "is_staff", "is_superuser", "last_login",
                       "date_joined"]
    inlines = [MembershipInline]
    actions = ["deactivate", "reactivate"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("mco").prefetch_related("groups")

    def has_add_permission(self, request):
        return False  # staff are invited (People page); providers sign up and register

    def has_delete_permission(self, request, obj=None):
        return False  # a person's actions stay attributed to them: deactivate instead

    @admin.display(description="name", ordering="last_name")
    def full_name(self, obj):
        return obj.get_full_name()

    @admin.display(description="roles (change with manage.py grant_role)")
    def roles(self, obj):
        names = [LABELS[ROLE_BY_GROUP[g.name]] if g.name in ROLE_BY_GROUP else g.name
                 for g in obj.groups.all()]
        return ", ".join(sorted(names)) or "—"

    @admin.action(description="Deactivate the selected people (ends their sessions)")
    def deactivate(self, request, queryset):
        self._set_active(request, queryset, active=False)

    @admin.action(description="Reactivate the selected people")
    def reactivate(self, request, queryset):
        self._set_active(request, queryset, active=True)

    def _set_active(self, request, queryset, *, active):
        changed = []
        for person in queryset:
            if person.pk == request.user.pk and not active:
                self.message_user(request, "You cannot deactivate your own account.",
                                  messages.ERROR)
                continue
            if person.is_active != active:
                people.set_active(person, active=active, by=request.user)
                changed.append(person.email)
        verb = "Reactivated" if active else "Deactivated"
        if changed:
            self.message_user(request, f"{verb}: {', '.join(changed)}.", messages.SUCCESS)
        else:
            self.message_user(request, "Nothing changed.", messages.INFO)


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["email", "role", "mco", "invited_by", "created_at", "accepted_at"]
    list_filter = ["role", "mco"]
    search_fields = ["email"]


# --- Notifications ----------------------------------------------------------------------


class DeliveryFilter(admin.SimpleListFilter):
    title = "delivery"
    parameter_name = "delivery"

    def lookups(self, request, model_admin):
        return [("sent", "Sent"), ("failed", "Failed (will retry)"),
                ("gave_up", f"Failed {MAX_ATTEMPTS} times (no more retries)"),
                ("pending", "Waiting to be sent")]

    def queryset(self, request, queryset):
        unsent = queryset.filter(sent_at__isnull=True)
        return {
            "sent": queryset.filter(sent_at__isnull=False),
            "failed": unsent.exclude(last_error="").filter(attempts__lt=MAX_ATTEMPTS),
            "gave_up": unsent.filter(attempts__gte=MAX_ATTEMPTS),
            "pending": unsent.filter(last_error=""),
        }.get(self.value(), queryset)


def delivery(notification) -> str:
    if notification.sent_at:
        return f"Sent {short_datetime(notification.sent_at)}"
    if notification.attempts >= MAX_ATTEMPTS:
        return f"Failed {notification.attempts} times; no more retries"
    if notification.last_error:
        return f"Failed ({notification.attempts} attempt(s)); will retry"
    return "Waiting to be sent"


def resend(notification) -> str:
    """Send a notification again, now (after commit). A sent one is left as it is, as the
    record of that e-mail, and a fresh copy goes out; an unsent one gets its attempts back
    and goes out itself, so that it is never sent twice."""
    from portal.tasks import publish_after_commit, send_notification

    if notification.sent_at:
        copy = notify(to=notification.recipient or notification.to_email,
                      template=notification.template, context=notification.context)
        return f"a copy of #{notification.pk} (#{copy.pk})"
    Notification.objects.filter(pk=notification.pk, sent_at__isnull=True).update(
        attempts=0, claimed_at=None
    )
    publish_after_commit(send_notification, notification.pk)
    return f"#{notification.pk}"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """The outbox. The context is not shown: it can hold a set-password link."""

    list_display = ["created_at", "to_email", "template", "status", "attempts", "error"]
    list_filter = [DeliveryFilter, "template"]
    search_fields = ["to_email", "template"]
    fields = ["to_email", "recipient", "template", "created_at", "status", "attempts",
              "claimed_at", "sent_at", "last_error", "dedupe_key"]
    readonly_fields = fields
    actions = ["resend_selected"]

    @admin.display(description="delivery")
    def status(self, obj):
        return delivery(obj)

    @admin.display(description="last error")
    def error(self, obj):
        return (obj.last_error[:120] + "…") if len(obj.last_error) > 120 else obj.last_error

    @admin.action(description="Resend the selected notifications")
    def resend_selected(self, request, queryset):
        with transaction.atomic():
            done = [resend(n) for n in queryset.select_for_update()]
        self.message_user(request, f"Sending again: {', '.join(done)}.", messages.SUCCESS)
