"""Issue 11: the beat task that keeps the summaries up to date, and the command that
recounts them from scratch (docs/decisions/0008)."""

import io

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from reports.models import ChangedTicket, MonthlyCount
from reports.tasks import refresh_summaries
from tests.reports.conftest import REPORT_NOW

pytestmark = pytest.mark.django_db


def test_every_ticket_change_is_queued_in_its_own_transaction(personas, other_mco_staff):
    from tests.reports.conftest import Story

    story = Story(personas, other_mco_staff)
    with time_machine.travel(REPORT_NOW, tick=False):
        ticket = story.file()
    assert list(ChangedTicket.objects.values_list("ticket_id", flat=True)) == [ticket.pk]


def test_the_beat_task_recounts_the_queued_tickets(story):
    ChangedTicket.objects.create(ticket_id=story.t1.pk)
    with time_machine.travel(REPORT_NOW, tick=False):
        assert refresh_summaries.delay().get() == 1
    assert not ChangedTicket.objects.exists()


def test_rebuild_reports_check_passes_when_nothing_drifted(story):
    out = io.StringIO()
    with time_machine.travel(REPORT_NOW, tick=False):
        call_command("rebuild_reports", "--check", stdout=out)
    assert "5 tickets counted" in out.getvalue()


def test_rebuild_reports_check_fails_and_mends_a_drifted_sum(story):
    row = MonthlyCount.objects.filter(measure="filed").first()
    MonthlyCount.objects.filter(pk=row.pk).update(n=row.n + 7)
    with time_machine.travel(REPORT_NOW, tick=False), pytest.raises(
            CommandError, match="had drifted"):
        call_command("rebuild_reports", "--check", stdout=io.StringIO())
    assert MonthlyCount.objects.get(month=row.month, mco=row.mco,
                                    complaint_type=row.complaint_type,
                                    measure="filed").n == row.n
