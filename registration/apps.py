from django.apps import AppConfig


class RegistrationConfig(AppConfig):
    name = "registration"
    verbose_name = "Provider registration"

    def ready(self):
        from registration import services  # noqa: F401  (registers the clock handlers)
