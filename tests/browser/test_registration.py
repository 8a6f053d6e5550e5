"""Provider registration in the browser (R-REG-1..6) and HFS's closure days (R-CLK-1).

A provider without an approved registration cannot file a ticket; they register one
provider by the form (an invalid NPI first), a registration admin approves it, and the
provider can then file. Several providers come in the multiple registration template
(downloaded, filled in, uploaded; a bad row is named). A denied request is copied into a
new one. HFS staff add a closure day. Axe finds no WCAG 2.1 A/AA violation on any page.
"""

import datetime
import re

import pytest
from playwright.sync_api import Locator, Page, expect

from portal.access import Role
from tests.browser.helpers import choose, field, fill_workbook, h1, nav, nav_link, sign_in_as
from tests.registration.helpers import npi_with_check_digit

VALID_NPI = "1234567893"
INVALID_NPI = "1234567890"  # 10 digits, wrong check digit


def control_beside_label(scope, text: str) -> Locator:
    """The control in the same form group as the visible label ``text``: what a sighted
    person fills in. Used only where the control's accessible name is not its label (both
    reported; see the two callers), so ``get_by_label`` cannot find it."""
    root = scope if isinstance(scope, Page) else scope.page
    label = root.locator("label", has_text=text)  # `has` is matched inside each form group
    return scope.locator(".usa-form-group", has=label).locator(
        "input:not([type=hidden]), textarea, select"
    )


def form_group(page: Page, control: Locator) -> Locator:
    """The USWDS form group around a control: its label, hint and error message."""
    return page.locator(".usa-form-group", has=control)


def sign_in_provider(page: Page, live_server, portal_data, sign_in):
    sign_in_as(page, portal_data, Role.PROVIDER, sign_in)
    expect(page).to_have_url(live_server.url + "/home/provider/")


def sign_in_admin(page: Page, live_server, portal_data, sign_in):
    sign_in_as(page, portal_data, Role.REGISTRATION_ADMIN, sign_in)
    expect(page).to_have_url(live_server.url + "/registration/queue/")
    expect(h1(page)).to_have_text("Registration requests")


def open_registration_form(page: Page, live_server, axe):
    nav(page).get_by_role("link", name="Register a provider", exact=True).click()
    expect(page).to_have_url(live_server.url + "/registration/new/")
    expect(h1(page)).to_have_text("Register a provider or facility")
    axe(page)


def fill_about_you(page: Page, phone="312-555-0100"):
    # Name and e-mail come from the account; the person adds a phone and the relationship.
    expect(field(page, "Your full name")).to_have_value("Pat Provider")
    expect(field(page, "Your e-mail address")).to_have_value("provider@demo.portal.invalid")
    field(page, "Your phone number").fill(phone)
    choose(page, "Designated representative")


def fill_one_provider(page: Page, *, npi: str, legal_name="Lakeside Family Clinic"):
    field(page, "Legal name of the provider or facility").fill(legal_name)
    field(page, "Medicaid (IMPACT) provider ID").fill("IL1234567")
    field(page, "NPI").fill(npi)
    field(page, "Tax ID (FEIN/TIN)").fill("36-1234567")
    field(page, "Service location street address").fill("100 North Main Street")
    field(page, "City").fill("Springfield")
    field(page, "State").fill("IL")
    field(page, "ZIP code").fill("62701")


def submit_request(page: Page):
    page.get_by_role("button", name="Submit registration request").click()


def expect_request_page(page: Page, live_server) -> str:
    """The request's own page after a submission; returns its reference."""
    expect(page).to_have_url(re.compile(re.escape(live_server.url) + r"/registration/\d+/$"))
    expect(h1(page)).to_have_text(re.compile(r"^Registration request \S+$"))
    reference = h1(page).inner_text().removeprefix("Registration request ")
    expect(page.get_by_role("status").filter(has_text="is submitted")).to_contain_text(
        f"Your registration request {reference} is submitted."
    )
    status = page.get_by_role("region", name=re.compile(r"^Status:"))
    expect(status.get_by_role("heading", level=2)).to_have_text("Status: Submitted")
    expect(status).to_contain_text(re.compile(r"Target date: .*\b20\d\d\b"))
    return reference


# -- 1 and 2: the whole path, one provider ------------------------------------------------


