"""Filing a ticket in steps, in the browser (issue 12): the provider's one facility is chosen
already; the tracking-number format of the MCO they pick shows under the number's field
before they type it; a failed submit puts focus on the error summary, whose links lead to
each field; the complaint, then "Check your answers", then "File the ticket". The date
input shows the USWDS focus ring. Axe finds no WCAG 2.1 A/AA violation at 1280 and 390
pixels wide, and no page scrolls sideways. Full-page screenshots go to $PORTAL_SCREENSHOTS
(or the test's temporary folder) to be looked at.
"""

import datetime
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from portal.access import Role
from tests.browser.helpers import (
    CLAIMS_PAYMENT,
    MOLINA,
    PROVIDER_NAME,
    choose,
    field,
    h1,
    sign_in_as,
    today,
)

WIDTHS = (1280, 390)
AETNA = "Aetna Better Health of Illinois"
DATE_LABEL = "Date you filed the dispute with the MCO's internal process"


def no_sideways_scroll(page: Page):
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("document.documentElement.clientWidth")
    assert width <= viewport, f"{page.url} scrolls sideways: {width}px in {viewport}px"


def at_both_widths(page: Page, axe, shots: Path, name: str):
    """Axe-clean and no sideways scroll at each width, with a full-page screenshot."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        axe(page)
        no_sideways_scroll(page)
        page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})


def focused(page: Page, js: str):
    return page.evaluate(f"(() => {{ const el = document.activeElement; return {js}; }})()")


@pytest.mark.browser
def test_provider_files_a_ticket_through_the_steps(
    page: Page, live_server, approved_provider, portal_data, axe, sign_in, tmp_path
):
    shots = Path(os.environ.get("PORTAL_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    sign_in_as(page, portal_data, Role.PROVIDER, sign_in, live_server, "/home/provider/")
    page.get_by_role("main").get_by_role("link", name="File a ticket").click()
    expect(h1(page)).to_have_text("File a ticket")
    steps = page.get_by_label("Steps to file a ticket")
    expect(steps.locator("[aria-current=step]")).to_have_text("Provider and MCO")

    # The one facility is chosen already.
    expect(field(page, "Provider or facility").locator("option:checked")).to_have_text(
        f"{PROVIDER_NAME} (Springfield, IL)")
    # Before an MCO is chosen the hint lists every MCO's format; once one is chosen, its own,
    # and the number is still empty.
    tracking = field(page, "MCO tracking number")
    expect(tracking).to_have_accessible_description(re.compile("Aetna tracking numbers"))
    field(page, "MCO").select_option(label=AETNA)
    expect(tracking).to_have_value("")
    expect(tracking).to_have_accessible_description(re.compile(
        r"^Aetna tracking numbers: PDXGR, then 7 digits; for example PDXGR1234567\."))
    at_both_widths(page, axe, shots, "filing-1-start")

    # A failed submit: focus lands on the error summary, which names each field; its link
    # moves focus to the field.
    field(page, "MCO").select_option(label=MOLINA)
    expect(tracking).to_have_accessible_description(re.compile("^Molina has no set format"))
    page.get_by_role("button", name="Continue").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    assert focused(page, "el.hasAttribute('data-error-summary')")
    expect(summary.get_by_role("heading", level=2)).to_have_text("There are 4 problems")
    expect(summary.get_by_role("link", name="Choose the complaint type.")).to_be_visible()
    summary.get_by_role("link", name=re.compile("^Enter the date you filed")).click()
    assert focused(page, "el.id") == "id_dispute_filed_on"
    at_both_widths(page, axe, shots, "filing-1-errors")

    # The date input shows the USWDS focus ring, on its date and on its calendar button
    # (reached by Tab after month, day and year; then the input is only :focus-within).
    ring = ("[getComputedStyle(el).outlineStyle, getComputedStyle(el).outlineWidth,"
            " getComputedStyle(el).outlineColor]")
    assert focused(page, ring) == ["solid", "4px", "rgb(36, 145, 255)"]
    for _ in range(3):
        page.keyboard.press("Tab")
    assert focused(page, "[el.id, el.matches(':focus'), el.matches(':focus-within')]") == [
        "id_dispute_filed_on", False, True]  # the calendar button inside the input
    assert focused(page, ring) == ["solid", "4px", "rgb(36, 145, 255)"]
    box = page.locator("#id_dispute_filed_on").bounding_box()
    page.screenshot(path=str(shots / "filing-date-button-focus.png"), clip={
        "x": box["x"] - 12, "y": box["y"] - 12, "width": box["width"] + 24,
        "height": box["height"] + 24})

    filed_on = today() - datetime.timedelta(days=35)
    field(page, DATE_LABEL).fill(filed_on.isoformat())
    field(page, "Complaint type").select_option(label=CLAIMS_PAYMENT)
    tracking.fill("MOL-12345")
    choose(page, "I used the MCO's internal dispute process", role="checkbox")
    page.get_by_role("button", name="Continue").click()

    # Step 2: the complaint; the first step's facts are shown, not asked again.
    expect(page).to_have_url(re.compile(r"/tickets/\d+/edit/$"))
    expect(steps.locator("[aria-current=step]")).to_have_text("The complaint")
    expect(page.get_by_label("MCO tracking number")).to_have_count(0)
    expect(page.get_by_role("region", name="Provider and MCO")).to_contain_text("MOL-12345")
    field(page, "Describe the complaint").fill(
        "Molina denied the claim although the prior authorization was on file.")
    field(page, "Claim number").fill("CLM-20261001")
    field(page, "Member RIN").fill("123456789")
    field(page, "Member name").fill("Pat Member")
    field(page, "Date of service from").fill((today() - datetime.timedelta(days=60)).isoformat())
    field(page, "Date of service to").fill((today() - datetime.timedelta(days=59)).isoformat())
    field(page, "Billed amount ($)").fill("1250.00")
    field(page, "Paid amount ($)").fill("0.00")
    field(page, "Disputed amount ($)").fill("1250.00")
    field(page, "Denial reason").fill("CO-197: prior authorization absent")
    at_both_widths(page, axe, shots, "filing-2-complaint")
    page.get_by_role("button", name="Continue").click()

    # Step 3: everything entered, each with a way to change it; nothing filed yet.
    expect(h1(page)).to_have_text("Check your answers before you file")
    expect(steps.locator("[aria-current=step]")).to_have_text("Check your answers")
    main = page.get_by_role("main")
    for shown in (PROVIDER_NAME, MOLINA, CLAIMS_PAYMENT, "MOL-12345", "CLM-20261001",
                  "Pat Member", "$1,250.00 billed", "prior authorization was on file"):
        expect(main).to_contain_text(shown)
    expect(main.get_by_role("link", name="Change the MCO tracking number")).to_be_visible()
    at_both_widths(page, axe, shots, "filing-3-check")

    # Changing an answer from here: back to step 1 at that field, then back to the answers.
    # A failed submit there (posted from an address with a #fragment) still puts focus on
    # the error summary.
    main.get_by_role("link", name="Change the MCO tracking number").click()
    expect(h1(page)).to_have_text("File a ticket")
    expect(field(page, "Complaint type").locator("option:checked")).to_have_text(CLAIMS_PAYMENT)
    tracking.fill("")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    tracking.fill("MOL-54321")
    page.get_by_role("button", name="Continue").click()
    expect(h1(page)).to_have_text("Check your answers before you file")
    expect(main).to_contain_text("MOL-54321")

    page.get_by_role("button", name="File the ticket").click()
    expect(h1(page)).to_have_text(re.compile(r"^Ticket PRP-\d{4}-\d{6} is filed$"))
    axe(page)
