"""Issue 11 in the browser: HFS staff open the reports from the navigation, choose the
months, read the charts and tables, fix a wrong range named at its field, download a table
and publish a quarter; anyone opens the public transparency report from the footer,
without signing in. Axe finds no WCAG 2.1 A/AA violation at 1280 and at 390 pixels wide,
and neither page scrolls sideways (wide tables scroll inside their own box).

The five tickets of tests/reports/conftest.py are lived through the workflow in 2027
(time-machine) before the browser starts; the browser itself runs at the real time.
"""

import csv
import io
import re
from pathlib import Path

import pytest
import time_machine
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from portal.access import Role
from tests.browser.helpers import field, h1, nav, sign_in_as

WIDE, NARROW = {"width": 1280, "height": 900}, {"width": 390, "height": 844}
SHOTS = Path("var/screenshots")


def no_sideways_scroll(page: Page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width}px wide"


def look(page: Page, axe, name):
    """Axe, no sideways scroll, and a full-page screenshot to look at, at both widths."""
    for size, label in ((WIDE, "wide"), (NARROW, "narrow")):
        page.set_viewport_size(size)
        axe(page)
        no_sideways_scroll(page)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(WIDE)


@pytest.fixture
def lived(portal_data, approved_provider):
    from reports import public, summaries
    from tests import factories
    from tests.reports.conftest import APRIL_2027, REPORT_NOW, Story

    people = {"provider": portal_data[Role.PROVIDER][1], "mco": portal_data[Role.MCO][1],
              "hfs": portal_data[Role.HFS][1]}
    story = Story(people, factories.mco_staff("aetna", email="aetna@example.test"),
                  provider=approved_provider).live()
    with time_machine.travel(REPORT_NOW, tick=False):
        summaries.refresh()
    with time_machine.travel(APRIL_2027, tick=False):
        public.publish("2027-Q1", by=people["hfs"])
    return story


@pytest.mark.browser
def test_hfs_reads_the_reports_and_anyone_the_public_report(page: Page, live_server, lived,
                                                            portal_data, sign_in, axe):
    page.set_viewport_size(WIDE)
    sign_in_as(page, portal_data, Role.HFS, sign_in, live_server, home="/home/hfs/")
    nav(page).get_by_role("link", name="Reports", exact=True).click()
    expect(h1(page)).to_have_text("Reports")

    # A range that ends before it starts is named at its field, and both months are kept.
    field(page, "First month").fill("2027-03")
    field(page, "Last month").fill("2027-01")
    page.get_by_role("button", name="Show the report").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Last month: choose the first month or a later one.")
    expect(field(page, "Last month")).to_have_attribute("aria-invalid", "true")
    expect(field(page, "First month")).to_have_value("2027-03")
    axe(page)

    field(page, "First month").fill("2027-01")
    field(page, "Last month").fill("2027-03")
    page.get_by_role("button", name="Show the report").click()
    expect(page.get_by_role("heading", level=2, name="January 2027 to March 2027")).to_be_visible()
    by_month = page.get_by_role("table", name="Volumes by month")
    january = by_month.get_by_role("row").filter(has=page.get_by_role("rowheader",
                                                                      name="Jan 2027"))
    expect(january.get_by_role("cell").first).to_have_text("5")  # filed
    expect(page.get_by_role("img", name="Molina")).to_be_visible()
    expect(page.get_by_text("Molina: 4 tickets filed over 3 months; the most in Jan 2027 (4)."))\
        .to_be_visible()
    expect(page.get_by_role("img", name="Median days per step")).to_be_visible()
    triage = page.get_by_role("table", name="HFS triage: on time, by MCO")
    expect(triage.get_by_role("row").filter(has_text="Molina")).to_contain_text("75.0%")
    look(page, axe, "reports")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download “Volumes by month” (.xlsx)").click()
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).worksheets[0]
    assert [c.value for c in sheet[2]][:2] == ["Jan 2027", 5]

    # The monthly summary of one MCO, printable.
    monthly = page.locator("form", has=page.get_by_role("button", name="Show the summary"))
    field(monthly, "MCO").select_option(label="Molina Healthcare of Illinois")
    field(monthly, "Month").fill("2027-02")
    page.get_by_role("button", name="Show the summary").click()
    expect(h1(page)).to_have_text("Molina Healthcare of Illinois: performance in February 2027")
    axe(page)
    no_sideways_scroll(page)
    page.emulate_media(media="print")  # printed: the summary alone, without the portal
    expect(nav(page)).to_be_hidden()
    expect(page.get_by_role("link", name="Download as PDF")).to_be_hidden()
    expect(page.get_by_role("table", name="Sanction candidates")).to_be_visible()
    page.screenshot(path=str(SHOTS / "monthly-print.png"), full_page=True)
    page.emulate_media(media="screen")

    # Publishing: the quarters offered have ended; the one published shows in the list.
    page.goto("/reports/publish/")
    expect(h1(page)).to_have_text("Publish the transparency report")
    expect(page.get_by_role("table", name=re.compile("Published versions"))).to_contain_text(
        "2027-Q1")
    axe(page)

    # Anyone: the public report from the footer, without signing in.
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("link", name="Transparency report").click()
    expect(h1(page)).to_have_text("Provider dispute transparency report")
    expect(page.get_by_role("heading", name="January to March 2027 (2027-Q1)")).to_be_visible()
    table = page.get_by_role("table", name="Tickets, by MCO, January to March 2027")
    expect(table.get_by_role("row").filter(has_text="All MCOs")).to_contain_text("not shown")
    look(page, axe, "transparency")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download these figures as a CSV file").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert rows and {r["quarter"] for r in rows} == {"2027-Q1"}

    page.get_by_role("link", name="Read the data dictionary").click()
    expect(h1(page)).to_have_text("Data dictionary of the transparency report")
    look(page, axe, "dictionary")


@pytest.mark.browser
def test_an_mco_reads_its_own_scorecard(page: Page, live_server, lived, portal_data, sign_in,
                                        axe):
    page.set_viewport_size(WIDE)
    sign_in_as(page, portal_data, Role.MCO, sign_in, live_server, home="/tickets/mco/")
    nav(page).get_by_role("link", name="Scorecard").click()
    expect(h1(page)).to_have_text("Molina Healthcare of Illinois: scorecard")
    field(page, "First month").fill("2027-01")
    field(page, "Last month").fill("2027-03")
    page.get_by_role("button", name="Show the report").click()
    response = page.get_by_role("table", name="MCO response: on time, by MCO")
    expect(response.get_by_role("row").filter(has_text="Molina").first).to_contain_text("50.0%")
    expect(page.get_by_text("Aetna")).to_have_count(0)
    look(page, axe, "scorecard")
