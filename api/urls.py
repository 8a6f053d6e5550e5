"""``/api/v1/``: the integration API (docs/api.md). The reference is generated from the
OpenAPI schema (``/api/v1/schema.json``) at ``/api/v1/docs/``."""

from django.urls import path

from api.views import actions, events, provider, reference, tickets, webhooks

app_name = "api"

urlpatterns = [
    path("schema.json", reference.Schema.as_view(), name="schema"),
    path("docs/", reference.docs, name="docs"),
    path("me", events.Me.as_view(), name="me"),
    path("events", events.Events.as_view(), name="events"),
    path("tickets", provider.Tickets.as_view(), name="tickets"),
    path("tickets/<int:pk>", tickets.TicketRead.as_view(), name="ticket"),
    path("tickets/<int:pk>/attachments/<int:attachment_pk>",
         tickets.AttachmentDownload.as_view(), name="attachment"),
    # Drafts (provider clients).
    path("tickets/<int:pk>/claims", provider.Claim.as_view(), name="claim"),
    path("tickets/<int:pk>/claims-template", provider.ClaimsTemplate.as_view(),
         name="claims_template"),
    path("tickets/<int:pk>/attachments", provider.Attachments.as_view(), name="attachments"),
    path("tickets/<int:pk>/submit", provider.Submit.as_view(), name="submit"),
    # Actions on a filed ticket.
    path("tickets/<int:pk>/information-requests", actions.RequestInformation.as_view(),
         name="request_information"),
    path("tickets/<int:pk>/information-answers", actions.AnswerInformation.as_view(),
         name="answer_information"),
    path("tickets/<int:pk>/response", actions.SendResponse.as_view(), name="respond"),
    path("tickets/<int:pk>/tracking-number-unknown", actions.ReportTrackingUnknown.as_view(),
         name="tracking_unknown"),
    path("tickets/<int:pk>/extension-requests", actions.AskForExtension.as_view(),
         name="extension"),
    path("tickets/<int:pk>/messages", actions.PostMessage.as_view(), name="messages"),
    path("tickets/<int:pk>/accept", actions.Accept.as_view(), name="accept"),
    path("tickets/<int:pk>/contest", actions.Contest.as_view(), name="contest"),
    path("tickets/<int:pk>/review-request", actions.RequestReview.as_view(),
         name="request_review"),
    path("tickets/<int:pk>/review-submission", actions.ReviewSubmission.as_view(),
         name="review_submission"),
    # Webhooks: the client's endpoints and their delivery log.
    path("webhooks", webhooks.Endpoints.as_view(), name="webhooks"),
    path("webhooks/<int:pk>", webhooks.Endpoint.as_view(), name="webhook"),
    path("webhooks/<int:pk>/deliveries", webhooks.Deliveries.as_view(),
         name="webhook_deliveries"),
]
