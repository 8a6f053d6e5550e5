"""Filing a ticket in the browser (R-FILE-1..8), HFS triage (R-FLOW-1) and a closed ticket
started again (R-FLOW-8).

The demo provider acts for an approved provider (set up in the database). They file a
Claims/Payment ticket with Molina: too early first (refused with the dates), then inside the
window; one claim and a PDF. HFS assigns and presents it; the Molina user sees it only
from then on. Several claims go on the Complaints/Claims-Issue template. A ticket HFS
closes as a duplicate is started again as a new draft. Axe finds no WCAG 2.1 A/AA
violation on any page. Dates are real: the MCO filing is 35 days ago (window open) or 5
days ago (too early).
"""

import datetime
import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from portal.access import Role
from tests.browser.helpers import (
    CLAIMS_PAYMENT,
    MOLINA,
    PROVIDER_NAME,
    PROVIDER_NPI,
    choose,
    deadline,
    ended_deadline,
    field,
    fill_workbook,
    h1,
    nav_link,
    sign_in_as,
    state_box,
    status,
    today,
)

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# -- helpers ----------------------------------------------------------------------------


def days_ago(days: int) -> datetime.date:
    return today() - datetime.timedelta(days=days)


def open_start_form(page: Page, live_server, axe):
    page.get_by_role("main").get_by_role("link", name="File a ticket").click()
    expect(page).to_have_url(live_server.url + "/tickets/new/")
    expect(h1(page)).to_have_text("File a ticket")
    before = page.get_by_role("region", name="Before you file")
    expect(before).to_contain_text("between day 30 and day 60")
    axe(page)


def fill_start_form(page: Page, filed_on: datetime.date, tracking="MOL-12345"):
    field(page, "Provider or facility").select_option(label=f"{PROVIDER_NAME} (Springfield, IL)")
    field(page, "MCO").select_option(label=MOLINA)
    field(page, "Complaint type").select_option(label=CLAIMS_PAYMENT)
    field(page, "Date you filed the dispute with the MCO's internal process").fill(
        filed_on.isoformat()
    )
    field(page, "MCO tracking number").fill(tracking)
    choose(page, "I used the MCO's internal dispute process", role="checkbox")


def continue_to_draft(page: Page, live_server, axe) -> int:
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(re.escape(live_server.url) + r"/tickets/\d+/edit/$"))
    expect(h1(page)).to_have_text(f"Draft ticket: {CLAIMS_PAYMENT} with {MOLINA}")
    axe(page)
    return int(page.url.rstrip("/").split("/")[-2])


def start_draft(page: Page, live_server, axe) -> int:
    open_start_form(page, live_server, axe)
    fill_start_form(page, days_ago(35))
    return continue_to_draft(page, live_server, axe)


def file_the_ticket(page: Page, live_server, axe) -> str:
    """From the complaint: continue to check the answers, then file."""
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(re.escape(live_server.url) + r"/tickets/\d+/check/$"))
    expect(h1(page)).to_have_text("Check your answers before you file")
    axe(page)
    page.get_by_role("button", name="File the ticket").click()
    expect(page).to_have_url(re.compile(re.escape(live_server.url) + r"/tickets/\d+/submitted/$"))
    # The number's sequence is not reset between tests on PostgreSQL: read it off the page.
    expect(h1(page)).to_have_text(re.compile(rf"^Ticket PRP-{today().year}-\d{{6}} is filed$"))
    number = re.search(r"PRP-\d{4}-\d{6}", h1(page).inner_text()).group(0)
    expect(page.get_by_role("status").filter(has=h1(page))).to_contain_text(
        f"present it to {MOLINA} within 10 business days"
    )
    axe(page)
    page.get_by_role("link", name=f"See ticket {number}").click()
    expect(h1(page)).to_have_text(f"Ticket {number}")
    return number


# -- 1: file a ticket, HFS presents it, the MCO sees it ---------------------------------


