"""Celery tasks of the jobs app."""

from celery import shared_task

from jobs import runner


@shared_task(name="jobs.run")
def run_job(job_id):
    return runner.run(job_id)


@shared_task(name="jobs.delete_expired_files")
def delete_expired_files():
    """Beat job: delete export files past their time; fail jobs that never finished."""
    return runner.delete_expired_files()


@shared_task(name="jobs.start_waiting")
def start_waiting():
    """Beat job: publish again the jobs still queued a minute after they were made (the
    broker was down when they were started, issue 15). Running a job twice is harmless: the
    runner claims a queued job once."""
    import datetime

    from django.utils import timezone

    from jobs.models import Job

    waiting = Job.objects.filter(status=Job.Status.QUEUED,
                                 created_at__lt=timezone.now() - datetime.timedelta(minutes=1))
    ids = list(waiting.order_by("created_at").values_list("pk", flat=True)[:100])
    for pk in ids:
        run_job.delay(pk)
    return len(ids)
