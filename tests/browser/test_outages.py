"""Outage relief in the browser (issue 15): HFS declares an outage that has ended, its page
lists the ticket and deadline the relief moves, HFS applies it, and the ticket's timeline
gives the reason. A failed declaration names its field. Axe finds no WCAG 2.1 A/AA
violation at 1280 and 390 px, and no page scrolls sideways; screenshots go to
$PORTAL_SCREENSHOTS (or the test's temporary folder).

Dates are real, derived from ``deadlines.calendar``: the outage ran from 6 PM on the latest
business day at least two days ago (D) to 6 AM the day after; the ticket, prepared in the
database, was presented 30 days before D, so its MCO response was due at the end of D,
inside the outage. It moves to the end of the 2nd business day after the day it ended.
"""

import datetime
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from portal.access import Role
from tests.browser.helpers import field, h1, nav_link, short_day, sign_in_as, status, today
from tests.browser.test_filing_steps import at_both_widths

REASON = "Data-centre power failure"


def outage_day() -> datetime.date:
    """D: the latest business day at least two days before today."""
    from deadlines import calendar

    day = today() - datetime.timedelta(days=2)
    while not calendar.is_business_day(day):
        day -= datetime.timedelta(days=1)
    return day


@pytest.fixture
def ticket_due_in_the_outage(portal_data, approved_provider):
    import time_machine

    from deadlines.calendar import CENTRAL
    from deadlines.clocks import latest_clock
    from tests.tickets.conftest import make_submitted
    from tickets import clock_kinds, workflow

    _, provider_user = portal_data[Role.PROVIDER]
    _, hfs_user = portal_data[Role.HFS]
    presented = outage_day() - datetime.timedelta(days=30)
    with time_machine.travel(datetime.datetime.combine(
            presented, datetime.time(10), tzinfo=CENTRAL), tick=False):
        ticket = make_submitted(provider_user, approved_provider,
                                filed_on=presented - datetime.timedelta(days=35))
        ticket = workflow.present(ticket.pk, by=hfs_user)
    assert latest_clock(ticket, clock_kinds.MCO_RESPONSE.key).due_date == outage_day()
    return ticket


@pytest.mark.browser
def test_hfs_declares_an_outage_previews_and_applies_its_relief(
    page: Page, live_server, portal_data, ticket_due_in_the_outage, axe, sign_in, tmp_path
):
    from deadlines import calendar

    shots = Path(os.environ.get("PORTAL_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    number = ticket_due_in_the_outage.number
    start, back = outage_day(), outage_day() + datetime.timedelta(days=1)
    relief = calendar.add_business_days(back, 2)

    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_as(page, portal_data, Role.HFS, sign_in, live_server, "/home/hfs/")
    nav_link(page, "Outages").click()
    expect(h1(page)).to_have_text("Portal outages")
    expect(nav_link(page, "Outages")).to_have_attribute("aria-current", "page")
    expect(nav_link(page, "Closure days")).not_to_have_attribute("aria-current", "page")
    at_both_widths(page, axe, shots, "outage-list")

    # An end before the start is named at its field, and what was typed stays.
    field(page, "Start date").fill(start.isoformat())
    field(page, "Start time (Central)").fill("18:00")
    field(page, "End date").fill(start.isoformat())
    field(page, "End time (Central)").fill("17:00")
    field(page, "Reason").fill(REASON)
    page.get_by_role("button", name="Declare the outage").click()
    summary = page.locator("[data-error-summary]")
    expect(summary.get_by_role("link", name=re.compile(
        "^End date: The end must be after the start"))).to_be_visible()
    expect(field(page, "Reason")).to_have_value(REASON)
    at_both_widths(page, axe, shots, "outage-error")

    field(page, "End date").fill(back.isoformat())
    field(page, "End time (Central)").fill("06:00")
    page.get_by_role("button", name="Declare the outage").click()
    expect(h1(page)).to_have_text(re.compile(r"^Outage from "))
    expect(status(page, "The outage is declared")).to_be_visible()
    preview = page.get_by_role("table", name="Tickets and deadlines of this outage’s relief")
    row = preview.get_by_role("row", name=re.compile(re.escape(number)))
    expect(row).to_contain_text("MCO written response")
    expect(row).to_contain_text(f"Due {relief:%a}, {short_day(relief)}")
    at_both_widths(page, axe, shots, "outage-preview")

    page.get_by_role("button", name="Apply the relief").click()
    expect(status(page, "Relief applied: 1 deadline(s) moved")).to_be_visible()
    expect(page.get_by_role("heading", level=2, name="Relief applied")).to_be_visible()
    expect(page.get_by_role("button", name="Apply the relief")).to_have_count(0)
    at_both_widths(page, axe, shots, "outage-applied")

    preview.get_by_role("link", name=number).click()
    expect(h1(page)).to_contain_text(number)
    timeline = page.get_by_role("region", name="Timeline")
    entry = timeline.get_by_role("listitem").filter(has_text="Outage relief")
    expect(entry).to_contain_text(REASON)
    expect(entry).to_contain_text("MCO written response (was due")
    at_both_widths(page, axe, shots, "outage-ticket")
