"""Background jobs (issue 11): a job runs in the worker (eager in tests), reports its
progress, and its file is seen and downloaded only by the person who asked (R-SEC-1),
audited (R-SEC-2), never cached, and deleted by the beat task once its time is up."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

import jobs
from deadlines.calendar import CENTRAL
from jobs import runner
from jobs.models import Job
from portal.models import AuditEvent, Notification

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 4, 10, tzinfo=CENTRAL)
SEEN_MID_WAY = []


def echo(job, progress):
    """A test kind: three rows, the progress read back from the database mid-way."""
    progress(1, 3)
    SEEN_MID_WAY.append(Job.objects.values_list("rows_done", "rows_total", "progress")
                        .get(pk=job.pk))
    progress(3, 3)
    return f"hello {job.params['name']}".encode(), "hello.csv"


def refuse(job, progress):
    raise jobs.JobFailed("Too many rows: narrow the filters.")


def crash(job, progress):
    raise RuntimeError("secret member RIN 123456789 in a traceback")


@pytest.fixture(autouse=True)
def kinds(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        **settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path / "files")}}}
    jobs.register("tests.echo", echo, label="Echo export")
    jobs.register("tests.refuse", refuse, label="Refused export")
    jobs.register("tests.crash", crash, label="Crashing export")
    SEEN_MID_WAY.clear()
    with time_machine.travel(NOW, tick=False):
        yield
    for kind in ("tests.echo", "tests.refuse", "tests.crash"):
        jobs.unregister(kind)


def started(user, kind="tests.echo", capture=None, **kwargs):
    with capture(execute=True):
        job = jobs.start(kind, {"name": "Pat"}, user, **kwargs)
    return Job.objects.get(pk=job.pk)


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_started_job_runs_after_commit_and_reports_each_step(
        provider_user, django_capture_on_commit_callbacks):
    job = started(provider_user, capture=django_capture_on_commit_callbacks)
    assert SEEN_MID_WAY == [(1, 3, 33)]
    assert (job.status, job.progress, job.rows_done, job.rows_total) == ("done", 100, 3, 3)
    assert job.filename == "hello.csv" and job.content_type == "text/csv"
    assert job.file.read() == b"hello Pat"
    assert job.finished_at == NOW and job.expires_at == NOW + datetime.timedelta(hours=24)
    state = jobs.status(job)
    assert state["status"] == "done" and state["finished"] is True
    assert state["download_url"] == reverse("job_download", args=[job.pk])
    assert state["text"].startswith("Ready: hello.csv (3 rows, 9")


def test_the_job_waits_for_the_transaction_that_started_it(provider_user):
    job = jobs.start("tests.echo", {"name": "Pat"}, provider_user)
    assert Job.objects.get(pk=job.pk).status == "queued"
    assert jobs.status(job)["text"] == "Waiting to start. This page updates by itself."


def test_a_job_runs_once_even_if_sent_twice(provider_user):
    job = jobs.start("tests.echo", {"name": "Pat"}, provider_user)
    assert runner.run(job.pk) is True
    assert runner.run(job.pk) is False
    assert SEEN_MID_WAY == [(1, 3, 33)]


def test_the_owner_downloads_the_file_audited_and_never_cached(
        provider_user, django_capture_on_commit_callbacks):
    job = started(provider_user, capture=django_capture_on_commit_callbacks)
    response = logged_in(provider_user).get(reverse("job_download", args=[job.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"hello Pat"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"].startswith('attachment; filename="hello.csv"')
    assert response["X-Content-Type-Options"] == "nosniff"
    row = AuditEvent.objects.get(request_id=response["X-Request-ID"])
    assert (row.user, row.action, row.object_type, row.object_id) == (
        provider_user, "download", "export", job.pk)
    assert "hello.csv" in row.detail and "tests.echo" in row.detail


@pytest.mark.parametrize("name", ["job_status", "job_status_json", "job_download"])
def test_someone_elses_job_is_not_found(name, provider_user, other_provider_user, hfs_staff,
                                        django_capture_on_commit_callbacks):
    job = started(provider_user, capture=django_capture_on_commit_callbacks)
    for stranger in (other_provider_user, hfs_staff):
        response = logged_in(stranger).get(reverse(name, args=[job.pk]))
        assert response.status_code == 404, stranger
        assert b"hello" not in response.content
    assert not AuditEvent.objects.filter(action="download").exists()


def test_the_list_shows_only_ones_own_jobs(provider_user, other_provider_user,
                                           django_capture_on_commit_callbacks):
    started(provider_user, capture=django_capture_on_commit_callbacks)
    theirs = started(other_provider_user, capture=django_capture_on_commit_callbacks,
                     label="Their secret export")
    page = logged_in(provider_user).get(reverse("job_list")).content.decode()
    assert "Echo export" in page and "Their secret export" not in page
    assert reverse("job_status", args=[theirs.pk]) not in page


def test_the_status_page_says_it_in_words_with_a_progress_bar(provider_user):
    job = jobs.start("tests.echo", {"name": "Pat"}, provider_user,
                     return_url="/tickets/all/?q=x")
    Job.objects.filter(pk=job.pk).update(status="running", rows_done=40, rows_total=160,
                                         progress=25)
    client = logged_in(provider_user)
    page = client.get(reverse("job_status", args=[job.pk])).content.decode()
    assert '<progress class="portal-progress" id="job-progress" max="100" value="25"' in page
    assert 'role="status">Running: 40 of 160 rows (25%).</p>' in page
    assert f'data-job-status-url="{reverse("job_status_json", args=[job.pk])}"' in page
    assert "<script>" not in page  # the polling script is a static file (CSP)
    state = client.get(reverse("job_status_json", args=[job.pk])).json()
    assert state["percent"] == 25 and state["finished"] is False
    assert state["download_url"] is None


def test_a_refusal_is_shown_and_a_crash_says_nothing_of_the_data(
        provider_user, django_capture_on_commit_callbacks):
    refused = started(provider_user, "tests.refuse", capture=django_capture_on_commit_callbacks,
                      return_url="/tickets/all/?state=closed")
    assert refused.status == "failed" and not refused.file
    assert "Too many rows: narrow the filters." in jobs.status(refused)["text"]
    crashed = started(provider_user, "tests.crash", capture=django_capture_on_commit_callbacks)
    assert crashed.status == "failed"
    assert "123456789" not in crashed.error and "123456789" not in jobs.status(crashed)["text"]
    page = logged_in(provider_user).get(reverse("job_status", args=[refused.pk]))
    assert 'href="/tickets/all/?state=closed"' in page.content.decode()
    response = logged_in(provider_user).get(reverse("job_download", args=[refused.pk]))
    assert response.status_code == 404


def test_only_a_path_on_this_site_is_kept_as_the_way_back(provider_user):
    for url in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        assert jobs.start("tests.echo", {}, provider_user, return_url=url).return_url == ""


def test_an_unknown_kind_is_refused(provider_user):
    with pytest.raises(LookupError, match="tests.nothing"):
        jobs.start("tests.nothing", {}, provider_user)


def test_the_beat_task_deletes_files_past_their_time(provider_user,
                                                     django_capture_on_commit_callbacks):
    job = started(provider_user, capture=django_capture_on_commit_callbacks)
    storage, name = job.file.storage, job.file.name
    assert runner.delete_expired_files(NOW + datetime.timedelta(hours=23)) == 0
    assert storage.exists(name)
    later = NOW + datetime.timedelta(hours=24, minutes=1)
    with time_machine.travel(later, tick=False):
        assert runner.delete_expired_files() == 1
        assert not storage.exists(name)
        job.refresh_from_db()
        assert job.file_deleted_at == later and not job.file
        assert jobs.status(job)["expired"] is True
        assert jobs.status(job)["text"].startswith("The file was deleted on Nov 5, 2026")
        response = logged_in(provider_user).get(reverse("job_download", args=[job.pk]))
        assert response.status_code == 404


def test_a_job_that_never_finished_is_marked_failed(provider_user):
    job = jobs.start("tests.echo", {}, provider_user)
    runner.delete_expired_files(NOW + datetime.timedelta(hours=5))
    assert Job.objects.get(pk=job.pk).status == "queued"
    runner.delete_expired_files(NOW + datetime.timedelta(hours=7))
    job.refresh_from_db()
    assert job.status == "failed" and "did not finish" in job.error
    assert runner.run(job.pk) is False


# --- Issue 14: the kind's own download check, the e-mail when a long job ends, the notice --


def test_a_kind_can_refuse_the_file_once_the_requesters_access_changed(
        provider_user, django_capture_on_commit_callbacks):
    allowed = {"yes": True}
    jobs.register("tests.checked", echo, label="Checked export",
                  may_download=lambda user, job: allowed["yes"] and user == job.requested_by)
    try:
        job = started(provider_user, "tests.checked", capture=django_capture_on_commit_callbacks)
        client = logged_in(provider_user)
        assert client.get(reverse("job_download", args=[job.pk])).status_code == 200
        allowed["yes"] = False
        assert client.get(reverse("job_download", args=[job.pk])).status_code == 404
        state = client.get(reverse("job_status_json", args=[job.pk])).json()
        assert state["download_url"] is None and state["filename"] == ""
        assert AuditEvent.objects.filter(action="download").count() == 1
    finally:
        jobs.unregister("tests.checked")
    with pytest.raises(TypeError):
        jobs.register("tests.checked", echo, may_download="no")


def test_a_long_job_emails_its_requester_once_when_it_ends_and_a_quick_one_does_not(
        provider_user, django_capture_on_commit_callbacks, mailoutbox, settings):
    started(provider_user, capture=django_capture_on_commit_callbacks)
    assert not Notification.objects.filter(template="job_finished").exists()

    def slow(job, progress):
        traveller.shift(datetime.timedelta(seconds=runner.DEFAULT_NOTIFY_AFTER_SECONDS))
        if job.params.get("fail"):
            raise jobs.JobFailed("Too many rows: narrow the filters.")
        return b"x", "slow.csv"

    jobs.register("tests.slow", slow, label="Slow export")
    try:
        with time_machine.travel(NOW, tick=False) as traveller, \
                django_capture_on_commit_callbacks(execute=True):
            done = jobs.start("tests.slow", {}, provider_user)
            failed = jobs.start("tests.slow", {"fail": True}, provider_user)
    finally:
        jobs.unregister("tests.slow")
    notes = {n.dedupe_key: n for n in Notification.objects.filter(template="job_finished")}
    assert set(notes) == {f"job-finished-{done.pk}", f"job-finished-{failed.pk}"}
    assert notes[f"job-finished-{done.pk}"].context["ready"] is True
    assert notes[f"job-finished-{failed.pk}"].context["ready"] is False
    prefix = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX
    assert sorted(m.subject for m in mailoutbox if "Slow export" in m.subject) == [
        f"{prefix}Your file could not be made: Slow export",
        f"{prefix}Your file is ready: Slow export"]
    ready = next(m for m in mailoutbox if "is ready: Slow export" in m.subject)
    assert reverse("job_status", args=[done.pk]) in ready.body
    assert "until Nov 5, 2026" in ready.body and "Only you can download it." in ready.body
    # Sent once: a second finish (a task delivered twice) claims nothing.
    assert runner.run(done.pk) is False
    assert Notification.objects.filter(template="job_finished").count() == 2


def test_recent_lists_ones_own_running_and_ready_jobs_of_a_kind(
        provider_user, other_provider_user, django_capture_on_commit_callbacks):
    ready = started(provider_user, capture=django_capture_on_commit_callbacks)
    waiting = jobs.start("tests.echo", {}, provider_user)
    started(other_provider_user, capture=django_capture_on_commit_callbacks)
    started(provider_user, "tests.refuse", capture=django_capture_on_commit_callbacks)
    found = jobs.recent(provider_user, "tests.echo")
    assert [j["id"] for j in found] == [waiting.pk, ready.pk]
    assert found[1]["download_url"] == reverse("job_download", args=[ready.pk])
    assert found[1]["url"] == reverse("job_status", args=[ready.pk])
    with time_machine.travel(NOW + datetime.timedelta(hours=25), tick=False):
        assert jobs.recent(provider_user, "tests.echo") == []