@pytest.mark.browser
def test_provider_files_hfs_presents_and_the_mco_sees_the_ticket(
    page: Page,
    new_context,
    live_server,
    approved_provider,
    portal_data,
    axe,
    sign_in,
    tmp_path,
):
    from deadlines.days import long_date, short_date
    from tickets.rules import filing_window

    sign_in_as(page, portal_data, Role.PROVIDER, sign_in, live_server, "/home/provider/")
    expect(h1(page)).to_have_text("Your provider work")
    expect(page.get_by_role("main")).to_contain_text(PROVIDER_NAME)
    axe(page)
    open_start_form(page, live_server, axe)

    # Filed with the MCO 5 days ago: the window message (htmx) says it is not open today.
    too_early = filing_window(days_ago(5))
    fill_start_form(page, days_ago(5))
    window = page.locator("#filing-window")
    expect(window).to_contain_text(
        f"You can file it here from {short_date(too_early.opens)} through "
        f"{short_date(too_early.closes)}."
    )
    expect(window).to_contain_text("a ticket cannot be filed now")
    axe(page)

    # Continue anyway: refused next to the date, with the dates; every value kept.
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(live_server.url + "/tickets/new/")
    date = field(page, "Date you filed the dispute with the MCO's internal process")
    expect(date).to_have_attribute("aria-invalid", "true")
    expect(date).to_have_accessible_description(re.compile("It is too early"))
    error = page.locator(".usa-form-group", has=date).locator(".usa-error-message")
    expect(error).to_contain_text(
        f"You can file it here from {short_date(too_early.opens)} through "
        f"{short_date(too_early.closes)}."
    )
    expect(error).to_contain_text(f"Come back on {long_date(too_early.opens)}.")
    expect(date).to_have_value(days_ago(5).isoformat())
    expect(field(page, "Provider or facility").locator("option:checked")).to_have_text(
        f"{PROVIDER_NAME} (Springfield, IL)"
    )
    expect(field(page, "MCO").locator("option:checked")).to_have_text(MOLINA)
    expect(field(page, "Complaint type").locator("option:checked")).to_have_text(CLAIMS_PAYMENT)
    expect(field(page, "MCO tracking number")).to_have_value("MOL-12345")
    expect(
        page.get_by_role("checkbox", name=re.compile("^I used the MCO's internal"))
    ).to_be_checked()
    axe(page)

    # 35 days ago: the window message updates as the date changes, and the draft starts.
    open_window = filing_window(days_ago(35))
    date.fill(days_ago(35).isoformat())
    expect(window).to_contain_text(
        f"on {short_date(days_ago(35))}. You can file it here from "
        f"{short_date(open_window.opens)} through {short_date(open_window.closes)}."
    )
    expect(window).to_contain_text("The window is open today.")
    axe(page)
    continue_to_draft(page, live_server, axe)

    # The draft: description, one claim, a PDF.
    field(page, "Describe the complaint").fill(
        "Molina denied the claim although the prior authorization was on file."
    )
    expect(page.get_by_role("radio", name=re.compile("^One claim"))).to_be_checked()
    field(page, "Claim number").fill("CLM-20261001")
    field(page, "Member RIN").fill("123456789")
    field(page, "Member name").fill("Pat Member")
    field(page, "Date of service from").fill(days_ago(60).isoformat())
    field(page, "Date of service to").fill(days_ago(59).isoformat())
    field(page, "Billed amount ($)").fill("250.00")
    field(page, "Paid amount ($)").fill("0.00")
    field(page, "Disputed amount ($)").fill("250.00")
    field(page, "Denial reason").fill("CO-197: prior authorization absent")
    pdf = tmp_path / "denial-letter.pdf"
    pdf.write_bytes(PDF_BYTES)
    field(page, "Attach files (optional)").set_input_files(pdf)
    number = file_the_ticket(page, live_server, axe)

    # The ticket page: state, deadline, claim, attachment, timeline.
    ticket_url = page.url
    expect(state_box(page).get_by_role("heading", level=2)).to_have_text(
        "Submitted: waiting for HFS review"
    )
    expect(deadline(page, "Triage")).to_contain_text("business days left")
    claims = page.get_by_role("table", name="Claims on this ticket")
    expect(claims.get_by_role("row", name=re.compile("CLM-20261001"))).to_contain_text("123456789")
    timeline = page.get_by_role("list").filter(has=page.locator(".usa-process-list__item"))
    expect(timeline.get_by_role("listitem").last).to_contain_text("Submitted")
    axe(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="denial-letter.pdf").click()
    download = download_info.value
    assert download.suggested_filename == "denial-letter.pdf"
    with open(download.path(), "rb") as downloaded:
        assert downloaded.read() == PDF_BYTES

    # HFS, in another browser: the triage queue, the checks, assign, present.
    hfs = new_context().new_page()
    sign_in_as(hfs, portal_data, Role.HFS, sign_in, live_server, "/home/hfs/")
    axe(hfs)
    nav_link(hfs, "Triage").click()
    expect(hfs).to_have_url(live_server.url + "/tickets/triage/")
    expect(h1(hfs)).to_have_text("Triage queue")
    row = hfs.get_by_role("row", name=re.compile(re.escape(number)))
    expect(row).to_contain_text(PROVIDER_NAME)
    expect(row).to_contain_text("Molina")
    expect(row).to_contain_text(CLAIMS_PAYMENT)
    axe(hfs)
    row.get_by_role("link", name=number).click()
    expect(h1(hfs)).to_have_text(f"Ticket {number}")
    checks = hfs.locator(".usa-icon-list").get_by_role("listitem")
    expect(checks).to_have_count(4)
    # Nothing needs a look; the provider's own statement is marked as not checked.
    expect(checks.filter(has_text=re.compile(r"^\s*Look at this"))).to_have_count(0)
    expect(checks.filter(has_text="Filed inside the filing window")).to_contain_text(
        re.compile(r"^\s*Checked"))
    expect(checks.filter(has_text="dispute process was used")).to_contain_text(
        re.compile(r"^\s*Not checked.*The provider confirmed it when filing"))
    axe(hfs)
    hfs.get_by_role("button", name="Assign to me").click()
    expect(status(hfs, "assigned")).to_have_text("The ticket is assigned to you.")
    expect(state_box(hfs)).to_contain_text("Assigned to Harper State.")
    expect(hfs.get_by_role("button", name="Assign to me")).to_have_count(0)
    axe(hfs)

    # Molina, in a third browser: not yet presented, so "not found".
    mco = new_context().new_page()
    sign_in_as(mco, portal_data, Role.MCO, sign_in, live_server, "/tickets/mco/")
    axe(mco)
    response = mco.goto(ticket_url)
    assert response.status == 404
    expect(h1(mco)).to_have_text("Page not found")
    axe(mco)

    hfs.get_by_role("button", name="Present to the MCO").click()
    expect(status(hfs, "presented")).to_have_text(
        "The ticket is presented to the MCO; its clocks have started."
    )
    expect(state_box(hfs).get_by_role("heading", level=2)).to_have_text("With the MCO")
    expect(deadline(hfs, re.compile(r"^(Mco.response|MCO written response)$"))).to_contain_text(
        "days left"
    )
    expect(
        deadline(hfs, re.compile(r"^(Info.window|MCO may request information)$"))
    ).to_contain_text("business days left")
    expect(ended_deadline(hfs, "HFS triage")).to_contain_text("Met on")
    axe(hfs)

    # ... and now Molina sees it.
    response = mco.goto(ticket_url)
    assert response.status == 200
    expect(h1(mco)).to_have_text(f"Ticket {number}")
    expect(state_box(mco).get_by_role("heading", level=2)).to_have_text("With the MCO")
    expect(mco.get_by_role("heading", name="Triage")).to_have_count(0)
    axe(mco)


