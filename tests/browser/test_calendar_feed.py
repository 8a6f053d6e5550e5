"""The deadline calendar feed in the browser (issue 15): MCO staff open their account page,
choose to keep only the tickets assigned to them, turn the feed on, copy its address with
the button (shown this once), and a calendar application (a request with no session)
reads their deadlines from it; a new address stops the old one, turning it off stops both.
The account page passes axe (WCAG 2.1 A and AA) at 1280 and 390 px, feed off and on, and
does not scroll sideways. Full-page screenshots go to $PORTAL_SCREENSHOTS (or the test's
temporary folder).
"""

import datetime
import re

import pytest
from playwright.sync_api import Page, expect

from portal.access import Role
from tests.browser.helpers import choose, h1, sign_in_as, status, today
from tests.browser.test_api_clients import shots  # noqa: F401 (the screenshots folder)
from tests.browser.test_filing_steps import at_both_widths

# The fixtures imported above are used by name (pytest): the test arguments shadow them.
# ruff: noqa: F811

ADDRESS = re.compile(r"/calendar/cal_[A-Za-z0-9_-]{40,}\.ics$")


def calendar_reads(playwright, url):
    """What a calendar application gets from ``url``: no cookie, no session."""
    from icalendar import Calendar

    app = playwright.request.new_context()
    try:
        response = app.get(url)
        if response.status != 200:
            return response.status, []
        events = Calendar.from_ical(response.body()).walk("VEVENT")
        return 200, sorted(str(e["SUMMARY"]) for e in events)
    finally:
        app.dispose()


@pytest.mark.browser
def test_mco_staff_turn_on_their_calendar_feed_copy_it_and_turn_it_off(
    page: Page, playwright, live_server, portal_data, approved_provider, axe, sign_in, shots,
    settings,
):
    from tests.tickets.conftest import make_submitted
    from tickets import workflow

    settings.SITE_URL = live_server.url  # the address the page shows is the live server's
    _, provider_user = portal_data[Role.PROVIDER]
    _, hfs_user = portal_data[Role.HFS]
    _, mco_user = portal_data[Role.MCO]
    filed_on = today() - datetime.timedelta(days=35)
    mine = workflow.present(make_submitted(provider_user, approved_provider,
                                           filed_on=filed_on).pk, by=hfs_user)
    workflow.present(make_submitted(provider_user, approved_provider, filed_on=filed_on,
                                    tracking="MOL-12346").pk, by=hfs_user)
    mine.mco_assigned_to = mco_user
    mine.save(update_fields=["mco_assigned_to"])

    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_as(page, portal_data, Role.MCO, sign_in, live_server)
    page.goto("/account/")
    expect(h1(page)).to_have_text("Your account")
    feed = page.get_by_role("region", name="Calendar feed")
    expect(feed.get_by_role("heading", name="Adding it to your calendar")).to_be_visible()
    at_both_widths(page, axe, shots, "calendar-feed-off")

    choose(feed, "Only tickets assigned to me")
    feed.get_by_role("button", name="Turn on the calendar feed").click()
    expect(page.get_by_role("region", name="Your calendar feed is on: copy its address now")
           ).to_be_visible()
    address_box = page.get_by_label("Your calendar feed's address")
    expect(address_box).to_have_value(ADDRESS)
    expect(address_box).to_have_attribute("readonly", "")
    at_both_widths(page, axe, shots, "calendar-feed-on")

    page.get_by_role("button", name="Copy the address").click()
    expect(status(page, "Copied.")).to_be_visible()
    address = page.evaluate("navigator.clipboard.readText()")
    assert address == address_box.input_value()
    assert calendar_reads(playwright, address) == (200, [
        f"{mine.number}: Last day for the MCO to ask for information",
        f"{mine.number}: Last day to ask for an extension",
        f"{mine.number}: MCO written response due",
    ])

    # Back on the page later: the feed is on, its address is not shown again.
    page.goto("/account/")
    expect(page.get_by_label("Your calendar feed's address")).to_have_count(0)
    expect(feed).to_contain_text("Only tickets assigned to me")
    expect(feed).to_contain_text("Last read by a calendar application")
    at_both_widths(page, axe, shots, "calendar-feed-kept")

    feed.get_by_role("button", name="Make a new address").click()
    expect(page.get_by_role("region", name="Your new address: copy it now")).to_be_visible()
    new_address = page.get_by_label("Your calendar feed's address").input_value()
    assert new_address != address
    assert calendar_reads(playwright, address) == (404, [])
    assert calendar_reads(playwright, new_address)[0] == 200

    page.goto("/account/")
    feed.get_by_role("button", name="Turn off the calendar feed").click()
    expect(status(page, "Your calendar feed is off")).to_be_visible()
    expect(feed.get_by_role("button", name="Turn on the calendar feed")).to_be_visible()
    assert calendar_reads(playwright, new_address) == (404, [])