@pytest.mark.browser
def test_provider_registers_admin_approves_provider_may_file(
    page: Page, new_context, live_server, portal_data, axe, sign_in
):
    # The provider has no approved registration: the home page says to register first.
    sign_in_provider(page, live_server, portal_data, sign_in)
    expect(h1(page)).to_have_text("Your provider work")
    expect(page.get_by_role("status").filter(has_text="Register before you file")).to_contain_text(
        "You can file a ticket once at least one of your provider registrations is approved"
    )
    expect(page.get_by_role("main")).to_contain_text("None yet.")
    axe(page)

    # ... and the ticket page refuses, with the way forward (R-REG-1).
    page.goto("/tickets/new/")
    expect(h1(page)).to_have_text("File a ticket")
    refusal = page.get_by_role("alert")
    expect(refusal.get_by_role("heading")).to_have_text("You cannot file a ticket yet")
    expect(refusal.get_by_role("link", name="register a provider or facility")).to_be_visible()
    axe(page)

    open_registration_form(page, live_server, axe)
    fill_about_you(page)
    expect(page.get_by_role("radio", name=re.compile(r"^One: "))).to_be_checked()
    fill_one_provider(page, npi=INVALID_NPI)
    person = page.get_by_role("group", name="Person 1", exact=True)
    field(person, "Full name").fill("Sam Biller")
    field(person, "E-mail address").fill("sam@clinic.example.test")
    field(person, "Relationship").select_option(label="Provider staff")
    submit_request(page)

    # The NPI is refused next to its field; everything typed is still there.
    expect(page).to_have_url(live_server.url + "/registration/new/")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Nothing you entered has been lost.")
    npi_link = summary.get_by_role("link", name=re.compile("fails the NPI check digit"))
    expect(npi_link).to_have_attribute("href", "#id_npi")
    npi = field(page, "NPI")
    expect(npi).to_have_attribute("aria-invalid", "true")
    expect(npi).to_have_accessible_description(re.compile(r"fails the NPI check digit"))
    expect(form_group(page, npi).locator(".usa-error-message")).to_have_text(
        f"{INVALID_NPI} fails the NPI check digit; check the number on the NPPES record."
    )
    expect(npi).to_have_value(INVALID_NPI)
    expect(field(page, "Your phone number")).to_have_value("312-555-0100")
    representative = page.get_by_role("radio", name=re.compile(r"^Designated representative"))
    expect(representative).to_be_checked()
    expect(field(page, "Legal name of the provider or facility")).to_have_value(
        "Lakeside Family Clinic"
    )
    expect(field(page, "Tax ID (FEIN/TIN)")).to_have_value("36-1234567")
    expect(field(page, "ZIP code")).to_have_value("62701")
    person = page.get_by_role("group", name="Person 1", exact=True)
    expect(field(person, "Full name")).to_have_value("Sam Biller")
    expect(field(person, "Relationship")).to_have_value("staff")
    axe(page)

    npi.fill(VALID_NPI)
    submit_request(page)
    reference = expect_request_page(page, live_server)
    main = page.get_by_role("main")
    expect(main.get_by_role("row", name=re.compile("Lakeside Family Clinic"))).to_contain_text(
        VALID_NPI
    )
    expect(main).to_contain_text("People to register (2)")
    expect(main).to_contain_text("Sam Biller <sam@clinic.example.test>, Provider staff")
    axe(page)

    # The registration admin, in another browser, finds the request in the queue.
    admin = new_context().new_page()
    sign_in_admin(admin, live_server, portal_data, sign_in)
    row = admin.get_by_role("row", name=re.compile(re.escape(reference)))
    expect(row).to_contain_text("Lakeside Family Clinic")
    expect(row).to_contain_text("Submitted")
    axe(admin)
    row.get_by_role("link", name=reference).click()
    expect(h1(admin)).to_have_text(f"Review registration request {reference}")
    expect(admin.get_by_role("heading", name="Checks the portal ran")).to_be_visible()
    expect(admin.get_by_role("heading", name="Possible duplicates")).to_be_visible()
    expect(admin.get_by_role("main")).to_contain_text("No existing provider shares")
    chosen = admin.get_by_role("checkbox", name=f"Lakeside Family Clinic (NPI {VALID_NPI})")
    expect(chosen).to_be_checked()
    axe(admin)
    admin.get_by_role("button", name="Approve the chosen providers").click()
    expect(admin).to_have_url(live_server.url + "/registration/queue/")
    expect(admin.get_by_role("status").filter(has_text="is approved")).to_have_text(
        f"{reference} is approved; the requester is notified."
    )
    expect(admin.get_by_role("main")).to_contain_text("No requests match.")
    axe(admin)

    # The provider signs in again and may now file a ticket for the provider.
    again = new_context().new_page()
    sign_in_provider(again, live_server, portal_data, sign_in)
    main = again.get_by_role("main")
    expect(main.get_by_role("heading", name="Providers and facilities you act for")).to_be_visible()
    expect(main.get_by_role("row", name=re.compile(re.escape(reference)))).to_contain_text(
        "Approved"
    )
    axe(again)
    main.get_by_role("link", name="File a ticket").click()
    expect(again).to_have_url(live_server.url + "/tickets/new/")
    expect(h1(again)).to_have_text("File a ticket")
    expect(again.get_by_role("alert")).to_have_count(0)
    # The approved provider is the one the ticket can be filed for.
    expect(field(again, "Provider or facility").locator("option")).to_have_text(
        ["- Select -", "Lakeside Family Clinic (Springfield, IL)"]
    )
    axe(again)


