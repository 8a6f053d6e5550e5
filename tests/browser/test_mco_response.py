"""The MCO's part of a presented ticket in the browser (R-FLOW-2..4): the Molina queue with
its dates, an information request and the provider's answer, the written response with a
plan; an extension asked by the MCO and approved by HFS (the response moves to day 60);
HFS's overdue-responses list and the MCO queue's export.

Tickets are prepared in the database: filed by the demo provider (dispute filed with the
MCO 35 days earlier, so the filing window is open) and presented by the demo HFS user.
Dates are real: the ticket is presented today, except the overdue one, presented on the
latest day whose 30-day response period (rolled forward to a business day, R-CLK-3) ended
before today. Expected due days come from ``deadlines.calendar``, never from adding days
by hand, so the tests pass on any date (``pytest --today``). Axe finds no WCAG 2.1 A/AA
violation on any page visited.
"""

import datetime
import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Locator, Page, expect

from deadlines.calendar import CENTRAL, calendar_deadline
from portal.access import Role
from tests.browser.helpers import (
    MOLINA,
    PROVIDER_NAME,
    choose,
    deadline,
    ended_deadline,
    field,
    h1,
    nav_link,
    open_section,
    short_day,
    sign_in_as,
    state_heading,
    status,
    today,
)

# -- helpers ----------------------------------------------------------------------------


def due_moment(row: Locator) -> datetime.datetime:
    """The due moment a deadline row (or list item) gives in its ``<time datetime>``, in
    the portal's time zone (the attribute is UTC)."""
    from django.utils import timezone

    moment = datetime.datetime.fromisoformat(row.locator("time").get_attribute("datetime"))
    return timezone.localtime(moment)


def day(d: datetime.date) -> str:
    """A date as the queue and the deadlines show it: "Mon, Jun 8, 2026"."""
    return f"{d:%a}, {d:%b} {d.day}, {d.year}"


def cell(table: Locator, row: Locator, column: str) -> Locator:
    """The cell of ``row`` under the column headed ``column``."""
    headers = table.get_by_role("columnheader").all_inner_texts()
    return row.locator("th, td").nth([h.strip() for h in headers].index(column))


def presented_on(ticket) -> datetime.date:
    """Day 0 of the ticket's presentation clocks: the Central date it was presented."""
    from django.utils import timezone

    return timezone.localtime(ticket.presented_at).date()


def clock_due_date(ticket, kind: str) -> datetime.date:
    from deadlines.clocks import clocks_for

    return clocks_for(ticket).filter(kind=kind).order_by("-pk").first().due_date


@pytest.fixture
def present_ticket(portal_data, approved_provider):
    """``present_ticket(at=None)``: a Claims/Payment ticket with Molina, filed by the demo
    provider and presented by the demo HFS user at ``at`` (now by default)."""
    import time_machine

    from tests.tickets.conftest import make_submitted
    from tickets import workflow

    _, provider_user = portal_data[Role.PROVIDER]
    _, hfs_user = portal_data[Role.HFS]

    def present(at: datetime.datetime | None = None):
        def file_and_present():
            from django.utils import timezone

            filed_on = timezone.localdate() - datetime.timedelta(days=35)
            ticket = make_submitted(provider_user, approved_provider, filed_on=filed_on)
            return workflow.present(ticket.pk, by=hfs_user)

        if at is None:
            return file_and_present()
        with time_machine.travel(at, tick=False):
            return file_and_present()

    return present


# -- 1: information request, answer, written response -----------------------------------


