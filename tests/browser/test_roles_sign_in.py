"""Each role's demo account signs in from the landing page, as a person would, reaches its
home page and its staff pages, and signs out; axe finds no WCAG 2.1 A/AA violation on any
page on the way."""

import re

import pytest
from playwright.sync_api import Page, expect

from portal.access import Role
from tests.browser.helpers import nav_link

# Each role's home page and its heading (the MCO demo account works for Molina).
HOMES = {
    Role.PROVIDER: ("/home/provider/", "Your provider work"),
    Role.MCO: ("/tickets/mco/", "Molina Healthcare of Illinois: tickets to answer"),
    Role.HFS: ("/home/hfs/", "HFS work"),
    Role.REGISTRATION_ADMIN: ("/registration/queue/", "Registration requests"),
}


def h1(page: Page):
    return page.get_by_role("heading", level=1)


def nav(page: Page):
    return page.get_by_role("navigation", name="Primary navigation")


def open_from_nav(page: Page, live_server, label: str, path: str, heading, axe):
    nav_link(page, label).click()
    expect(page).to_have_url(live_server.url + path)
    expect(h1(page)).to_have_text(heading)
    expect(nav_link(page, label)).to_have_attribute(
        "aria-current", "page"
    )
    axe(page)


@pytest.mark.browser
@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_role_signs_in_reaches_home_and_signs_out(
    page: Page, live_server, portal_data, axe, sign_in, role
):
    account, _ = portal_data[role]

    page.goto("/")
    expect(h1(page)).to_have_text(
        "Resolve a dispute with a Medicaid managed-care organization"
    )
    axe(page)

    page.get_by_role("main").get_by_role("link", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    sign_in(page, account.email, account.password, account.totp_secret, axe_each=True)

    home_path, home_heading = HOMES[role]
    expect(page).to_have_url(live_server.url + home_path)
    expect(h1(page)).to_be_visible()
    expect(h1(page)).to_have_text(home_heading)
    axe(page)

    open_from_nav(page, live_server, "Account", "/account/", "Your account", axe)
    expect(page.get_by_role("main")).to_contain_text(account.email)
    expect(page.get_by_role("main")).to_contain_text(role.label)

    if role is Role.REGISTRATION_ADMIN:
        open_from_nav(page, live_server, "People", "/people/", "People", axe)
        # The demo MCO and HFS staff are listed; the admin is not listed to themself.
        table = page.get_by_role("table")
        expect(table).to_contain_text("mco@demo.portal.invalid")
        expect(table).to_contain_text("hfs@demo.portal.invalid")
        expect(table).not_to_contain_text(account.email)
        page.get_by_role("link", name="Invite staff").click()
        expect(page).to_have_url(live_server.url + "/people/invite/")
        expect(h1(page)).to_have_text("Invite staff")
        axe(page)

    if role is Role.HFS:
        open_from_nav(
            page, live_server, "MCOs", "/mcos/", "MCOs and tracking-number formats", axe
        )
        page.get_by_role("link", name="Edit Aetna Better Health of Illinois").click()
        expect(page).to_have_url(live_server.url + "/mcos/aetna/edit/")
        expect(h1(page)).to_have_text("Edit Aetna Better Health of Illinois")
        axe(page)

    nav(page).get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(live_server.url + "/")
    expect(nav(page).get_by_role("link", name="Sign in", exact=True)).to_be_visible()
    expect(nav(page).get_by_role("button", name="Sign out")).to_have_count(0)
    axe(page)

    # Signed out for real: a staff page sends the person back to sign in.
    page.goto(home_path)
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=" + re.escape(home_path)))
