"""The MCO queue's export as a background job (issue 14): the button starts it with the
queue's filters and opens its page; the job writes the queue's rows (what the requester's
MCO may see, R-SEC-1) to .xlsx as text, never formulas; only the requester, still on that
MCO's staff, downloads it (R-SEC-1), each download audited (R-SEC-2); the file goes after
its time (the beat task)."""

import datetime
import io
import zipfile

import openpyxl
import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import jobs
from jobs import runner
from jobs.models import Job
from portal.models import MCO, AuditEvent, Notification
from tests import factories
from tests.tickets.conftest import NOW, make_submitted
from tickets import exports, workflow
from tickets.views.mco import mco_queryset

pytestmark = pytest.mark.django_db

HEADERS = [header for _key, header in exports.MCO_COLUMNS]


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def presented(provider_user, provider, hfs_staff, **kwargs):
    return workflow.present(make_submitted(provider_user, provider, **kwargs).pk, by=hfs_staff)


def export(client, capture, query=""):
    """Press the button (with ``query`` as the queue's filters), the job run as the worker
    would once the request commits; the job, reloaded."""
    with capture(execute=True):
        response = client.post(reverse("mco_export") + query)
    assert response.status_code == 302
    job = Job.objects.get()
    assert response["Location"] == reverse("job_status", args=[job.pk])
    return job


def sheet_rows(job):
    with job.file.open("rb") as handle:
        book = openpyxl.load_workbook(io.BytesIO(handle.read()))
    return [[cell.value for cell in row] for row in book["Tickets"].iter_rows()]


def test_the_button_posts_the_queues_filters_and_opens_the_jobs_page(
        mco_staff, presented_ticket, django_capture_on_commit_callbacks):
    client = logged_in(mco_staff)
    page = client.get(reverse("mco_queue"), {"status": "open", "type": "claims-payment"})
    html = page.content.decode()
    assert (f'<form id="mco-export" method="post" action="{reverse("mco_export")}'
            '?status=open&amp;type=claims-payment">') in html
    assert 'form="mco-export"' in html and ">Export to Excel</button>" in html
    assert client.get(reverse("mco_export")).status_code == 405  # nothing starts on a GET

    with django_capture_on_commit_callbacks(execute=False):  # the worker not run yet
        response = client.post(reverse("mco_export") + "?status=open&type=claims-payment&q=")
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("job_status", args=[job.pk])
    assert (job.kind, job.requested_by, job.status) == ("tickets.mco_export", mco_staff,
                                                         "queued")
    assert job.params == {"mco": mco_staff.mco_id, "filters": {
        "status": "open", "complaint_type": "claims-payment", "overdue": False,
        "awaiting": False, "mine": False, "query": ""}}
    assert job.return_url == reverse("mco_queue") + "?status=open&type=claims-payment&q="
    assert job.label == "Molina tickets export: All open"
    event = AuditEvent.objects.get(request_id=response["X-Request-ID"])
    assert (event.user, event.action, event.object_type, event.object_id) == (
        mco_staff, "export", "export", job.pk)
    assert "All open, Claims/Payment" in event.detail
    status_page = client.get(response["Location"]).content.decode()
    assert '<progress class="portal-progress"' in status_page
    assert "It is kept for 24 hours after it is made, then deleted." in status_page


def test_the_file_holds_the_queues_rows_in_its_order_with_its_filters(
        mco_staff, provider_user, provider, hfs_staff, other_mco_staff,
        django_capture_on_commit_callbacks):
    claims = [presented(provider_user, provider, hfs_staff) for _ in range(3)]
    presented(provider_user, provider, hfs_staff, type_slug="eligibility")
    make_submitted(provider_user, provider)  # not presented: the MCO does not see it
    presented(provider_user, provider, hfs_staff, mco="aetna", tracking="PDXGR1234567")
    filters = {"status": "action", "complaint_type": "claims-payment", "overdue": False,
               "awaiting": False, "mine": False, "query": ""}
    expected = [t.number for t in mco_queryset(mco_staff, **filters)]
    assert sorted(expected) == sorted(t.number for t in claims)

    job = export(logged_in(mco_staff), django_capture_on_commit_callbacks,
                 "?type=claims-payment")
    assert (job.status, job.rows_done, job.rows_total, job.progress) == ("done", 3, 3, 100)
    assert job.filename == f"molina-tickets-{timezone.localdate().isoformat()}.xlsx"
    rows = sheet_rows(job)
    assert rows[0] == HEADERS
    assert [row[0] for row in rows[1:]] == expected
    first = rows[1]
    assert first[1] == "With the MCO" and first[2] == provider.legal_name
    assert first[4] == "Claims/Payment" and first[5] == "MOL-12345"

    everything = [t.number for t in mco_queryset(mco_staff, **{**filters, "status": "all",
                                                               "complaint_type": ""})]
    Job.objects.all().delete()
    job = export(logged_in(mco_staff), django_capture_on_commit_callbacks, "?status=all")
    assert [row[0] for row in sheet_rows(job)[1:]] == everything
    assert len(everything) == 4  # Molina's presented tickets only, never Aetna's


