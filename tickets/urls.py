from django.urls import path

from tickets.views import provider

urlpatterns = [
    path("new/", provider.start_ticket, name="ticket_start"),
]
