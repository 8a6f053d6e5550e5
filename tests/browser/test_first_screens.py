"""Issue 12: for each role, the home, the queue and a ticket page at 1280 px and 390 px:
no page scrolls sideways, the ticket's status summary names the viewer's own next deadline
with its date, and axe finds nothing — also on the pages no other browser test visits
(investigations, the provider's waiting page, an unfinished-resolution report refused,
the home of a person with no role)."""

import datetime
import re

import pytest
from playwright.sync_api import Page, expect

from portal.access import Role
from tests.browser.helpers import open_section, sign_in_as

WIDTHS = (1280, 390)


def no_sideways_scroll(page: Page):
    # Plain language: the rule ids stay in code and tests, never in page text.
    assert not re.search(r"\bR-(REG|FILE|FLOW|CLK|SEC)-\d", page.inner_text("main"))
    width, viewport = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= viewport, f"{page.url} is {width}px wide in a {viewport}px window"


def next_deadline(page: Page, what: str):
    """The status summary says what this person does next, and by which date."""
    step = page.locator(".usa-summary-box[role=region] [data-next-step]")
    expect(step).to_contain_text(f"Your next step: {what}")
    expect(step.locator("time")).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\d"))


@pytest.fixture
def tickets(portal_data, approved_provider):
    """One ticket with an information request waiting on the provider; one submitted
    ticket waiting for HFS triage; one answered with a plan whose date has passed (the
    provider may report it unfinished); an open investigation."""
    import time_machine
    from django.utils import timezone

    from tests.tickets.conftest import make_submitted
    from tickets import workflow

    _, provider_user = portal_data[Role.PROVIDER]
    _, hfs_user = portal_data[Role.HFS]
    _, mco_user = portal_data[Role.MCO]
    filed_on = timezone.localdate() - datetime.timedelta(days=35)
    waiting = workflow.present(make_submitted(provider_user, approved_provider,
                                              filed_on=filed_on).pk, by=hfs_user)
    workflow.request_information(waiting.pk, by=mco_user, request_text="Send the EOB.")
    triage = make_submitted(provider_user, approved_provider, filed_on=filed_on)
    # Answered three weeks ago with a plan due two weeks ago, then accepted.
    earlier = timezone.now() - datetime.timedelta(days=21)
    with time_machine.travel(earlier, tick=False):
        done = workflow.present(make_submitted(
            provider_user, approved_provider,
            filed_on=timezone.localdate() - datetime.timedelta(days=35)).pk, by=hfs_user)
        workflow.respond(done.pk, by=mco_user, response={
            "response_text": "We will reprocess the claim.", "plan_applies": True,
            "plan_text": "Reprocess and pay.",
            "resolve_by": timezone.localdate() + datetime.timedelta(days=7),
            "representative_name": "Rita Rep", "representative_phone": "312-555-0199",
            "representative_email": "rita@molina.example.test"})
        workflow.accept(done.pk, by=provider_user)
    workflow.report_unfinished_resolution(done.pk, by=provider_user, description="Not paid.")
    return {"waiting": waiting, "triage": triage, "done": done}


@pytest.mark.browser
@pytest.mark.parametrize("role,home,queue,ticket,what", [
    (Role.PROVIDER, "/home/provider/", "/tickets/all/", "waiting",
     "Send the information the MCO asked for"),
    (Role.MCO, "/tickets/mco/", "/tickets/all/", "waiting", "Send your written response"),
    (Role.HFS, "/home/hfs/", "/tickets/triage/", "triage",
     "Present the ticket to the MCO, or close it"),
], ids=["provider", "mco", "hfs"])
def test_each_roles_first_screens_at_both_widths(page: Page, live_server, portal_data,
                                                 tickets, sign_in, axe, role, home, queue,
                                                 ticket, what):
    sign_in_as(page, portal_data, role, sign_in, live_server, home)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for path in (home, queue, f"/tickets/{tickets[ticket].pk}/"):
            page.goto(path)
            no_sideways_scroll(page)
            axe(page)
        next_deadline(page, what)


@pytest.mark.browser
def test_pages_no_other_browser_test_visits(page: Page, live_server, portal_data, tickets,
                                            sign_in, axe, new_context):
    sign_in_as(page, portal_data, Role.HFS, sign_in, live_server, "/home/hfs/")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/tickets/investigations/")
        expect(page.get_by_role("main")).to_contain_text("Not paid.")
        no_sideways_scroll(page)
        axe(page)

    provider = new_context().new_page()
    sign_in_as(provider, portal_data, Role.PROVIDER, sign_in, live_server, "/home/provider/")
    for width in WIDTHS:
        provider.set_viewport_size({"width": width, "height": 900})
        provider.goto("/home/provider/waiting/")  # every ticket waiting on the provider
        expect(provider.get_by_role("heading", name=tickets["waiting"].number)).to_be_visible()
        no_sideways_scroll(provider)
        axe(provider)
        provider.goto(f"/tickets/{tickets['done'].pk}/")
        open_section(provider, "Report an unfinished resolution")
        provider.get_by_role("button", name="Report it to HFS").click()  # nothing written
        expect(provider.locator("[data-error-summary]")).to_be_visible()
        no_sideways_scroll(provider)
        axe(provider)

    from tests import factories

    factories.UserFactory(email="nobody@example.test", password="a-long-passphrase-2026")
    nobody = new_context().new_page()
    nobody.goto("/accounts/login/")
    sign_in(nobody, "nobody@example.test", "a-long-passphrase-2026")
    expect(nobody).to_have_url(live_server.url + "/home/welcome/")
    for width in WIDTHS:
        nobody.set_viewport_size({"width": width, "height": 900})
        no_sideways_scroll(nobody)
        axe(nobody)
