"""Issue 11: the HFS reports page — filters (a bad value named at its field, values kept,
never a 500), every table, charts with a text summary, spreadsheets read back, query
counts that do not grow with the tickets — and the monthly MCO performance summary."""

import datetime
import io
import re

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from portal.models import AuditEvent
from reports import summaries
from tests.reports.conftest import REPORT_NOW, at

pytestmark = pytest.mark.django_db

Q1 = {"first_month": "2027-01", "last_month": "2027-03"}


@pytest.fixture
def hfs_client(client, hfs_staff, at_report_time):
    client.force_login(hfs_staff)
    return client


def text_of(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_report_shows_every_table_for_the_months_chosen(story, hfs_client):
    response = hfs_client.get(reverse("reports"), Q1)
    assert response.status_code == 200
    report = response.context["report"]
    assert [r["filed"] for r in report["by_month"].rows] == [5, 0, 0, 5]
    for table_id in ("by_month", "by_mco", "by_type", "closed", "decisions", "timeliness",
                     "durations", "extensions", "overdue", "sanctions", "investigations",
                     "by_month_and_mco"):
        assert table_id in report.tables
    page = text_of(response)
    assert "January 2027 to March 2027" in page
    assert "Figures as of Mar 15, 2027 10:00 AM" in page
    assert story.t5.number in page  # overdue now, and a sanction candidate
    assert "Download “Volumes by month” (.xlsx)" in page


def test_the_charts_say_in_words_what_they_show(story, hfs_client):
    response = hfs_client.get(reverse("reports"), Q1)
    page = text_of(response)
    assert "Molina: 4 tickets filed over 3 months; the most in Jan 2027 (4)." in page
    assert "Aetna: 1 ticket filed over 3 months" in page
    assert "HFS triage: on-time rates range from 75% (Molina) to 100% (Aetna)." in page
    assert ("Median days: HFS triage 2.5 business days; MCO response 34 calendar days; "
            "Information request answered 2 business days; HFS decision 5 calendar days.") in page
    html = response.content.decode()
    assert 'role="img"' in html and "aria-describedby=\"chart-median-summary\"" in html
    assert "style=" not in html  # the CSP allows no inline style


def test_filters_narrow_the_report(story, hfs_client):
    response = hfs_client.get(reverse("reports"), {**Q1, "mco": "aetna",
                                                   "complaint_type": "communications"})
    report = response.context["report"]
    assert report["by_month"].rows[-1]["filed"] == 1
    assert [label for _, label in report.mcos] == ["Aetna"]
    assert list(report["overdue"].rows) == []


@pytest.mark.parametrize(("params", "field", "message"), [
    ({"first_month": "13/2027", "last_month": "2027-03"}, "first_month",
     "First month: enter a month and year like 2027-01, or choose one."),
    ({"first_month": "2027-03", "last_month": "2027-01"}, "last_month",
     "Last month: choose the first month or a later one."),
    ({"first_month": "2020-01", "last_month": "2027-01"}, "last_month",
     "Last month: choose at most 60 months (5 years) from the first month."),
    ({**Q1, "mco": "nobody"}, "mco", "MCO: choose one of the MCOs in the list."),
    ({**Q1, "complaint_type": "<script>"}, "complaint_type",
     "Complaint type: choose one of the types in the list."),
])
def test_a_bad_filter_is_named_at_its_field_and_kept(hfs_client, params, field, message):
    response = hfs_client.get(reverse("reports"), params)
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors[field] == [message]
    html = response.content.decode()
    assert html.count(message) == 2  # in the error summary and at the field
    for name in ("first_month", "last_month"):
        assert form[name].value() == params[name]
        assert f'value="{params[name]}"' in html
    assert response.context.get("report") is None


def test_without_months_the_report_covers_the_last_twelve(hfs_client):
    response = hfs_client.get(reverse("reports"))
    assert response.status_code == 200
    scope = response.context["report"].scope
    assert (scope.first_month, scope.last_month) == (datetime.date(2026, 4, 1),
                                                     datetime.date(2027, 3, 1))
    assert 'value="2026-04"' in response.content.decode()


def test_the_report_costs_the_same_queries_for_many_more_tickets(
        story, hfs_client, django_assert_max_num_queries, personas):
    with django_assert_max_num_queries(60) as few:
        hfs_client.get(reverse("reports"), Q1)
    with time_machine.travel(at(3, 10), tick=False):
        for _ in range(6):
            ticket = story.file()
            from tickets import workflow

            workflow.present(ticket.pk, by=story.hfs)
    with time_machine.travel(REPORT_NOW, tick=False):
        summaries.refresh()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = hfs_client.get(reverse("reports"), Q1)
    assert response.context["report"]["by_month"].rows[-1]["filed"] == 11


def workbook_rows(response):
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    return [[c.value for c in row] for row in sheet.iter_rows()], book


def test_a_table_downloads_as_a_spreadsheet_with_the_same_numbers(story, hfs_client,
                                                                   hfs_staff):
    response = hfs_client.get(reverse("report_export", args=["by_month"]), Q1)
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="hfs-report-by_month-2027-01-to-2027-03.xlsx"')
    rows, book = workbook_rows(response)
    assert rows[0][:3] == ["Month", "Filed", "Presented to the MCO"]
    assert rows[1][:3] == ["Jan 2027", 5, 4]
    assert rows[-1][:3] == ["Total", 5, 4]
    note = {r[0].value: r[1].value for r in book["About"].iter_rows() if len(r) > 1}
    assert note["Note"].startswith("Jan 2027 to Mar 2027, all MCOs, all complaint types. "
                                   "Figures as of Mar 15, 2027 10:00 AM.")
    row = AuditEvent.objects.filter(user=hfs_staff, action="export").get()
    assert row.object_type == "report" and "Volumes by month" in row.detail


def test_the_timeliness_and_list_spreadsheets(story, hfs_client):
    rows, _ = workbook_rows(hfs_client.get(reverse("report_export", args=["timeliness"]), Q1))
    assert rows[0] == ["Step", "MCO", "On time", "Late", "On-time rate (%)",
                       "Ended without the step", "Outage relief"]
    assert ["HFS triage", "All MCOs", 4, 1, 80.0, 0, 0] in rows
    rows, _ = workbook_rows(hfs_client.get(reverse("report_export", args=["sanctions"]), Q1))
    assert rows[0] == ["Ticket", "MCO", "Marked", "Response was due", "Responded",
                       "Days late"]
    numbers = {r[0]: r[-1] for r in rows[1:]}
    assert numbers == {story.t2.number: 4, story.t5.number: 21}


def test_text_in_a_spreadsheet_is_never_a_formula(story, hfs_client):
    from portal.models import MCO

    MCO.objects.filter(slug="aetna").update(short_name='=HYPERLINK("http://x","y")')
    response = hfs_client.get(reverse("report_export", args=["by_mco"]), Q1)
    book = load_workbook(io.BytesIO(response.content))
    cells = [c for row in book.worksheets[0].iter_rows() for c in row
             if c.value == '=HYPERLINK("http://x","y")']
    assert cells and all(c.data_type == "s" for c in cells)


def test_an_unknown_table_is_not_found(hfs_client):
    assert hfs_client.get(reverse("report_export", args=["nothing"]), Q1).status_code == 404


def test_the_monthly_summary_of_an_mco(story, hfs_client, hfs_staff):
    response = hfs_client.get(reverse("report_monthly"), {"mco": "molina", "month": "2027-02"})
    assert response.status_code == 200
    summary = response.context["summary"]
    assert summary.title == "Molina Healthcare of Illinois: performance in February 2027"
    volumes = dict(summary.volumes)
    assert volumes["MCO responded"] == 2 and volumes["Responded late"] == 1
    assert volumes["Sanction candidates"] == 2
    assert [(r["on_time"], r["late"]) for r in summary.timeliness] == [(1, 2), (1, 0)]
    assert {r["ticket"][0]: r["days"] for r in summary.sanctions.rows} == {
        story.t2.number: 4, story.t5.number: 21}
    assert "css/reports.css" in response.content.decode()  # with its print rules
    pdf = hfs_client.get(reverse("report_monthly_pdf"), {"mco": "molina", "month": "2027-02"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(user=hfs_staff, action="download",
                                     object_type="report").exists()


def test_the_monthly_summary_names_a_bad_month(hfs_client):
    response = hfs_client.get(reverse("report_monthly"), {"mco": "molina", "month": "Febru"})
    assert response.status_code == 400
    assert "Month: enter a month and year like 2027-01." in response.content.decode()
    assert 'value="Febru"' in response.content.decode()


def test_hfs_navigation_leads_to_the_reports(hfs_client):
    response = hfs_client.get(reverse("hfs_home"))
    assert {"label": "Reports", "url": "/reports/", "current": False} in response.context[
        "nav_items"]


def test_a_long_list_exports_its_first_rows_and_says_so(story, hfs_client, monkeypatch):
    from reports import tables

    monkeypatch.setattr(tables, "EXPORT_MAX_ROWS", 1)
    response = hfs_client.get(reverse("report_export", args=["sanctions"]), Q1)
    rows, book = workbook_rows(response)
    assert len(rows) == 2  # the header and one row
    note = {r[0].value: r[1].value for r in book["About"].iter_rows() if len(r) > 1}["Note"]
    assert "Only the first 1 rows; narrow the months" in note


def test_every_table_of_the_page_downloads_with_its_own_headings(story, hfs_client):
    report = hfs_client.get(reverse("reports"), Q1).context["report"]
    assert len(report.tables) >= 18
    for table_id, table in report.tables.items():
        response = hfs_client.get(reverse("report_export", args=[table_id]), Q1)
        assert response.status_code == 200, table_id
        rows, _ = workbook_rows(response)
        assert [h.removesuffix(" (%)") for h in rows[0]] == [c.header for c in table.columns]
