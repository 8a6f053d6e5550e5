"""What the API answers with: plain, documented shapes (drf-spectacular reads them)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers

from deadlines import calendar


class MCORef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    short_name = serializers.CharField()


class ProviderRef(serializers.Serializer):
    id = serializers.IntegerField()
    legal_name = serializers.CharField()
    npi = serializers.CharField()
    medicaid_id = serializers.CharField()
    tax_id = serializers.CharField()
    address = serializers.CharField()


class ComplaintTypeRef(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


class TicketSummary(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(allow_null=True, help_text="Null while a draft.")
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    complaint_type = ComplaintTypeRef()
    provider = ProviderRef()
    mco = MCORef()
    tracking_number = serializers.CharField()
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    presented_at = serializers.DateTimeField(allow_null=True)
    response_due_at = serializers.DateTimeField(
        source="response_due", allow_null=True,
        help_text="The MCO's response due moment (end of the day, Central).")
    updated_at = serializers.DateTimeField(allow_null=True,
                                           help_text="The moment of its latest event.")
    closed_at = serializers.DateTimeField(allow_null=True)
    close_reason = serializers.CharField(allow_blank=True)
    url = serializers.SerializerMethodField()

    def get_url(self, ticket) -> str:
        return reverse("api:ticket", args=[ticket.pk])


class TicketPage(serializers.Serializer):
    next = serializers.CharField(allow_null=True, help_text="The next page's address.")
    previous = serializers.CharField(allow_null=True,
                                     help_text="The previous page's address.")
    results = TicketSummary(many=True)


class ClaimOut(serializers.Serializer):
    row_number = serializers.IntegerField(allow_null=True)
    claim_number = serializers.CharField()
    tracking_number = serializers.CharField()
    member_rin = serializers.CharField()
    member_name = serializers.CharField()
    service_from = serializers.DateField()
    service_to = serializers.DateField()
    billed = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True)
    paid = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True)
    disputed = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True)
    denial_reason = serializers.CharField()
    comments = serializers.CharField(allow_blank=True)


class ClockOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    unit = serializers.CharField(help_text="business or calendar")
    length = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    due_date = serializers.DateField(help_text="The last day to act (Central time).")
    due_at = serializers.DateTimeField(help_text="The due moment: the end of the last day.")
    running = serializers.BooleanField(source="is_running")
    outcome = serializers.CharField(allow_blank=True)
    stopped_at = serializers.DateTimeField(allow_null=True)
    days_left = serializers.SerializerMethodField(
        help_text="Days left in the clock's unit (0 on the last day; negative when late); "
                  "null once stopped.")

    def get_days_left(self, clock) -> int | None:
        if not clock.is_running:
            return None
        today = timezone.localtime(timezone.now(), calendar.CENTRAL).date()
        if clock.unit == "business":
            if clock.due_date >= today:
                return calendar.business_days_between(today, clock.due_date)
            return -calendar.business_days_between(clock.due_date, today)
        return (clock.due_date - today).days


class EventOut(serializers.Serializer):
    id = serializers.IntegerField()
    action = serializers.CharField()
    from_state = serializers.CharField(allow_blank=True)
    to_state = serializers.CharField(allow_blank=True)
    role = serializers.CharField(help_text="provider, mco, hfs or system")
    at = serializers.DateTimeField()
    note = serializers.CharField(allow_blank=True)


class MessageOut(serializers.Serializer):
    id = serializers.IntegerField()
    role = serializers.CharField()
    author = serializers.CharField()
    at = serializers.DateTimeField()
    body = serializers.CharField()


class AttachmentOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    role = serializers.CharField()
    uploaded_at = serializers.DateTimeField()
    download_url = serializers.SerializerMethodField()

    def get_download_url(self, attachment) -> str:
        return reverse("api:attachment", args=[attachment.ticket_id, attachment.pk])


class InformationRequestOut(serializers.Serializer):
    id = serializers.IntegerField()
    requested_at = serializers.DateTimeField()
    request_text = serializers.CharField()
    answered_at = serializers.DateTimeField(allow_null=True)
    answer_text = serializers.CharField(allow_blank=True)
    already_sent = serializers.BooleanField()


class ResponseOut(serializers.Serializer):
    responded_at = serializers.DateTimeField()
    is_late = serializers.BooleanField()
    response_text = serializers.CharField()
    plan_applies = serializers.BooleanField()
    plan_text = serializers.CharField(allow_blank=True)
    resolve_by = serializers.DateField(allow_null=True)
    representative_name = serializers.CharField()
    representative_phone = serializers.CharField()
    representative_email = serializers.CharField()


class ExtensionOut(serializers.Serializer):
    id = serializers.IntegerField()
    party = serializers.CharField()
    requested_at = serializers.DateTimeField()
    circumstances = serializers.CharField()
    status = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField(allow_blank=True)


class TicketDetail(TicketSummary):
    description = serializers.CharField(allow_blank=True)
    dispute_filed_on = serializers.DateField()
    internal_process_exhausted = serializers.BooleanField()
    uses_claims_template = serializers.BooleanField()
    claims = ClaimOut(many=True)
    clocks = ClockOut(many=True)
    events = EventOut(many=True)
    messages = MessageOut(many=True)
    attachments = AttachmentOut(many=True)
    information_requests = InformationRequestOut(many=True)
    response = ResponseOut(allow_null=True)
    extension_requests = ExtensionOut(many=True)


class FeedEvent(serializers.Serializer):
    cursor = serializers.CharField(help_text="Pass as ?after= to read on from this event.")
    id = serializers.IntegerField()
    ticket_id = serializers.IntegerField()
    ticket_number = serializers.CharField(allow_null=True)
    action = serializers.CharField()
    from_state = serializers.CharField(allow_blank=True)
    to_state = serializers.CharField(allow_blank=True)
    role = serializers.CharField()
    at = serializers.DateTimeField()
    ticket_url = serializers.CharField()


class FeedPage(serializers.Serializer):
    events = FeedEvent(many=True)
    next_cursor = serializers.CharField(
        help_text="Where to read on from next time (the last event's cursor, or the one you "
                  "sent when there was nothing new).")
    has_more = serializers.BooleanField()


class ActionResult(serializers.Serializer):
    ticket = TicketSummary()
    message = serializers.CharField()


class MeOut(serializers.Serializer):
    client = serializers.CharField()
    kind = serializers.CharField()
    mco = MCORef(allow_null=True)
    providers = ProviderRef(many=True)
    token = serializers.CharField()
    scope = serializers.CharField()
    expires_at = serializers.DateTimeField()
