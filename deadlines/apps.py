from django.apps import AppConfig


class DeadlinesConfig(AppConfig):
    name = "deadlines"
    verbose_name = "Deadlines"

    def ready(self):
        # Connects the receivers that keep the calendar's closure-day cache current.
        from deadlines import closures, receivers  # noqa: F401
