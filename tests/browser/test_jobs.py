"""Background jobs (issue 11): the status page updates by itself (a static script polls
its JSON; no inline script under the CSP), the sentence in the role=status region says how
far it is, and the download link appears once the file is ready. Axe-clean."""

import pytest
from playwright.sync_api import Page, expect

from portal.access import Role
from tests.browser.helpers import h1, sign_in_as


@pytest.mark.browser
def test_the_status_page_follows_the_job_until_its_file_is_ready(
        page: Page, live_server, portal_data, sign_in, axe, settings, tmp_path):
    from django.core.files.base import ContentFile

    from jobs.models import Job

    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "files")}}}
    _, hfs = portal_data[Role.HFS]
    job = Job.objects.create(kind="tests.none", label="All tickets: export to .xlsx",
                             requested_by=hfs, status="running", rows_done=0,
                             rows_total=400)
    sign_in_as(page, portal_data, Role.HFS, sign_in, live_server, home="/home/hfs/")
    page.goto(f"/jobs/{job.pk}/")
    expect(h1(page)).to_have_text("All tickets: export to .xlsx")
    status = page.get_by_role("status")
    expect(status).to_have_text("Running: 0 of 400 rows (0%).")
    expect(page.get_by_role("link", name="Check again")).to_be_visible()
    axe(page)

    Job.objects.filter(pk=job.pk).update(rows_done=100, progress=25)
    expect(status).to_have_text("Running: 100 of 400 rows (25%).")
    expect(page.get_by_label("Progress")).to_have_attribute("value", "25")

    job.file.save("x", ContentFile(b"data"), save=False)
    Job.objects.filter(pk=job.pk).update(status="done", progress=100, rows_done=400,
                                         file=job.file.name, filename="tickets.xlsx",
                                         size=4)
    expect(status).to_contain_text("Ready: tickets.xlsx (400 rows, 4")
    expect(page.get_by_role("link", name="Download tickets.xlsx")).to_be_visible()
    expect(page.get_by_role("link", name="Check again")).to_be_hidden()
    axe(page)
