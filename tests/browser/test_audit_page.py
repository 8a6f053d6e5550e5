"""R-SEC-2: an HFS audit reader searches the audit log as a person would, by its labels;
a wrong e-mail address is named at its field; axe finds no WCAG 2.1 A/AA violation."""

import re

import pytest
from playwright.sync_api import Page, expect

from portal.access import Role
from tests.browser.helpers import field, h1, sign_in_as


@pytest.mark.browser
def test_an_audit_reader_searches_the_log(page: Page, live_server, portal_data, sign_in,
                                          axe):
    from django.contrib.auth.models import Group, Permission

    from portal import audit

    _, hfs = portal_data[Role.HFS]
    _, provider = portal_data[Role.PROVIDER]
    group, _ = Group.objects.get_or_create(name="Audit readers")
    group.permissions.add(Permission.objects.get(codename="read_audit_log"))
    hfs.groups.add(group)
    audit.write(user=provider, action="view", object_type=audit.TICKET, object_id=41)
    audit.write(user=hfs, action="present", object_type=audit.TICKET, object_id=41)

    sign_in_as(page, portal_data, Role.HFS, sign_in, live_server, home="/home/hfs/")
    page.goto("/audit/")
    expect(h1(page)).to_have_text("Audit log")
    axe(page)

    field(page, "Person's e-mail address").fill("nobody@example.test")
    page.get_by_role("button", name="Search", exact=True).click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Person's e-mail address: no account has this address.")
    expect(field(page, "Person's e-mail address")).to_have_value("nobody@example.test")
    expect(field(page, "Person's e-mail address")).to_have_attribute("aria-invalid", "true")
    axe(page)

    field(page, "Person's e-mail address").fill(provider.email)
    field(page, "Ticket").fill("41")
    page.get_by_role("button", name="Search", exact=True).click()
    table = page.get_by_role("table", name="Audit log entries, newest first")
    rows = table.get_by_role("row")
    expect(rows).to_have_count(2)  # the heading row and the provider's view
    expect(rows.nth(1)).to_contain_text(provider.email)
    expect(rows.nth(1)).to_contain_text("view")
    axe(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="Export to Excel").click()
    assert re.fullmatch(r"audit-log-\d{4}-\d{2}-\d{2}\.xlsx", download.value.suggested_filename)
    # The reader's own searches and export are rows of the log too.
    from portal.models import AuditEvent

    assert set(AuditEvent.objects.filter(user=hfs).values_list("action", flat=True)) >= {
        "search", "export"}