@pytest.mark.browser
def test_mco_requests_information_provider_answers_and_mco_responds(
    page: Page, new_context, live_server, portal_data, present_ticket, axe, sign_in
):
    from tickets import clock_kinds

    ticket = present_ticket()
    number = ticket.number
    info_until = clock_due_date(ticket, clock_kinds.INFO_WINDOW.key)
    response_due = clock_due_date(ticket, clock_kinds.MCO_RESPONSE.key)
    assert today() < info_until < response_due
    assert response_due >= today() + datetime.timedelta(days=30)

    # Molina: the queue, with the ticket's two dates in their columns.
    mco = page
    sign_in_as(mco, portal_data, Role.MCO, sign_in, live_server, "/tickets/mco/")
    expect(h1(mco)).to_have_text(f"{MOLINA}: tickets to answer")
    queue = mco.get_by_role("table", name="Tickets, soonest response due first")
    row = queue.get_by_role("row", name=re.compile(re.escape(number)))
    expect(cell(queue, row, "Provider")).to_have_text(PROVIDER_NAME)
    expect(cell(queue, row, "Status")).to_have_text("With the MCO")
    expect(cell(queue, row, "Information requests until")).to_have_text(day(info_until))
    expect(cell(queue, row, "Response due")).to_have_text(day(response_due))
    axe(mco)

    # The ticket: ask the provider for information.
    row.get_by_role("link", name=number).click()
    expect(h1(mco)).to_have_text(f"Ticket {number}")
    ticket_url = mco.url
    expect(state_heading(mco)).to_have_text("With the MCO")
    expect(deadline(mco, "MCO may request information")).to_contain_text(day(info_until))
    expect(deadline(mco, "MCO written response")).to_contain_text(day(response_due))
    axe(mco)
    question = "Please send the prior authorization letter and the remittance advice."
    open_section(mco, "Request information from the provider")
    field(mco, "What information do you need?").fill(question)
    mco.get_by_role("button", name="Send the request").click()
    expect(status(mco, "information request")).to_have_text(
        "Your information request is sent; the provider has 5 business days to answer."
    )
    expect(state_heading(mco)).to_have_text("Waiting for the provider's information")
    expect(mco.get_by_role("button", name="Send the request")).to_have_count(0)
    expect(deadline(mco, "Provider sends the requested information")).to_contain_text(
        "business days left"
    )
    axe(mco)

    # The provider, in another browser: the home page, the ticket, the answer.
    provider = new_context().new_page()
    sign_in_as(provider, portal_data, Role.PROVIDER, sign_in, live_server, "/home/provider/")
    tickets = provider.get_by_role("table", name="Tickets of your providers")
    mine = tickets.get_by_role("row", name=re.compile(re.escape(number)))
    expect(cell(tickets, mine, "Status")).to_have_text("Waiting for the provider's information")
    axe(provider)
    mine.get_by_role("link", name=number).click()
    expect(h1(provider)).to_have_text(f"Ticket {number}")
    expect(state_heading(provider)).to_have_text("Waiting for the provider's information")
    asked = provider.get_by_role("region", name=re.compile(r"^Requested "))
    expect(asked).to_contain_text(question)
    expect(asked).to_contain_text("Not answered yet.")
    expect(provider.get_by_role("heading", name="Answer the information request")).to_be_visible()
    axe(provider)
    answer = "Attached to the original filing: PA #A-5521 approved before the date of service."
    field(provider, "Your answer").fill(answer)
    provider.get_by_role("button", name="Send the answer").click()
    expect(status(provider, "answer")).to_have_text("Your answer is sent to the MCO.")
    expect(state_heading(provider)).to_have_text("With the MCO")
    expect(asked).to_contain_text(answer)
    expect(asked).not_to_contain_text("Not answered yet.")
    expect(provider.get_by_role("button", name="Send the answer")).to_have_count(0)
    axe(provider)

    # Molina again: still inside the 5-business-day window, so it could ask again; it
    # responds instead, with a plan.
    mco.goto(ticket_url)
    expect(state_heading(mco)).to_have_text("With the MCO")
    expect(mco.get_by_role("region", name=re.compile(r"^Requested "))).to_contain_text(answer)
    expect(mco.locator("summary", has_text="Request information from the provider")
           ).to_be_visible()
    axe(mco)
    resolve_by = today() + datetime.timedelta(days=14)
    form = mco.locator("form", has=mco.get_by_role("button", name="Send the response"))
    field(form, "Response to the complaint").fill(
        "The claim is reprocessed: the prior authorization was on file."
    )
    choose(form, "A plan applies", role="checkbox")
    field(form, "The plan").fill("Reprocess claim CLM-0 and pay it with interest.")
    field(form, "Date by which it will be resolved").fill(resolve_by.isoformat())
    field(form, "Provider service representative's name").fill("Robin Rep")
    field(form, "Representative's phone").fill("(312) 555-0142")
    field(form, "Representative's e-mail").fill("robin.rep@molina.example")
    form.get_by_role("button", name="Send the response").click()
    expect(status(mco, "response")).to_have_text("Your response is sent to the provider.")
    expect(state_heading(mco)).to_have_text("MCO responded")
    expect(mco.get_by_role("heading", level=2, name="The MCO’s response")).to_be_visible()
    facts = mco.locator("dl", has=mco.get_by_text("Provider service representative"))
    expect(facts).to_contain_text("Reprocess claim CLM-0 and pay it with interest.")
    expect(facts).to_contain_text(short_day(resolve_by))
    expect(facts).to_contain_text("Robin Rep, (312) 555-0142, robin.rep@molina.example")
    expect(facts.get_by_role("link", name="robin.rep@molina.example")).to_have_attribute(
        "href", "mailto:robin.rep@molina.example"
    )
    expect(mco.get_by_role("button", name="Send the response")).to_have_count(0)
    expect(mco.get_by_role("button", name="Send the request")).to_have_count(0)
    expect(ended_deadline(mco, "MCO written response")).to_contain_text("Met on")
    axe(mco)


