"""The API reference (issue 13): a developer without an account opens /api/v1/docs/, finds
an operation from the contents, and follows an error's ``type`` link to its problem entry.
Axe finds no WCAG 2.1 A/AA violation at 1280 and at 390 pixels wide, and at 390 nothing
scrolls sideways (the tables stack, paths and commands wrap). Full-page screenshots go to
$PORTAL_SCREENSHOTS (or the test's temporary folder)."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import h1

SCREENSHOTS_ENV = "PORTAL_SCREENSHOTS"


def no_sideways_scroll(page: Page):
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("document.documentElement.clientWidth")
    assert width <= viewport, f"the page scrolls sideways: {width}px in {viewport}px"


@pytest.mark.browser
def test_a_developer_reads_the_reference_on_a_desktop_and_a_phone(
        page: Page, live_server, transactional_db, axe, tmp_path):
    from api import problems

    shots = Path(os.environ.get(SCREENSHOTS_ENV) or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    response = page.goto("/api/v1/docs/")
    assert response is not None and response.status == 200
    expect(h1(page)).to_have_text("API reference")
    axe(page)
    no_sideways_scroll(page)
    page.screenshot(path=str(shots / "api-reference-1280.png"), full_page=True)

    contents = page.get_by_role("navigation", name="On this page")
    contents.get_by_role("link", name="List the tickets this client may see").click()
    expect(page).to_have_url(re.compile(r"#tickets_list$"))
    operation = page.get_by_role("region", name="List the tickets this client may see")
    expect(operation.get_by_text("GET /api/v1/tickets", exact=True)).to_be_visible()
    parameters = operation.get_by_role("table", name="Parameters")
    expect(parameters.get_by_role("rowheader", name="state")).to_be_visible()

    # An error's type is a link to its entry on this page.
    page.goto(problems.type_uri("refused"))
    expect(page.get_by_role("heading", level=3, name="refused: " +
                            problems.PROBLEM_TYPES["refused"])).to_be_in_viewport()

    # On a phone: the same page, the tables stacked, nothing wider than the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/api/v1/docs/")
    expect(h1(page)).to_have_text("API reference")
    axe(page)
    no_sideways_scroll(page)
    page.screenshot(path=str(shots / "api-reference-390.png"), full_page=True)
