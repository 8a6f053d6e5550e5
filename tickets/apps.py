from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = "Tickets"

    def ready(self):
        from tickets import clock_kinds, workflow  # noqa: F401  (clock kinds and handlers)