# -- 2: the MCO asks for an extension; HFS approves it -----------------------------------


@pytest.mark.browser
def test_mco_asks_for_an_extension_and_hfs_approves_it(
    page: Page, new_context, live_server, portal_data, present_ticket, axe, sign_in
):
    ticket = present_ticket()
    number = ticket.number
    day_0 = presented_on(ticket)

    mco = page
    sign_in_as(mco, portal_data, Role.MCO, sign_in, live_server, "/tickets/mco/")
    mco.get_by_role("link", name=number).click()
    expect(h1(mco)).to_have_text(f"Ticket {number}")
    ticket_url = mco.url
    before = due_moment(deadline(mco, "MCO written response"))
    assert before.date() == calendar_deadline(day_0, 30)
    expect(deadline(mco, "MCO written response")).to_contain_text(day(before.date()))
    axe(mco)
    reason = "Our claims system is being migrated; the claim history is unavailable."
    open_section(mco, "Ask HFS for an extension")
    field(mco, "Extenuating circumstances").fill(reason)
    mco.get_by_role("button", name="Ask for an extension").click()
    expect(status(mco, "extension")).to_have_text("Your extension request is sent to HFS.")
    extension = mco.locator("h2:text-is('Extension') + ul")
    expect(extension).to_contain_text(reason)
    expect(extension).to_contain_text("Waiting for HFS")
    expect(mco.get_by_role("button", name="Ask for an extension")).to_have_count(0)
    axe(mco)

    # HFS, in another browser: the extension queue.
    hfs = new_context().new_page()
    sign_in_as(hfs, portal_data, Role.HFS, sign_in, live_server, "/home/hfs/")
    nav_link(hfs, "Extensions").click()
    expect(hfs).to_have_url(live_server.url + "/tickets/extensions/")
    expect(h1(hfs)).to_have_text("Extension requests")
    card = hfs.get_by_role("region", name=f"{number}: {PROVIDER_NAME} with Molina")
    expect(card).to_contain_text(reason)
    clocks = card.get_by_role("listitem")
    response_clock = clocks.filter(has_text="MCO written response")
    expect(response_clock).to_contain_text(day(before.date()))
    assert due_moment(response_clock) == before
    expect(clocks.filter(has_text="Last day to ask for an extension")).to_contain_text("left")
    axe(hfs)
    choose(card, "Approve")
    field(card, "Note").fill("System migration confirmed with Molina's compliance office.")
    card.get_by_role("button", name=f"Record the decision on {number}").click()
    expect(status(hfs, "extension")).to_have_text(
        f"The extension on {number} is approved: the response is now due on day 60."
    )
    expect(hfs.get_by_role("region", name=re.compile(re.escape(number)))).to_have_count(0)
    expect(hfs.get_by_role("main")).to_contain_text("No extension requests are waiting.")
    expect(hfs.get_by_role("listitem").filter(has_text=f"{number}: Approved by")).to_be_visible()
    axe(hfs)

    # The ticket: the MCO's response is now due later (day 60). Nothing on the Extensions
    # page links to the ticket once it is decided ("Recently decided" is plain text) and
    # HFS's navigation lists no presented tickets, so HFS goes to its address.
    hfs.goto(ticket_url)
    expect(h1(hfs)).to_have_text(f"Ticket {number}")
    row = deadline(hfs, "MCO written response")
    expect(row).to_contain_text("days left")
    after = due_moment(row)
    assert after > before
    # R-FLOW-4: 60 calendar days in all from the presentation, rolled forward (R-CLK-3);
    # not day 30 + 30, which differs whenever day 30 was rolled.
    assert after.date() == calendar_deadline(day_0, 60)
    expect(row).to_contain_text(day(after.date()))
    axe(hfs)


