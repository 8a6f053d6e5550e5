from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "Background jobs (exports)"

    def ready(self):
        # Each app registers its job kinds in its ``exports`` module (jobs.register), like
        # the admin's ``admin`` modules: imported here, so the web process and the worker
        # know the same kinds.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("exports")