# -- 3: several providers, the multiple registration template --------------------------------


def template_rows(npi_of_first_row: str):
    npis = [npi_of_first_row, npi_with_check_digit("222222222"), npi_with_check_digit("333333333")]
    return [
        [f"Prairie Clinic {n}", f"IMP00000{n}", npi, f"36-100000{n}", f"{n} Prairie Ave",
         "Chicago", "IL", f"6060{n}"]
        for n, npi in enumerate(npis, start=1)
    ]  # fmt: skip


def upload_template(page: Page, name: str, content: bytes):
    choose(page, "Several: ")
    # USWDS's file-input script gives the input aria-label="Drag file here or choose from
    # folder", which replaces the label's text as its accessible name (reported).
    control_beside_label(page, "Completed multiple registration template (.xlsx)").set_input_files(
        {
            "name": name,
            "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "buffer": content,
        }
    )
    submit_request(page)


@pytest.mark.browser
def test_provider_registers_several_providers_with_the_template(
    page: Page, live_server, portal_data, axe, sign_in
):
    sign_in_provider(page, live_server, portal_data, sign_in)
    open_registration_form(page, live_server, axe)

    # Choosing "Several" shows the template's section (and hides the one-provider fields).
    choose(page, "Several: ")
    expect(field(page, "Legal name of the provider or facility")).to_be_hidden()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="multiple registration template (.xlsx)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("multiple-registration-template-")
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as downloaded:
        blank = downloaded.read()

    # A row with a bad NPI: every problem is named by row and column, nothing is saved.
    fill_about_you(page)
    bad = fill_workbook(blank, "Providers", template_rows(INVALID_NPI))
    upload_template(page, "providers-bad.xlsx", bad)
    expect(page).to_have_url(live_server.url + "/registration/new/")
    problems = page.get_by_role("region", name=re.compile("^Your template has 1 problem"))
    expect(problems.get_by_role("listitem")).to_have_text(
        [f"row 2, NPI: {INVALID_NPI} fails the NPI check digit; check the number on the "
         "NPPES record."]
    )  # fmt: skip
    expect(page.get_by_role("radio", name=re.compile(r"^Several: "))).to_be_checked()
    expect(field(page, "Your phone number")).to_have_value("312-555-0100")
    axe(page)

    # The corrected file goes through: the request lists its three providers.
    good = fill_workbook(blank, "Providers", template_rows(VALID_NPI))
    upload_template(page, "providers.xlsx", good)
    expect_request_page(page, live_server)
    main = page.get_by_role("main")
    expect(main).to_contain_text("Multiple registration template (providers.xlsx)")
    table = main.get_by_role("table", name="Providers and facilities in this request")
    expect(table.get_by_role("row")).to_have_count(4)  # the headings and three providers
    for number, row in enumerate(template_rows(VALID_NPI), start=2):
        provider = table.get_by_role("row", name=re.compile(re.escape(row[0])))
        expect(provider.get_by_role("cell").first).to_have_text(str(number))  # Excel's row
        expect(provider).to_contain_text(row[2])
    axe(page)


# -- 4: a denied request, copied into a new one ---------------------------------------------


