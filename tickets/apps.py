from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = "Tickets"

    def ready(self):
        # The clock kinds, their expiry handlers, and the provider's waiting copy's handler.
        from tickets import action_needed, clock_handlers, clock_kinds  # noqa: F401
