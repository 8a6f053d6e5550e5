"""A long piece of work asked for in a request and done by a Celery worker (an export)."""

import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.urls import reverse
from django.utils import timezone


def job_file_path(instance, filename):
    # A random name: the stored path says nothing about the person or what is in it.
    return f"jobs/{uuid.uuid4().hex}"


class Job(models.Model):
    """One job: who asked, what kind, its parameters, how far it is, and the file it made.

    The status moves queued → running → done or failed, only in ``jobs.runner``, each step
    by a conditional update (the row changes only from the status it is expected to have),
    so two workers given the same job run it once. The file lives in the default storage,
    outside the static path (R-SEC-4), and is deleted after ``expires_at`` by the beat task
    ``jobs.delete_expired_files``.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Running"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=60)
    label = models.CharField("what it makes", max_length=200)
    params = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jobs"
    )
    #: The page the job was started from (a path), to start it again from there.
    return_url = models.CharField(max_length=1000, blank=True)

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField("percent done", default=0)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    #: For the person: why it failed (never a traceback or a value from the data).
    error = models.CharField(max_length=500, blank=True)

    file = models.FileField(upload_to=job_file_path, max_length=300, blank=True)
    filename = models.CharField("file name", max_length=150, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    file_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="job_requester_idx"),
            # The beat task asks only "which files are past their time?".
            models.Index(fields=["expires_at"], name="job_file_expiry_idx",
                         condition=models.Q(file_deleted_at__isnull=True,
                                            expires_at__isnull=False)),
            # ... and "which jobs never finished?".
            models.Index(fields=["created_at"], name="job_unfinished_idx",
                         condition=models.Q(status__in=["queued", "running"])),
        ]

    def __str__(self):
        return f"{self.label} ({self.get_status_display().lower()})"

    def get_absolute_url(self):
        return reverse("job_status", args=[self.pk])

    @property
    def is_finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def is_expired(self):
        return self.status == self.Status.DONE and (
            self.file_deleted_at is not None
            or (self.expires_at is not None and self.expires_at <= timezone.now())
        )

    @property
    def can_download(self):
        return self.status == self.Status.DONE and bool(self.file) and not self.is_expired