# -- 2: two or more claims on the template ----------------------------------------------


@pytest.mark.browser
def test_provider_files_two_claims_on_the_template(
    page: Page, live_server, approved_provider, portal_data, axe, sign_in
):
    from tickets.claims_template import HEADERS

    sign_in_as(page, portal_data, Role.PROVIDER, sign_in, live_server, "/home/provider/")
    start_draft(page, live_server, axe)
    field(page, "Describe the complaint").fill(
        "Molina denied two claims for the same missing modifier."
    )
    choose(page, "Two or more similar claims")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Complaints/Claims-Issue template (.xlsx)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("complaints-claims-template-")
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as downloaded:
        blank = downloaded.read()
    assert [c.value for c in load_workbook(io.BytesIO(blank))["Claims"][1]] == HEADERS

    rows = [
        [MOLINA, PROVIDER_NPI, f"CLM-77{n}", f"MOL-5500{n}", f"01234567{n}", f"Member {n}",
         days_ago(70 + n), days_ago(69 + n), 120.0 + n, 0, 120.0 + n, "CO-4: modifier missing",
         ""]
        for n in (1, 2)
    ]  # fmt: skip
    field(page, "Completed Complaints/Claims-Issue template (.xlsx)").set_input_files(
        {"name": "claims.xlsx", "mimeType": XLSX, "buffer": fill_workbook(blank, "Claims", rows)}
    )
    file_the_ticket(page, live_server, axe)

    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=3, name=re.compile(r"^Claims \(2\)"))).to_contain_text(
        "claims.xlsx"
    )
    table = page.get_by_role("table", name="Claims on this ticket")
    expect(table.get_by_role("row")).to_have_count(3)  # the headings and two claims
    for n in (1, 2):
        row = table.get_by_role("row", name=re.compile(f"CLM-77{n}"))
        expect(row).to_contain_text(f"MOL-5500{n}")
        expect(row).to_contain_text(f"01234567{n}")
    expect(page.locator(".usa-icon-list")).to_have_count(0)  # HFS's checks: not for providers
    axe(page)


