from django.urls import path

from tickets.views import common, hfs, provider

urlpatterns = [
    path("new/", provider.start_ticket, name="ticket_start"),
    path("new/window/", provider.filing_window, name="ticket_filing_window"),
    path("claims-template.xlsx", provider.claims_template_download,
         name="ticket_claims_template"),
    path("triage/", hfs.triage_queue, name="triage_queue"),
    path("<int:pk>/", common.ticket_detail, name="ticket_detail"),
    path("<int:pk>/edit/", provider.edit_draft, name="ticket_edit"),
    path("<int:pk>/submitted/", provider.submitted, name="ticket_submitted"),
    path("<int:pk>/new-from-this/", provider.start_from_closed, name="ticket_copy"),
    path("<int:pk>/files/<int:attachment_pk>/", common.attachment_download,
         name="ticket_attachment"),
    path("<int:pk>/files/<int:attachment_pk>/remove/", provider.remove_attachment,
         name="ticket_attachment_remove"),
    path("<int:pk>/assign/", hfs.assign_to_me, name="ticket_assign"),
    path("<int:pk>/present/", hfs.present, name="ticket_present"),
    path("<int:pk>/close/", hfs.close, name="ticket_close"),
    path("<int:pk>/note/", hfs.internal_note, name="ticket_note"),
]
