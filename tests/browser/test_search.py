"""Find any ticket (issue 11): HFS staff reach the All-tickets page from the navigation,
search by the MCO tracking number as typed (lower case) and find a closed ticket, then open
it. Axe finds no WCAG 2.1 A/AA violation at 1280 and at 390 pixels wide, and at 390 the
results stack instead of scrolling sideways."""

import datetime
import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from portal.access import Role
from tests.browser.helpers import h1, nav, sign_in_as, state_heading, today

#: Where the full-page screenshots go to be looked at: $PORTAL_SCREENSHOTS, or the test's
#: temporary folder.
SCREENSHOTS_ENV = "PORTAL_SCREENSHOTS"


def no_sideways_scroll(page: Page):
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("document.documentElement.clientWidth")
    assert width <= viewport, f"the page scrolls sideways: {width}px in {viewport}px"


@pytest.fixture
def tickets(approved_provider, portal_data):
    """Four filed tickets of the demo provider; one (MOL-77777) closed at triage."""
    from tests.tickets.conftest import make_submitted
    from tickets import workflow

    _, provider_user = portal_data[Role.PROVIDER]
    _, hfs = portal_data[Role.HFS]
    filed_on = today() - datetime.timedelta(days=35)
    made = [make_submitted(provider_user, approved_provider, tracking=f"MOL-5000{n}",
                           filed_on=filed_on) for n in range(3)]
    closed = make_submitted(provider_user, approved_provider, tracking="MOL-77777",
                            filed_on=filed_on)
    workflow.close_at_triage(closed.pk, by=hfs, reason="duplicate", note="Filed twice.")
    workflow.present(made[0].pk, by=hfs)
    return closed


@pytest.mark.browser
def test_hfs_finds_a_closed_ticket_by_its_tracking_number(
        page: Page, live_server, portal_data, tickets, sign_in, axe, tmp_path):
    shots = Path(os.environ.get(SCREENSHOTS_ENV) or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_as(page, portal_data, Role.HFS, sign_in, live_server, home="/home/hfs/")

    nav(page).get_by_role("link", name="All tickets").click()
    expect(h1(page)).to_have_text("All tickets")
    expect(page.get_by_role("heading", level=2, name="4 tickets")).to_be_visible()
    axe(page)
    no_sideways_scroll(page)

    search = page.get_by_role("search", name="Find tickets")
    search.get_by_label("Search", exact=True).fill("mol-77777")
    search.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("heading", level=2, name="1 ticket")).to_be_visible()
    results = page.get_by_role("table", name="Tickets found, 1 to 1")
    row = results.get_by_role("row").filter(has_text=tickets.number)
    expect(row).to_contain_text("Closed")
    expect(row).to_contain_text("Duplicate")
    expect(row).to_contain_text("MOL-77777")
    expect(search.get_by_label("Search", exact=True)).to_have_value("mol-77777")
    axe(page)
    no_sideways_scroll(page)
    page.screenshot(path=str(shots / "search-1280.png"), full_page=True)

    # The same results on a phone: the rows stack, nothing scrolls sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.get_by_role("heading", level=2, name="1 ticket")).to_be_visible()
    axe(page)
    no_sideways_scroll(page)
    page.screenshot(path=str(shots / "search-390.png"), full_page=True)

    results.get_by_role("link", name=tickets.number).click()
    expect(h1(page)).to_have_text(f"Ticket {tickets.number}")
    expect(state_heading(page)).to_have_text("Closed")
