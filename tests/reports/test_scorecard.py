"""Issue 11, R-SEC-1: an MCO's scorecard counts its own MCO's tickets from presentation on,
and never another MCO's — on the page, in its spreadsheets and in its lists."""

import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from reports import summaries
from tests.reports.conftest import REPORT_NOW, at
from tickets import workflow

pytestmark = pytest.mark.django_db

Q1 = {"first_month": "2027-01", "last_month": "2027-03"}


@pytest.fixture
def aetna_story(story, other_mco_staff):
    """Aetna gets a ticket of its own that is presented, answered late and overdue."""
    with time_machine.travel(at(1, 4), tick=False):
        ticket = story.file(mco="aetna", tracking="PDXGR7654321")
    with time_machine.travel(at(1, 5), tick=False):
        workflow.present(ticket.pk, by=story.hfs)
    story.aetna_ticket = ticket
    with time_machine.travel(REPORT_NOW, tick=False):
        from deadlines import clocks

        clocks.enforce_due_clocks(REPORT_NOW)
        summaries.refresh()
    return story


def scorecard(client, user, **params):
    with time_machine.travel(REPORT_NOW, tick=False):
        client.force_login(user)
        return client.get(reverse("scorecard"), {**Q1, **params})


def test_molina_sees_only_molina(aetna_story, client, mco_staff):
    response = scorecard(client, mco_staff)
    assert response.status_code == 200
    report = response.context["report"]
    assert report.scope.mco_id == mco_staff.mco_id and report.scope.for_mco
    assert [name for _, name in report.mcos] == ["Molina"]
    totals = report["by_month"].rows[-1]
    assert totals["presented"] == 4 and totals["responded"] == 3
    page = response.content.decode()
    assert aetna_story.t5.number in page  # Molina's own overdue response
    assert aetna_story.aetna_ticket.number not in page
    assert "Aetna" not in page


def test_aetna_sees_only_aetna(aetna_story, client, other_mco_staff):
    report = scorecard(client, other_mco_staff).context["report"]
    assert [name for _, name in report.mcos] == ["Aetna"]
    assert report["by_month"].rows[-1]["presented"] == 1
    overdue = [r["ticket"][0] for r in report["overdue"].rows]
    assert overdue == [aetna_story.aetna_ticket.number]
    sanctions = [r["ticket"][0] for r in report["sanctions"].rows]
    assert sanctions == [aetna_story.aetna_ticket.number]
    timeliness = {(r["step"], r["label"]) for r in report["timeliness"].rows}
    assert timeliness and all(label == "Aetna" for _, label in timeliness)


def test_an_mco_filter_in_the_address_is_ignored(aetna_story, client, mco_staff):
    report = scorecard(client, mco_staff, mco="aetna").context["report"]
    assert report.scope.mco_id == mco_staff.mco_id


def test_the_scorecard_leaves_out_what_comes_before_presentation(aetna_story, client,
                                                                  mco_staff):
    report = scorecard(client, mco_staff).context["report"]
    columns = {c.key for c in report["by_month"].columns}
    assert "filed" not in columns and "closed_at_triage:" not in columns
    assert "HFS triage" not in {r["step"] for r in report["timeliness"].rows}
    assert "investigations" not in report.tables
    assert "by_mco" not in report.tables


def test_the_scorecard_spreadsheet_holds_only_the_mcos_own_numbers(aetna_story, client,
                                                                   other_mco_staff):
    with time_machine.travel(REPORT_NOW, tick=False):
        client.force_login(other_mco_staff)
        response = client.get(reverse("scorecard_export", args=["overdue"]), Q1)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    numbers = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert numbers == [aetna_story.aetna_ticket.number]
    with time_machine.travel(REPORT_NOW, tick=False):
        missing = client.get(reverse("scorecard_export", args=["investigations"]), Q1)
    assert missing.status_code == 404


def test_mco_staff_cannot_open_the_hfs_reports(client, mco_staff):
    client.force_login(mco_staff)
    assert client.get(reverse("reports")).status_code == 403
    assert client.get(reverse("report_export", args=["by_mco"])).status_code == 403


def test_the_scorecard_costs_the_same_queries_for_more_tickets(
        aetna_story, client, mco_staff, django_assert_max_num_queries):
    with django_assert_max_num_queries(50) as few:
        scorecard(client, mco_staff)
    with time_machine.travel(at(3, 10), tick=False):
        for _ in range(4):
            workflow.present(aetna_story.file().pk, by=aetna_story.hfs)
    with time_machine.travel(REPORT_NOW, tick=False):
        summaries.refresh()
    with django_assert_max_num_queries(len(few.captured_queries)):
        report = scorecard(client, mco_staff).context["report"]
    assert report["by_month"].rows[-1]["presented"] == 8
