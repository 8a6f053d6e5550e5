"""HFS records an MCO's tracking-number format in the browser (issue 12, R-FILE-4): the MCO
list asks for a format for each MCO that has none; on the MCO's page the portal proposes a
pattern from real examples, a number typed in the test box is checked as it is typed, and
the saved format is what providers then see before they type their number. Axe-clean at
1280 and 390 px, no sideways scroll; screenshots to $PORTAL_SCREENSHOTS."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from portal.access import Role
from tests.browser.helpers import field, h1, sign_in_as
from tests.browser.test_filing_steps import at_both_widths


@pytest.mark.browser
def test_hfs_records_a_format_from_examples(
    page: Page, live_server, portal_data, axe, sign_in, tmp_path
):
    shots = Path(os.environ.get("PORTAL_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_as(page, portal_data, Role.HFS, sign_in, live_server, "/home/hfs/")
    page.goto("/mcos/")  # under Reference data in the navigation
    expect(h1(page)).to_have_text("MCOs and tracking-number formats")
    prompt = page.get_by_role("region", name="4 MCOs have no tracking-number format")
    expect(prompt.get_by_role("link")).to_have_count(4)
    at_both_widths(page, axe, shots, "mco-list")

    prompt.get_by_role("link", name="Record a format for Molina Healthcare of Illinois").click()
    expect(h1(page)).to_have_text("Edit Molina Healthcare of Illinois")
    field(page, "Examples of real tracking numbers").fill("MOL-12345\nMOL-67890")
    page.get_by_role("button", name="Propose a pattern").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Proposed from 2 examples: MOL, then a hyphen, then 5 digits.")
    expect(field(page, "Tracking-number pattern")).to_have_value("MOL-[0-9]{5}")
    expect(field(page, "Tracking-number example")).to_have_value("MOL-12345")

    # The test box answers as the number is typed (portal.js), before anything is saved.
    result = page.locator("#tracking-test-result")
    field(page, "Try a tracking number").fill("MOL-1234")
    expect(result).to_have_text("MOL-1234 does not match the pattern.")
    field(page, "Try a tracking number").fill("MOL-12399")
    expect(result).to_have_text("MOL-12399 matches the pattern.")
    at_both_widths(page, axe, shots, "mco-edit-proposed")

    # A broken pattern is named at its field, and the test box says it cannot try it.
    field(page, "Tracking-number pattern").fill("MOL-[0-9")
    expect(result).to_contain_text("cannot be tried as you type")
    page.get_by_role("button", name="Save", exact=True).last.click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name=re.compile(
        "^Tracking-number pattern: This is not a valid regular expression"))).to_be_visible()
    expect(field(page, "Tracking-number pattern")).to_have_value("MOL-[0-9")
    at_both_widths(page, axe, shots, "mco-edit-error")

    field(page, "Tracking-number pattern").fill("MOL-[0-9]{5}")
    field(page, "Tracking-number pattern").press("Enter")  # Enter saves, as "Save" does
    expect(h1(page)).to_have_text("MCOs and tracking-number formats")
    expect(page.get_by_role("region", name="3 MCOs have no tracking-number format")).to_be_visible()
    row = page.get_by_role("row", name=re.compile("^Molina Healthcare of Illinois"))
    expect(row).to_contain_text("MOL, then a hyphen, then 5 digits")