# -- 3: overdue responses (HFS) and the queue's export (MCO) -----------------------------


@pytest.mark.browser
def test_overdue_responses_and_the_mco_queue_export(
    page: Page, new_context, live_server, portal_data, present_ticket, axe, sign_in
):
    from deadlines.clocks import enforce_due_clocks
    from tickets import clock_kinds

    # Presented on the latest day whose response period is over and never answered: the
    # engine marks it a sanction candidate. Day 30 rolls forward over weekends and
    # holidays (R-CLK-3), so "33 days ago" is not always overdue (e.g. on 2026-12-28).
    presented = today() - datetime.timedelta(days=31)
    while calendar_deadline(presented, 30) >= today():
        presented -= datetime.timedelta(days=1)
    ticket = present_ticket(at=datetime.datetime.combine(
        presented, datetime.time(10), tzinfo=CENTRAL
    ))
    number = ticket.number
    assert clock_due_date(ticket, clock_kinds.MCO_RESPONSE.key) < today()
    assert enforce_due_clocks() >= 1

    hfs = page
    sign_in_as(hfs, portal_data, Role.HFS, sign_in, live_server, "/home/hfs/")
    nav_link(hfs, "Overdue responses").click()
    expect(hfs).to_have_url(live_server.url + "/tickets/overdue-responses/")
    expect(h1(hfs)).to_have_text("Overdue MCO responses")
    table = hfs.get_by_role("table", name="Sanction candidates")
    row = table.get_by_role("row", name=re.compile(re.escape(number)))
    expect(cell(table, row, "MCO")).to_have_text("Molina")
    expect(cell(table, row, "Days late")).to_contain_text(re.compile(r"^\d+ calendar"))
    expect(cell(table, row, "Responded")).to_have_text("Not yet")
    axe(hfs)

    mco = new_context(accept_downloads=True).new_page()
    sign_in_as(mco, portal_data, Role.MCO, sign_in, live_server, "/tickets/mco/")
    queue = mco.get_by_role("table", name="Tickets, soonest response due first")
    mine = queue.get_by_role("row", name=re.compile(re.escape(number)))
    expect(cell(queue, mine, "Response due")).to_contain_text("Overdue")
    axe(mco)
    # Issue 14: the export is a job; its page follows it and offers the file when ready.
    mco.get_by_role("button", name="Export to Excel").click()
    expect(h1(mco)).to_have_text("Molina tickets export: Needs our action")
    name = f"molina-tickets-{today().isoformat()}.xlsx"
    expect(status(mco, f"Ready: {name}")).to_be_visible()
    axe(mco)
    with mco.expect_download() as download_info:
        mco.get_by_role("link", name=f"Download {name}").click()
    download = download_info.value
    assert download.suggested_filename == name
    with open(download.path(), "rb") as downloaded:
        workbook = load_workbook(io.BytesIO(downloaded.read()))
    values = [c.value for r in workbook["Tickets"].iter_rows() for c in r]
    assert number in values