def test_the_file_is_text_never_formulas(mco_staff, presented_ticket, provider,
                                         django_capture_on_commit_callbacks):
    provider.legal_name = '=HYPERLINK("http://evil.example","Click")'
    provider.save()
    job = export(logged_in(mco_staff), django_capture_on_commit_callbacks)
    with job.file.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as package:
        sheets = [package.read(n) for n in package.namelist() if n.startswith("xl/worksheets/")]
    assert not any(b"<f>" in sheet or b"<f " in sheet for sheet in sheets)
    values = [value for row in sheet_rows(job) for value in row]
    assert '=HYPERLINK("http://evil.example","Click")' in values
    assert presented_ticket.number in values


def test_the_status_json_reports_the_progress_as_rows_are_written(
        mco_staff, provider_user, provider, hfs_staff, monkeypatch):
    for _ in range(3):
        presented(provider_user, provider, hfs_staff)
    monkeypatch.setattr(exports, "MCO_CHUNK", 1)
    job = Job.objects.create(kind=exports.MCO_EXPORT, label="Molina export", status="running",
                             requested_by=mco_staff, params={"mco": mco_staff.mco_id,
                                                             "filters": {"status": "all"}})
    client, url, seen = logged_in(mco_staff), reverse("job_status_json", args=[job.pk]), []
    write = runner.Progress(job.pk, every_seconds=0)

    def progress(done, total):
        write(done, total)
        state = client.get(url).json()
        seen.append((state["rows_done"], state["rows_total"], state["percent"], state["text"]))

    data, _name = exports.export_mco_queue(job, progress)
    assert data.startswith(b"PK")
    assert seen[:3] == [(0, 3, 0, "Running: 0 of 3 rows (0%)."),
                        (1, 3, 33, "Running: 1 of 3 rows (33%)."),
                        (2, 3, 66, "Running: 2 of 3 rows (66%).")]
    assert seen[-1][:2] == (3, 3)


@pytest.mark.parametrize("name", ["job_status", "job_status_json", "job_download"])
def test_only_the_requester_sees_the_job_or_its_file(
        name, mco_staff, other_mco_staff, presented_ticket,
        django_capture_on_commit_callbacks):
    job = export(logged_in(mco_staff), django_capture_on_commit_callbacks)
    colleague = factories.mco_staff("molina", email="colleague@molina.example.test")
    for someone in (other_mco_staff, colleague):
        response = logged_in(someone).get(reverse(name, args=[job.pk]))
        assert response.status_code == 404, someone
        assert presented_ticket.number.encode() not in response.content
    assert not AuditEvent.objects.filter(action="download").exists()


def test_each_download_is_audited_and_never_cached(mco_staff, presented_ticket,
                                                   django_capture_on_commit_callbacks):
    client = logged_in(mco_staff)
    job = export(client, django_capture_on_commit_callbacks)
    for _ in range(2):
        response = client.get(reverse("job_download", args=[job.pk]))
        assert response.status_code == 200
        book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        assert book["Tickets"]["A2"].value == presented_ticket.number
        assert response["Cache-Control"] == "private, no-store"
        assert response["Content-Type"] == exports.exports.CONTENT_TYPE
    downloads = AuditEvent.objects.filter(action="download").order_by("pk")
    assert [(e.user, e.object_type, e.object_id) for e in downloads] == [
        (mco_staff, "export", job.pk)] * 2
    assert downloads[0].detail == f"tickets.mco_export: {job.filename}; 1 rows"