# -- 3: HFS closes a duplicate; the provider starts a new ticket from it ----------------


@pytest.mark.browser
def test_hfs_closes_a_duplicate_and_the_provider_starts_again(
    page: Page, new_context, live_server, approved_provider, portal_data, axe, sign_in
):
    from tests.tickets.conftest import make_submitted

    _, provider_user = portal_data[Role.PROVIDER]
    ticket = make_submitted(provider_user, approved_provider, filed_on=days_ago(35))
    number = ticket.number
    note = "Same dispute as the ticket filed last week; follow that one."

    sign_in_as(page, portal_data, Role.HFS, sign_in, live_server, "/home/hfs/")
    nav_link(page, "Triage").click()
    page.get_by_role("link", name=number).click()
    expect(h1(page)).to_have_text(f"Ticket {number}")
    axe(page)
    close = page.locator("form", has=page.get_by_role("button", name="Close the ticket"))
    field(close, "Reason for closing").select_option(label="Duplicate")
    field(close, "Note to the provider").fill(note)
    choose(close, "I understand that a closed ticket is never reopened", role="checkbox")
    close.get_by_role("button", name="Close the ticket").click()
    expect(status(page, "closed")).to_have_text("The ticket is closed; the provider is told why.")
    expect(state_box(page).get_by_role("heading", level=2)).to_have_text("Closed")
    expect(state_box(page)).to_contain_text(f"Duplicate. {note}")
    expect(page.get_by_role("button", name="Start a new ticket from this one")).to_have_count(0)
    axe(page)

    provider = new_context().new_page()
    sign_in_as(provider, portal_data, Role.PROVIDER, sign_in, live_server, "/home/provider/")
    row = provider.get_by_role("row", name=re.compile(re.escape(number)))
    expect(row).to_contain_text("Closed")
    axe(provider)
    row.get_by_role("link", name=number).click()
    expect(h1(provider)).to_have_text(f"Ticket {number}")
    box = state_box(provider)
    expect(box.get_by_role("heading", level=2)).to_have_text("Closed")
    expect(box).to_contain_text(f"Duplicate. {note}")
    expect(box).to_contain_text("Closed tickets are never reopened.")
    axe(provider)

    provider.get_by_role("button", name="Start a new ticket from this one").click()
    # The first step again: every detail copied in, the MCO process to confirm anew.
    expect(provider).to_have_url(
        re.compile(re.escape(live_server.url) + r"/tickets/\d+/change/$"))
    expect(h1(provider)).to_have_text("File a ticket")
    expect(status(provider, "new draft")).to_contain_text(f"A new draft is started from {number}.")
    expect(provider.get_by_role("main")).to_contain_text(f"Started from closed ticket {number}.")
    # Copied in, but the MCO process must be confirmed again.
    expect(field(provider, "MCO tracking number")).to_have_value("MOL-12345")
    expect(
        provider.get_by_role("checkbox", name=re.compile("^I used the MCO's internal"))
    ).not_to_be_checked()
    axe(provider)
