"""The beat job that keeps the report summaries up to date (docs/decisions/0008)."""

from celery import shared_task

from reports import summaries


@shared_task(name="reports.refresh_summaries")
def refresh_summaries():
    return summaries.refresh()