def test_a_requester_moved_to_another_mco_no_longer_gets_the_file(
        mco_staff, presented_ticket, django_capture_on_commit_callbacks):
    client = logged_in(mco_staff)
    job = export(client, django_capture_on_commit_callbacks)
    mco_staff.mco = MCO.objects.get(slug="aetna")
    mco_staff.save()
    assert client.get(reverse("job_download", args=[job.pk])).status_code == 404
    state = client.get(reverse("job_status_json", args=[job.pk])).json()
    assert state["download_url"] is None
    assert state["text"].startswith("You can no longer download this file")
    # A job that runs after the move makes nothing.
    Job.objects.all().delete()
    mco_staff.mco = MCO.objects.get(slug="molina")
    mco_staff.save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("mco_export"))
    mco_staff.mco = MCO.objects.get(slug="aetna")
    mco_staff.save()
    for callback in callbacks:
        callback()
    job = Job.objects.get()
    assert job.status == "failed" and not job.file
    assert "no longer on this MCO's staff" in job.error


def test_the_queue_says_when_the_file_is_ready_and_offers_it(
        mco_staff, presented_ticket, django_capture_on_commit_callbacks):
    client = logged_in(mco_staff)
    job = export(client, django_capture_on_commit_callbacks)
    html = client.get(reverse("mco_queue")).content.decode()
    assert "Your recent exports" in html
    assert f'href="{reverse("job_download", args=[job.pk])}">Download {job.filename}' in html
    colleague = factories.mco_staff("molina", email="colleague@molina.example.test")
    assert "Your recent exports" not in logged_in(colleague).get(
        reverse("mco_queue")).content.decode()


def test_a_quick_export_sends_no_email_and_a_slow_one_does(
        mco_staff, presented_ticket, django_capture_on_commit_callbacks, mailoutbox):
    client = logged_in(mco_staff)
    export(client, django_capture_on_commit_callbacks)
    # They watched it finish on its page: no e-mail.
    assert not Notification.objects.filter(template="job_finished").exists()

    Job.objects.all().delete()
    kind = jobs.registry.get(exports.MCO_EXPORT)

    def slow(job, progress):  # three minutes pass while it runs
        traveller.shift(datetime.timedelta(minutes=3))
        return kind.function(job, progress)

    with time_machine.travel(NOW, tick=False) as traveller:
        jobs.register(exports.MCO_EXPORT, slow, label=kind.label,
                      may_download=kind.may_download)
        try:
            job = export(client, django_capture_on_commit_callbacks)
        finally:
            jobs.register(exports.MCO_EXPORT, kind.function, label=kind.label,
                          may_download=kind.may_download)
    note = Notification.objects.get(template="job_finished")
    assert (note.recipient, note.template, note.dedupe_key) == (
        mco_staff, "job_finished", f"job-finished-{job.pk}")
    mail = mailoutbox[-1]
    assert mail.to == [mco_staff.email]
    assert mail.subject.endswith("Your file is ready: Molina tickets export: Needs our action")
    assert reverse("job_status", args=[job.pk]) in mail.body
    assert presented_ticket.number not in mail.body and "Lakeside" not in mail.body


def test_the_beat_task_removes_files_past_their_time_and_keeps_newer_ones(
        mco_staff, presented_ticket, django_capture_on_commit_callbacks, settings):
    settings.JOB_FILE_HOURS = 72
    with time_machine.travel(NOW, tick=False):
        old = export(logged_in(mco_staff), django_capture_on_commit_callbacks)
    with (time_machine.travel(NOW + datetime.timedelta(hours=48), tick=False),
          django_capture_on_commit_callbacks(execute=True)):
        logged_in(mco_staff).post(reverse("mco_export"))
    new = Job.objects.exclude(pk=old.pk).get()
    assert old.expires_at == NOW + datetime.timedelta(hours=72)
    assert new.expires_at == NOW + datetime.timedelta(hours=120)
    storage = old.file.storage

    with time_machine.travel(NOW + datetime.timedelta(hours=72, minutes=1), tick=False):
        assert runner.delete_expired_files() == 1
        old.refresh_from_db()
        new.refresh_from_db()
        assert not old.file and old.file_deleted_at is not None
        assert new.file and storage.exists(new.file.name)
        client = logged_in(mco_staff)
        assert client.get(reverse("job_download", args=[old.pk])).status_code == 404
        assert client.get(reverse("job_download", args=[new.pk])).status_code == 200
        page = client.get(reverse("job_status", args=[old.pk])).content.decode()
        assert "The file was deleted on" in page
        assert "Back to the page to start it again" in page
    with time_machine.travel(NOW + datetime.timedelta(hours=120, minutes=1), tick=False):
        assert runner.delete_expired_files() == 1
        new.refresh_from_db()
        assert not new.file
