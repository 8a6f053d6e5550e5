"""Browser tests: Debian's Chromium, driven by Playwright, against pytest-django's live server.

pytest-playwright provides the ``playwright``, ``browser``, ``context`` and ``page`` fixtures
(a fresh browser context per test); this module only points its launcher at
``/usr/bin/chromium`` (no bundled browser is ever downloaded or used) and gives every
context the live server as its base URL, so tests can write ``page.goto("/account/")``.
"""

import hashlib
import os
import re
import time

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls made from
# the tests (and the live server's shared in-memory SQLite connection) are otherwise refused.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import pytest  # noqa: E402
from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import Page, expect  # noqa: E402

from tests.browser.helpers import PROVIDER_NPI  # noqa: E402
from tests.migrated_data import restore as restore_migrated_data

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Playwright's waits (and expect()) give up after this long: a failing test fails fast.
TIMEOUT_MS = 10_000

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium, never a Playwright-bundled browser."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def base_url(live_server):
    """pytest-playwright gives every browser context this base URL."""
    return live_server.url


@pytest.fixture
def page(page: Page) -> Page:
    page.set_default_timeout(TIMEOUT_MS)
    page.set_default_navigation_timeout(TIMEOUT_MS)
    return page


@pytest.fixture
def portal_data(transactional_db, live_server):
    """Reference data and the demo accounts (one per role), in the live server's database.

    Returns ``{Role: (DemoAccount, User)}``.
    """
    from django.core.cache import cache

    from portal.demo import DEMO_ACCOUNTS, create_demo_accounts
    from portal.reference_data import load_reference_data

    # The live server runs in this process: an empty cache means fresh rate limits and no
    # TOTP codes remembered as used by an earlier test.
    cache.clear()
    restore_migrated_data()
    load_reference_data()
    users = create_demo_accounts()
    pairs = zip(DEMO_ACCOUNTS, users, strict=True)
    return {account.role: (account, user) for account, user in pairs}


@pytest.fixture
def approved_provider(portal_data, settings, tmp_path):
    """The demo provider user acts for one approved provider (``helpers.PROVIDER_NAME``);
    uploads go to a temporary directory, not the developer's var/uploads."""
    from portal.access import Role
    from tests.tickets.conftest import approve, make_provider

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "uploads")},
        },
    }
    _, user = portal_data[Role.PROVIDER]
    provider = make_provider(0, npi=PROVIDER_NPI)
    approve(user, provider)
    return provider


_AXE = Axe()
_CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
# Fingerprints of the documents axe has already passed in this session. The same page seen
# again (the landing page before and after each role's visit, the sign-in page) is checked
# once: axe's verdict depends only on the document, and the styles are the same files.
_PASSED = set()


def check_axe(page: Page):
    """Axe-core's WCAG 2.0/2.1 A and AA rules find no violation on the current page."""
    fingerprint = hashlib.sha256(
        _CSRF_TOKEN.sub("", page.content()).encode()
    ).hexdigest()
    if fingerprint in _PASSED:
        return
    results = _AXE.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    violations = results.response["violations"]
    report = ""
    if violations:
        lines = [f"axe: {len(violations)} violation(s) on {page.url}"]
        for v in violations:
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
            for node in v["nodes"]:
                lines.append(f"    target: {node['target']}")
        report = "\n".join(lines)
        print(report)
    assert not violations, report
    _PASSED.add(fingerprint)


@pytest.fixture
def axe():
    """The ``check_axe`` helper, for tests that prefer a fixture to an import."""
    return check_axe


def _submit_totp(page: Page, secret: str, field_label: str, button_name: str):
    """Type the authenticator app's current code and submit it.

    A code is valid only in its 30-second window (MFA_TOTP_TOLERANCE is 0). When the window
    ends between reading the code and the server checking it, and the page refused it, the
    person types the next code, as they would with the app in hand; that happens once.
    """
    from portal.demo import current_totp_code

    form_url = page.url
    for _ in range(2):
        window = int(time.time() // 30)
        page.get_by_label(field_label).fill(current_totp_code(secret))
        with page.expect_navigation():
            page.get_by_role("button", name=button_name, exact=True).click()
        if int(time.time() // 30) == window or page.url != form_url:
            return


@pytest.fixture
def submit_totp():
    return _submit_totp


def _sign_in(page: Page, email: str, password: str, totp_secret: str = "", axe_each=False):
    """From the sign-in page: e-mail and password, then the two-step code for staff."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    if axe_each:
        check_axe(page)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    if totp_secret:
        expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor authentication")
        if axe_each:
            check_axe(page)
        _submit_totp(page, totp_secret, "Code", "Sign in")


@pytest.fixture
def sign_in():
    return _sign_in
