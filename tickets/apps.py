from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = "Tickets"

    def ready(self):
        from tickets import clock_handlers, clock_kinds  # noqa: F401  (kinds and handlers)
