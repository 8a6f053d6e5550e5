"""Pages a person meets outside their work: registration, password reset, and the 404
page; axe finds no WCAG 2.1 A/AA violation on any of them."""

import re

import pytest
from playwright.sync_api import Page, expect

from portal.access import Role


def h1(page: Page):
    return page.get_by_role("heading", level=1)


@pytest.mark.browser
def test_sign_up_and_password_reset_pages_anonymously(page: Page, live_server, axe):
    page.goto("/")
    page.get_by_role("main").get_by_role("link", name="Register as a provider").click()
    expect(page).to_have_url(live_server.url + "/accounts/signup/")
    expect(h1(page)).to_have_text("Sign up")
    for label in ("Email", "Password", "Password (again)"):
        field = page.get_by_label(re.compile("^" + re.escape(label) + r"( \(required\))?$"))
        expect(field).to_be_editable()
    axe(page)

    page.get_by_role("navigation", name="Primary navigation").get_by_role(
        "link", name="Sign in", exact=True
    ).click()
    expect(page).to_have_url(live_server.url + "/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page).to_have_url(live_server.url + "/accounts/password/reset/")
    expect(h1(page)).to_have_text("Password reset")
    expect(page.get_by_label("Email")).to_be_editable()
    expect(page.get_by_role("button", name="Reset My Password")).to_be_visible()
    axe(page)


@pytest.mark.browser
def test_not_found_page_signed_in(page: Page, live_server, portal_data, axe, sign_in):
    account, _ = portal_data[Role.PROVIDER]
    page.goto("/accounts/login/")
    sign_in(page, account.email, account.password)
    expect(page).to_have_url(live_server.url + "/home/provider/")

    response = page.goto("/no-such-page/")
    assert response is not None
    assert response.status == 404
    expect(h1(page)).to_have_text("Page not found")
    # Signed in: the way back leads home, and the navigation is the person's own.
    expect(page.get_by_role("link", name="Go to your home page")).to_have_attribute(
        "href", "/home/"
    )
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    axe(page)