@pytest.mark.browser
def test_admin_denies_with_reasons_and_provider_copies_the_request(
    page: Page, new_context, live_server, portal_data, axe, sign_in
):
    from registration import services
    from registration.forms import ProviderForm

    _, provider_user = portal_data[Role.PROVIDER]
    provider_form = ProviderForm({
        "legal_name": "Riverside Dental", "medicaid_id": "IL7654321", "npi": VALID_NPI,
        "tax_id": "36-7654321", "street": "5 River Rd", "city": "Peoria", "state": "IL",
        "zip_code": "61602",
    })  # fmt: skip
    assert provider_form.is_valid(), provider_form.errors
    registration = services.submit_request(
        requester=provider_user,
        name="Pat Provider",
        email=provider_user.email,
        phone="312-555-0100",
        relationship="representative",
        providers=[provider_form.entry()],
        individuals=[],
    )
    reference = registration.reference

    sign_in_admin(page, live_server, portal_data, sign_in)
    page.get_by_role("link", name=reference).click()
    expect(h1(page)).to_have_text(f"Review registration request {reference}")
    deny = page.locator("form", has=page.get_by_role("button", name="Deny the request"))
    reason = "A Medicaid (IMPACT) provider ID is missing or not on file"
    choose(deny, reason, role="checkbox")
    # Both forms' notes have id="id_note": the label "Details for the requester" names the
    # Approve form's note, and the Deny form's note has no name (reported).
    details = control_beside_label(deny, "Details for the requester")
    details.fill("IL7654321 is not on the IMPACT record.")
    deny.get_by_role("button", name="Deny the request").click()
    expect(page).to_have_url(live_server.url + "/registration/queue/")
    expect(page.get_by_role("status").filter(has_text="is denied")).to_have_text(
        f"{reference} is denied; the requester is notified with every reason."
    )
    axe(page)

    provider = new_context().new_page()
    sign_in_provider(provider, live_server, portal_data, sign_in)
    row = provider.get_by_role("row", name=re.compile(re.escape(reference)))
    expect(row).to_contain_text("Denied")
    row.get_by_role("link", name=reference).click()
    status = provider.get_by_role("region", name=re.compile(r"^Status:"))
    expect(status.get_by_role("heading", level=2)).to_have_text("Status: Denied")
    expect(status.get_by_role("listitem")).to_have_text(
        [reason, "IL7654321 is not on the IMPACT record."]
    )
    axe(provider)

    provider.get_by_role("link", name="Copy into a new request").click()
    expect(provider).to_have_url(
        live_server.url + f"/registration/new/?copy={registration.pk}"
    )
    expect(provider.get_by_role("status").filter(has_text="starts as a copy")).to_contain_text(
        f"This request starts as a copy of {reference}, which was denied."
    )
    expect(field(provider, "Your phone number")).to_have_value("312-555-0100")
    expect(
        provider.get_by_role("radio", name=re.compile(r"^Designated representative"))
    ).to_be_checked()
    expect(provider.get_by_role("radio", name=re.compile(r"^One: "))).to_be_checked()
    expect(field(provider, "Legal name of the provider or facility")).to_have_value(
        "Riverside Dental"
    )
    expect(field(provider, "Medicaid (IMPACT) provider ID")).to_have_value("IL7654321")
    expect(field(provider, "NPI")).to_have_value(VALID_NPI)
    expect(field(provider, "City")).to_have_value("Peoria")
    expect(field(provider, "ZIP code")).to_have_value("61602")
    axe(provider)


# -- 5: HFS adds a closure day ---------------------------------------------------------------


def a_business_day_ahead(days=20) -> datetime.date:
    from django.utils import timezone

    from deadlines.calendar import is_business_day

    day = timezone.localdate() + datetime.timedelta(days=days)
    while not is_business_day(day):
        day += datetime.timedelta(days=1)
    return day


@pytest.mark.browser
def test_hfs_adds_a_closure_day(page: Page, live_server, portal_data, axe, sign_in):
    day = a_business_day_ahead()
    long_day = f"{day:%A, %B} {day.day}, {day.year}"
    reason = "Snow emergency declared by the Governor"

    sign_in_as(page, portal_data, Role.HFS, sign_in)
    expect(page).to_have_url(live_server.url + "/home/hfs/")
    nav_link(page, "Closure days").click()
    expect(page).to_have_url(live_server.url + "/closures/")
    expect(h1(page)).to_have_text("Office-closure days")
    expect(nav_link(page, "Closure days")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("main")).to_contain_text("No changes yet.")
    axe(page)

    field(page, "Date the offices are closed").fill(day.isoformat())
    field(page, "Reason").fill(reason)
    page.get_by_role("button", name="Add closure day").click()

    expect(page).to_have_url(live_server.url + "/closures/")
    expect(page.get_by_role("status").filter(has_text="closure day")).to_have_text(
        f"{long_day} is now a closure day. Running deadlines that include it have moved."
    )
    upcoming = page.get_by_role("listitem").filter(has_text=long_day)
    expect(upcoming).to_contain_text(f"{long_day}: {reason}")
    log = page.get_by_role("table", name="Who changed the closure days, when and why")
    change = log.get_by_role("row").filter(has_text=reason)
    expect(change).to_contain_text(f"{day:%a, %b} {day.day}, {day.year}")
    expect(change).to_contain_text("Added")
    expect(change).to_contain_text("Harper State")
    axe(page)
