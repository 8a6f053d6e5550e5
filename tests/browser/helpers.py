"""Helpers the browser tests share: finding things on a page as a person does, the dates the
pages show, signing in as a demo account, and filling in a downloaded Excel template.

The approved provider these constants describe is set up by the ``approved_provider``
fixture in ``tests/browser/conftest.py``.
"""

import datetime
import io
import re

from openpyxl import load_workbook
from playwright.sync_api import Locator, Page, expect

from portal.access import Role

MOLINA = "Molina Healthcare of Illinois"
CLAIMS_PAYMENT = "Claims/Payment"
PROVIDER_NAME = "Lakeside Clinic 0"  # tests.tickets.conftest.make_provider(0)
PROVIDER_NPI = "1234567893"


# -- finding things on a page -----------------------------------------------------------


def h1(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def nav(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Primary navigation")


def nav_link(page: Page, label: str) -> Locator:
    """A link of the primary navigation, opening its drop-down group first when it is in
    one (HFS's Queues and Reference data), as a person would."""
    link = nav(page).get_by_role("link", name=label, exact=True)
    if not link.count():
        hidden = page.get_by_role("link", name=label, exact=True, include_hidden=True)
        group = nav(page).locator("li.usa-nav__primary-item", has=hidden)
        if group.count():
            group.get_by_role("button").first.click()
    return link


def field(scope, label: str) -> Locator:
    """The form control labelled ``label``, with or without the "(required)" marker."""
    return scope.get_by_label(re.compile("^" + re.escape(label) + r"( \(required\))?$"))


def choose(scope, option: str, role="radio"):
    """Choose the radio button (or tick the checkbox) whose label starts with ``option``, by
    clicking its label as a person does: USWDS draws its own box and moves the input itself
    off screen."""
    control = scope.get_by_role(role, name=re.compile("^" + re.escape(option)))
    scope.locator(f'label[for="{control.get_attribute("id")}"]').click()
    expect(control).to_be_checked()


def open_section(page: Page, summary: str) -> None:
    """Open a secondary action (a disclosure) by its summary, as a person clicks it."""
    page.locator("summary", has_text=summary).click()


def status(page: Page, text: str) -> Locator:
    """The status message (``role=status``) that contains ``text``."""
    return page.get_by_role("status").filter(has_text=text)


def state_box(page: Page) -> Locator:
    """The summary box that gives a ticket's state."""
    return page.locator(".usa-summary-box[role=region]")


def state_heading(page: Page) -> Locator:
    """The heading of the (first) state summary box: the ticket's state."""
    return state_box(page).first.get_by_role("heading", level=2)


def deadline(page: Page, name: str | re.Pattern[str]) -> Locator:
    """The row of the ticket's deadlines table headed ``name``."""
    table = page.get_by_role("table", name="Deadlines on this ticket")
    return table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=name))


def ended_deadline(page: Page, name: str) -> Locator:
    """The entry of a deadline that ended (met, expired or stopped), in the timeline."""
    return page.get_by_role("list", name="Deadlines that ended").get_by_role(
        "listitem").filter(has_text=name)


# -- dates --------------------------------------------------------------------------------


def today() -> datetime.date:
    from django.utils import timezone

    return timezone.localdate()


def short_day(d: datetime.date) -> str:
    """A date as the pages show it: "Jun 8, 2026" (deadlines.days.short_date)."""
    from deadlines.days import short_date

    return short_date(d)


# -- signing in ---------------------------------------------------------------------------


def sign_in_as(
    page: Page,
    portal_data,
    role: Role,
    sign_in,
    live_server=None,
    home: str | None = None,
    *,
    axe_each=False,
):
    """Sign in from the sign-in page as the demo account of ``role``; with ``home``, the
    browser must land on that page of ``live_server``. ``axe_each`` checks the sign-in
    pages with axe on the way."""
    account, _ = portal_data[role]
    page.goto("/accounts/login/")
    sign_in(page, account.email, account.password, account.totp_secret, axe_each=axe_each)
    if home is not None:
        expect(page).to_have_url(live_server.url + home)


# -- Excel templates ----------------------------------------------------------------------


def fill_workbook(blank: bytes, sheet_name: str, rows) -> bytes:
    """The downloaded template ``blank`` with ``rows`` written into ``sheet_name`` under its
    heading row."""
    workbook = load_workbook(io.BytesIO(blank))
    sheet = workbook[sheet_name]
    for number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            sheet.cell(row=number, column=column, value=value)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
