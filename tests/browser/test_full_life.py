"""One ticket's whole life in the browser (R-FILE-1, R-FLOW-1..8), each person in their own
browser: the provider files it, HFS presents it, Molina asks for information and the
provider answers, Molina sends its written response with a plan, the provider contests it
and asks HFS to review, both parties complete their review submissions (the record
closes), HFS issues the written decision (page and PDF), and the provider finds the ticket
closed, with only "Start a new ticket from this one" left to do.

Only the approved provider is prepared in the database; everything else is done through
the pages. Dates are real: the dispute went to Molina 35 days ago (the filing window is
open), the provider contacted the representative today, the plan ends in 14 days. Axe finds
no WCAG 2.1 A/AA violation on any page visited.
"""

import datetime
import re

import pytest
from playwright.sync_api import Locator, Page, expect

from portal.access import Role
from tests.browser.helpers import (
    CLAIMS_PAYMENT,
    MOLINA,
    PROVIDER_NAME,
    choose,
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


def form_with(page: Page, button: str) -> Locator:
    return page.locator("form", has=page.get_by_role("button", name=button, exact=True))


# -- the test ---------------------------------------------------------------------------


@pytest.mark.browser
def test_a_ticket_from_filing_to_the_final_decision(
    page: Page, new_context, live_server, approved_provider, portal_data, axe, sign_in
):
    from deadlines.calendar import calendar_deadline

    # 1. The provider files the ticket: the start form, the draft, "File the ticket".
    provider = page
    sign_in_as(
        provider,
        portal_data,
        Role.PROVIDER,
        sign_in,
        live_server,
        "/home/provider/",
        axe_each=True,
    )
    expect(h1(provider)).to_have_text("Your provider work")
    axe(provider)
    provider.get_by_role("main").get_by_role("link", name="File a ticket").click()
    expect(provider).to_have_url(live_server.url + "/tickets/new/")
    expect(h1(provider)).to_have_text("File a ticket")
    axe(provider)
    field(provider, "Provider or facility").select_option(
        label=f"{PROVIDER_NAME} (Springfield, IL)"
    )
    field(provider, "MCO").select_option(label=MOLINA)
    field(provider, "Complaint type").select_option(label=CLAIMS_PAYMENT)
    field(provider, "Date you filed the dispute with the MCO's internal process").fill(
        (today() - datetime.timedelta(days=35)).isoformat()
    )
    field(provider, "MCO tracking number").fill("MOL-12345")
    choose(provider, "I used the MCO's internal dispute process", role="checkbox")
    expect(provider.locator("#filing-window")).to_contain_text("The window is open today.")
    axe(provider)
    provider.get_by_role("button", name="Continue").click()
    expect(provider).to_have_url(re.compile(re.escape(live_server.url) + r"/tickets/\d+/edit/$"))
    expect(h1(provider)).to_have_text(f"Draft ticket: {CLAIMS_PAYMENT} with {MOLINA}")
    axe(provider)
    field(provider, "Describe the complaint").fill(
        "Molina denied the claim although the prior authorization was on file."
    )
    field(provider, "Claim number").fill("CLM-20261001")
    field(provider, "Member RIN").fill("123456789")
    field(provider, "Member name").fill("Pat Member")
    field(provider, "Date of service from").fill(
        (today() - datetime.timedelta(days=60)).isoformat()
    )
    field(provider, "Date of service to").fill((today() - datetime.timedelta(days=59)).isoformat())
    field(provider, "Billed amount ($)").fill("250.00")
    field(provider, "Paid amount ($)").fill("0.00")
    field(provider, "Disputed amount ($)").fill("250.00")
    field(provider, "Denial reason").fill("CO-197: prior authorization absent")
    provider.get_by_role("button", name="Continue").click()
    expect(h1(provider)).to_have_text("Check your answers before you file")
    provider.get_by_role("button", name="File the ticket").click()
    expect(provider).to_have_url(
        re.compile(re.escape(live_server.url) + r"/tickets/\d+/submitted/$")
    )
    # The number's sequence is not reset between tests on PostgreSQL: read it off the page.
    expect(h1(provider)).to_have_text(
        re.compile(rf"^Ticket PRP-{today().year}-\d{{6}} is filed$"))
    number = re.search(r"PRP-\d{4}-\d{6}", h1(provider).inner_text()).group(0)
    axe(provider)
    provider.get_by_role("link", name=f"See ticket {number}").click()
    expect(h1(provider)).to_have_text(f"Ticket {number}")
    expect(state_heading(provider)).to_have_text("Submitted: waiting for HFS review")
    ticket_url = provider.url
    axe(provider)

    # 2. HFS presents it from the triage page.
    hfs = new_context().new_page()
    sign_in_as(hfs, portal_data, Role.HFS, sign_in, live_server, "/home/hfs/", axe_each=True)
    axe(hfs)
    nav_link(hfs, "Triage").click()
    expect(h1(hfs)).to_have_text("Triage queue")
    axe(hfs)
    hfs.get_by_role("row", name=re.compile(re.escape(number))).get_by_role(
        "link", name=number
    ).click()
    expect(h1(hfs)).to_have_text(f"Ticket {number}")
    axe(hfs)
    hfs.get_by_role("button", name="Present to the MCO").click()
    expect(status(hfs, "presented")).to_have_text(
        "The ticket is presented to the MCO; its clocks have started."
    )
    expect(state_heading(hfs)).to_have_text("With the MCO")
    axe(hfs)

    # 3. Molina asks for information, from its queue.
    mco = new_context().new_page()
    sign_in_as(mco, portal_data, Role.MCO, sign_in, live_server, "/tickets/mco/", axe_each=True)
    expect(h1(mco)).to_have_text(f"{MOLINA}: tickets to answer")
    axe(mco)
    mco.get_by_role("link", name=number).click()
    expect(h1(mco)).to_have_text(f"Ticket {number}")
    expect(mco).to_have_url(ticket_url)
    axe(mco)
    question = "Please send the prior authorization letter."
    open_section(mco, "Request information from the provider")
    field(mco, "What information do you need?").fill(question)
    mco.get_by_role("button", name="Send the request").click()
    expect(status(mco, "information request")).to_contain_text("5 business days to answer")
    expect(state_heading(mco)).to_have_text("Waiting for the provider's information")
    axe(mco)

    # 4. The provider answers.
    provider.reload()
    expect(state_heading(provider)).to_have_text("Waiting for the provider's information")
    expect(provider.get_by_role("region", name=re.compile(r"^Requested "))).to_contain_text(
        question
    )
    axe(provider)
    answer = "PA #A-5521, approved before the date of service; the letter is in your portal."
    field(provider, "Your answer").fill(answer)
    provider.get_by_role("button", name="Send the answer").click()
    expect(status(provider, "answer")).to_have_text("Your answer is sent to the MCO.")
    expect(state_heading(provider)).to_have_text("With the MCO")
    axe(provider)

    # 5. Molina sends its written response: a plan, a resolution date, the representative.
    mco.reload()
    expect(state_heading(mco)).to_have_text("With the MCO")
    expect(mco.get_by_role("region", name=re.compile(r"^Requested "))).to_contain_text(answer)
    axe(mco)
    resolve_by = today() + datetime.timedelta(days=14)
    response = form_with(mco, "Send the response")
    field(response, "Response to the complaint").fill(
        "The denial stands for the second date of service: no authorization covered it."
    )
    choose(response, "A plan applies", role="checkbox")
    field(response, "The plan").fill("Reprocess the first date of service and pay it.")
    field(response, "Date by which it will be resolved").fill(resolve_by.isoformat())
    field(response, "Provider service representative's name").fill("Robin Rep")
    field(response, "Representative's phone").fill("(312) 555-0142")
    field(response, "Representative's e-mail").fill("robin.rep@molina.example")
    response.get_by_role("button", name="Send the response").click()
    expect(status(mco, "response")).to_have_text("Your response is sent to the provider.")
    expect(state_heading(mco)).to_have_text("MCO responded")
    axe(mco)

    # 6. The provider contests it, having phoned the representative today.
    provider.reload()
    expect(state_heading(provider)).to_have_text("MCO responded")
    facts = provider.locator("dl", has=provider.get_by_text("Provider service representative"))
    expect(facts).to_contain_text(short_day(resolve_by))
    expect(facts).to_contain_text("Robin Rep, (312) 555-0142, robin.rep@molina.example")
    axe(provider)
    contest = form_with(provider, "Contest the response")
    field(contest, "Date you contacted the MCO's representative").fill(today().isoformat())
    field(contest, "How you contacted the representative").select_option(label="Phone")
    field(contest, "Outcome of the contact").fill(
        "Robin Rep confirmed that Molina will not pay the second date of service."
    )
    contest.get_by_role("button", name="Contest the response").click()
    expect(status(provider, "contested")).to_contain_text("The response is contested.")
    expect(state_heading(provider)).to_have_text("Contested by the provider")
    axe(provider)

    # 7. ... and asks HFS to review.
    provider.get_by_role("button", name="Ask HFS to review").click()
    expect(status(provider, "HFS review is requested")).to_contain_text(
        "within 30 calendar days"
    )
    expect(state_heading(provider)).to_have_text("In HFS review")
    axe(provider)

    # 8. Both parties complete their submissions; the second one closes the record.
    for person, party, statement, contacts in (
        (provider, "The provider",
         "The authorization PA #A-5521 covered both dates of service; letter attached.",
         "Dana Biller, billing manager, (217) 555-0100, dana@lakeside.example"),
        (mco, "The MCO",
         "The authorization covered one date of service; the second was never requested.",
         "Robin Rep, provider services, (312) 555-0142, robin.rep@molina.example"),
    ):  # fmt: skip
        if person is mco:
            person.reload()
            expect(state_heading(person)).to_have_text("In HFS review")
            axe(person)
        expect(person.get_by_role("heading", name="Your submission for HFS review")).to_be_visible()
        review = form_with(person, "Save the submission")
        field(review, "All relevant information").fill(statement)
        field(review, "Knowledgeable personnel").fill(contacts)
        choose(review, "My submission is complete", role="checkbox")
        review.get_by_role("button", name="Save the submission").click()
        expect(status(person, "review submission")).to_have_text(
            "Your review submission is complete."
        )
        expect(person.get_by_role("button", name="Save the submission")).to_have_count(0)
        parties = person.locator("h2:text-is('HFS review record') + p + ul")
        mine = parties.get_by_role("listitem").filter(has_text=party)
        expect(mine).to_contain_text(
            f"{party}: complete on {today():%b} {today().day}, {today().year}"
        )
        # Each party can re-read its own completed submission, and only its own.
        expect(mine.locator("summary")).to_have_text("Read your submission")
        expect(parties.locator("summary")).to_have_count(1)
        axe(person)
    record = mco.locator("h2:text-is('HFS review record') + p")
    expect(record).to_contain_text(f"The record closed on {short_day(today())}")

    # 9. HFS: "Reviews", the ticket, the written decision.
    nav_link(hfs, "Reviews").click()
    expect(hfs).to_have_url(live_server.url + "/tickets/reviews/")
    expect(h1(hfs)).to_have_text("HFS reviews")
    row = hfs.get_by_role("table", name="Tickets in HFS review").get_by_role(
        "row", name=re.compile(re.escape(number))
    )
    expect(row).to_contain_text("Record closed")
    # Due 30 calendar days after the record closed (today), rolled to a business day.
    decision_due = calendar_deadline(today(), 30)
    expect(row).to_contain_text(f"{decision_due:%a}, {decision_due:%b} {decision_due.day}, "
                                f"{decision_due.year}")
    axe(hfs)
    row.get_by_role("link", name=number).click()
    expect(h1(hfs)).to_have_text(f"Ticket {number}")
    expect(state_heading(hfs)).to_have_text("In HFS review")
    expect(hfs.get_by_role("heading", level=3, name="Written decision")).to_be_visible()
    axe(hfs)
    decision = form_with(hfs, "Issue the decision")
    choose(decision, "Partly for each")
    field(decision, "Reasoning").fill(
        "PA #A-5521 covered the first date of service only; Molina pays that one."
    )
    choose(decision, "Applicable contract terms", role="checkbox")
    field(decision, "Citations").fill("Molina contract §5.24 (prior authorization).")
    choose(decision, "I understand that the decision is final", role="checkbox")
    decision.get_by_role("button", name="Issue the decision").click()
    expect(hfs).to_have_url(re.compile(re.escape(ticket_url) + r"decision/$"))
    expect(status(hfs, "decision")).to_have_text(
        "The decision is issued; both parties are notified."
    )
    expect(h1(hfs)).to_have_text(f"Written decision on ticket {number}")
    expect(hfs.get_by_role("heading", level=2, name="Outcome: Partly for each")).to_be_visible()
    main = hfs.get_by_role("main")
    expect(main).to_contain_text("Molina contract §5.24 (prior authorization).")
    expect(main).to_contain_text("This decision is final.")
    expect(main).to_contain_text("confers no right to an administrative hearing")
    axe(hfs)
    with hfs.expect_download() as download_info:
        hfs.get_by_role("link", name="Download as PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"decision-{number}.pdf"
    with open(download.path(), "rb") as downloaded:
        assert downloaded.read(5) == b"%PDF-"

    # 10. The provider: the ticket is closed; a new ticket may start from it, nothing else.
    provider.reload()
    expect(state_heading(provider)).to_have_text("Closed")
    expect(provider.get_by_role("button", name="Start a new ticket from this one")).to_be_visible()
    expect(provider.get_by_role("link", name="Read the decision")).to_be_visible()
    expect(field(provider, "Message")).to_have_count(0)
    expect(provider.get_by_role("button", name="Post the message")).to_have_count(0)
    expect(provider.get_by_role("button", name="Save the submission")).to_have_count(0)
    axe(provider)
