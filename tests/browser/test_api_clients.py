"""API clients in the browser (issue 13): HFS staff add an MCO's system from the navigation,
make its token and copy the secret from the page that shows it once, then revoke it after a
confirmation; a registration admin finds a provider in the add form and adds a billing
agent's system for it. The list, add-client, client and token pages pass axe (WCAG 2.1 A
and AA) at 1280 and 390 px and do not scroll sideways. Full-page screenshots go to
$PORTAL_SCREENSHOTS (or the test's temporary folder) to be looked at.
"""

import datetime
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from portal.access import Role
from tests.browser.helpers import (
    MOLINA,
    PROVIDER_NAME,
    choose,
    field,
    h1,
    nav_link,
    sign_in_as,
    today,
)
from tests.browser.test_filing_steps import at_both_widths

TOKEN = re.compile(r"^prp_[0-9a-f]{16}_[A-Za-z0-9_-]{20,}$")


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("PORTAL_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.browser
def test_hfs_adds_an_mco_system_makes_a_token_and_revokes_it(
    page: Page, live_server, portal_data, approved_provider, axe, sign_in, shots
):
    from api.models import ApiClient, WebhookDelivery, WebhookEndpoint
    from tests.tickets.conftest import make_submitted

    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_as(page, portal_data, Role.HFS, sign_in, live_server, "/home/hfs/")
    nav_link(page, "API clients").click()
    expect(h1(page)).to_have_text("API clients")
    expect(page.get_by_text("No API clients yet.")).to_be_visible()
    at_both_widths(page, axe, shots, "api-clients-empty")

    page.get_by_role("link", name="Add a client").click()
    expect(h1(page)).to_have_text("Add an API client")
    at_both_widths(page, axe, shots, "api-client-add")

    # A bad address range is named at its field, and what was typed stays.
    field(page, "Client name").fill("Molina case system")
    field(page, "MCO").select_option(label=MOLINA)
    field(page, "Technical contact's e-mail").fill("it@molina.example.test")
    field(page, "Allowed address ranges").fill("203.0.113.0/24, 10.0.0.0/33")
    page.get_by_role("button", name="Add the client").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name=re.compile(
        r"^Allowed address ranges: 10\.0\.0\.0\/33 is not an address range"))).to_be_visible()
    expect(field(page, "Allowed address ranges")).to_have_value("203.0.113.0/24, 10.0.0.0/33")
    expect(field(page, "Allowed address ranges")).to_have_attribute("aria-invalid", "true")
    expect(field(page, "Client name")).to_have_value("Molina case system")
    at_both_widths(page, axe, shots, "api-client-add-error")

    field(page, "Allowed address ranges").fill("203.0.113.0/24")
    page.get_by_role("button", name="Add the client").click()
    expect(h1(page)).to_contain_text("Molina case system")
    expect(page.get_by_role("status").filter(has_text="is added")).to_be_visible()

    # A webhook endpoint the client's system registered, with one failed delivery.
    client = ApiClient.objects.get(name="Molina case system")
    _, provider_user = portal_data[Role.PROVIDER]
    ticket = make_submitted(provider_user, approved_provider,
                            filed_on=today() - datetime.timedelta(days=35))
    endpoint = WebhookEndpoint.objects.create(
        client=client, url="https://hooks.molina.example.test/portal/events",
        secret=WebhookEndpoint.new_secret(), created_by=client.created_by)
    WebhookDelivery.objects.create(endpoint=endpoint, event=ticket.events.first(),
                                   status="failed", attempts=8, last_status_code=503)

    field(page, "Token name").fill("production sync")
    choose(page, "Read only")
    expect(field(page, "Expiry date")).to_have_value(re.compile(r"^\d{4}-\d{2}-\d{2}$"))
    page.get_by_role("button", name="Make the token").click()
    expect(h1(page)).to_have_text("Copy the new token")
    expect(page.get_by_role("region", name="It will not be shown again")).to_be_visible()
    secret = page.get_by_label("The token “production sync”")
    expect(secret).to_have_value(TOKEN)
    expect(secret).to_have_attribute("readonly", "")
    at_both_widths(page, axe, shots, "api-token-shown")

    page.get_by_role("link", name="I have copied it: back to Molina case system").click()
    tokens = page.get_by_role("table", name="Tokens of Molina case system, newest first")
    expect(tokens.get_by_role("row")).to_have_count(2)
    expect(tokens.get_by_role("row").nth(1)).to_contain_text("production sync")
    expect(tokens.get_by_role("row").nth(1)).to_contain_text("Active")
    deliveries = page.get_by_role("table", name="Latest deliveries to this endpoint")
    expect(deliveries).to_contain_text("Failed: no more retries")
    expect(page.get_by_label("The token “production sync”")).to_have_count(0)
    at_both_widths(page, axe, shots, "api-client")

    page.get_by_role("link", name="Revoke the token “production sync”").click()
    expect(h1(page)).to_have_text("Revoke the token “production sync”?")
    at_both_widths(page, axe, shots, "api-token-revoke")
    page.get_by_role("button", name="Revoke the token").click()
    expect(page.get_by_role("status").filter(has_text="is revoked")).to_be_visible()
    expect(tokens.get_by_role("row").nth(1)).to_contain_text("Revoked")

    nav_link(page, "API clients").click()
    row = page.get_by_role("row").filter(has_text="Molina case system")
    expect(row).to_contain_text(MOLINA)
    expect(row.get_by_role("cell").nth(2)).to_have_text("0")  # tokens active
    at_both_widths(page, axe, shots, "api-clients")


@pytest.mark.browser
def test_a_registration_admin_finds_a_provider_for_a_billing_agent(
    page: Page, live_server, portal_data, approved_provider, axe, sign_in, shots
):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_as(page, portal_data, Role.REGISTRATION_ADMIN, sign_in, live_server,
               "/registration/queue/")
    nav_link(page, "API clients").click()
    page.get_by_role("link", name="Add a client").click()
    field(page, "Client name").fill("Acme Billing")
    field(page, "Find providers or facilities").fill(approved_provider.npi)
    page.get_by_role("button", name="Find", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="1 provider or facility match")
           ).to_be_visible()
    expect(field(page, "Client name")).to_have_value("Acme Billing")
    at_both_widths(page, axe, shots, "api-client-add-providers")

    choose(page, PROVIDER_NAME, role="checkbox")
    field(page, "Technical contact's e-mail").fill("it@acme.example.test")
    page.get_by_role("button", name="Add the client").click()
    expect(h1(page)).to_contain_text("Acme Billing")
    expect(page.get_by_text(f"{PROVIDER_NAME} (Springfield, IL)")).to_be_visible()
    at_both_widths(page, axe, shots, "api-client-provider")
