"""An invited staff member sets a password from the invitation link, must set up two-step
verification before any staff page opens (R-SEC-3), sees the recovery codes, and then
reaches their home page; axe finds no WCAG 2.1 A/AA violation on the way."""

import re
from urllib.parse import quote

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from portal.access import Role
from portal.people import invitation_link, invite_staff

ACTIVATE_PATH = "/accounts/2fa/totp/activate/"
PASSWORD = "a-long-invited-staff-password-2026"


def h1(page: Page):
    return page.get_by_role("heading", level=1)


def confirm_password_if_asked(page: Page, axe):
    """allauth asks for the password again before TOTP activation unless the person
    authenticated moments ago; handle whichever page appears, by its heading."""
    expect(h1(page)).to_have_text(
        re.compile(r"^\s*(Confirm access|Activate authenticator app)\s*$")
    )
    if h1(page).inner_text().strip() == "Confirm access":
        next_param = re.escape(quote(ACTIVATE_PATH, safe=""))
        expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/\?next=" + next_param + "$"))
        axe(page)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm", exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(ACTIVATE_PATH) + "$"))
    expect(h1(page)).to_have_text("Activate authenticator app")


@pytest.mark.browser
def test_invited_staff_enrols_totp_before_reaching_home(
    page: Page, live_server, portal_data, axe, submit_totp
):
    _, admin = portal_data[Role.REGISTRATION_ADMIN]
    invitation = invite_staff(
        inviter=admin,
        email="nia.new@hfs.portal.invalid",
        first_name="Nia",
        last_name="Newcomer",
        role="hfs",
    )
    link = invitation_link(invitation.user)
    assert link.startswith(settings.SITE_URL + "/invitation/")
    page.goto(live_server.url + link.removeprefix(settings.SITE_URL))

    expect(h1(page)).to_have_text("Set your password")
    expect(page.get_by_role("main")).to_contain_text("nia.new@hfs.portal.invalid")
    axe(page)
    page.get_by_label(re.compile(r"^New password( \(required\))?$")).fill(PASSWORD)
    page.get_by_label(re.compile(r"^New password confirmation( \(required\))?$")).fill(PASSWORD)
    page.get_by_role("button", name="Set password", exact=True).click()

    # Signed in, but no staff page opens before two-step verification is set up.
    confirm_password_if_asked(page, axe)
    page.goto("/home/hfs/")
    expect(page).not_to_have_url(re.compile(r"/home/hfs/$"))
    expect(
        page.get_by_role("status").filter(has_text="Staff accounts must use two-step verification")
    ).to_be_visible()
    confirm_password_if_asked(page, axe)
    axe(page)

    secret = page.locator("#authenticator_secret")
    expect(secret).to_be_disabled()
    expect(page.get_by_label("Authenticator secret")).to_have_value(
        re.compile(r"^[A-Z2-7]{16,}$")
    )
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    submit_totp(page, secret.input_value(), "Authenticator code", "Activate")

    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    expect(h1(page)).to_have_text("Recovery codes")
    codes = page.get_by_label("Unused codes")
    expect(codes).to_be_visible()
    assert len(codes.input_value().split()) == settings.MFA_RECOVERY_CODE_COUNT
    axe(page)

    page.goto("/home/hfs/")
    expect(page).to_have_url(live_server.url + "/home/hfs/")
    expect(h1(page)).to_have_text("HFS work")
    axe(page)
