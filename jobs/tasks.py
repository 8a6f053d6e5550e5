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
