from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal: accounts, roles and reference data"

    def ready(self):
        from portal import checks, lookups, signals  # noqa: F401  (checks and receivers)

        lookups.register()
