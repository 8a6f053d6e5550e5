"""A published quarter of the public transparency report: a stored snapshot, never
changed (republishing adds a version), so readers see the same numbers every time."""

from django.conf import settings
from django.db import models


class PublishedReport(models.Model):
    quarter = models.CharField(max_length=7, help_text='For example "2027-Q1".')
    version = models.PositiveSmallIntegerField()
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    data_as_of = models.DateTimeField(null=True)
    tables = models.JSONField(help_text="The suppressed figures as published.")

    class Meta:
        ordering = ["-quarter", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["quarter", "version"], name="published_version"),
        ]

    def __str__(self):
        return f"Transparency report {self.quarter}, version {self.version}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("A published report is never changed; publish a new version.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("A published report is never deleted; publish a new version.")
