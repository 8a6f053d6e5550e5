"""Deny by default: a walk over every URL pattern (SPEC §1, R-SEC-1).

Fails when a view declares no access rule, when an anonymous person gets anything but the
sign-in page from a page that is not public, or when a role reaches a page not meant for it.
A new page must be added to EXPECTED below, which is the access matrix in one place.

The integration API (``/api/v1/``, issue 13) answers a bearer token only: a signed-in
browser session is no credential there, so every endpoint but the schema and its reference
page answers 401 to each persona (``TOKEN``). Its names are namespaced (``api:me``).
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from portal import access

OUR_APPS = ("portal.", "tickets.", "registration.", "deadlines.", "jobs.", "reports.", "api.")
ALL = {"provider", "mco", "hfs", "registration_admin", "stranger"}
#: A bearer token and nothing else: 401 for anyone without one, signed in or not.
TOKEN = "token"

# url name -> the personas who may open it ("public" = anyone, signed in or not).
EXPECTED = {
    "landing": "public",
    "healthz": "public",
    "accept_invitation": "public",
    "home": ALL,
    "no_role_home": ALL,
    "account_settings": ALL,
    "provider_home": {"provider"},
    "provider_waiting": {"provider"},
    "hfs_home": {"hfs"},
    "registration_new": {"provider"},
    "registration_template": {"provider"},
    "registration_detail": {"provider"},
    "registration_queue": {"registration_admin"},
    "registration_review": {"registration_admin"},
    "registration_approve": {"registration_admin"},
    "registration_deny": {"registration_admin"},
    "registration_provider": {"registration_admin"},
    "registration_end_membership": {"registration_admin"},
    "ticket_start": {"provider"},
    "ticket_filing_window": {"provider"},
    "ticket_claims_template": {"provider"},
    "ticket_edit": {"provider"},
    "ticket_change": {"provider"},
    "ticket_check": {"provider"},
    "ticket_discard": {"provider"},
    "ticket_submitted": {"provider"},
    "ticket_copy": {"provider"},
    "ticket_attachment_remove": {"provider"},
    "ticket_detail": {"provider", "mco", "hfs"},
    "ticket_attachment": {"provider", "mco", "hfs"},
    "triage_queue": {"hfs"},
    "ticket_assign": {"hfs"},
    "ticket_present": {"hfs"},
    "ticket_close": {"hfs"},
    "ticket_note": {"hfs"},
    "ticket_request_information": {"mco"},
    "ticket_answer_information": {"provider"},
    "ticket_respond": {"mco"},
    "ticket_ask_extension": {"mco", "provider"},
    "ticket_message": {"provider", "mco", "hfs"},
    "ticket_report_tracking_unknown": {"mco"},
    "ticket_close_invalid_tracking": {"hfs"},
    "ticket_close_incomplete": {"hfs", "mco"},
    "extension_queue": {"hfs"},
    "extension_decide": {"hfs"},
    "overdue_responses": {"hfs"},
    "mco_queue": {"mco"},
    "ticket_accept": {"provider"},
    "ticket_contest": {"provider"},
    "ticket_request_review": {"provider"},
    "ticket_review_submission": {"provider", "mco"},
    "ticket_decide": {"hfs"},
    "ticket_decision": {"provider", "mco", "hfs"},
    "ticket_decision_pdf": {"provider", "mco", "hfs"},
    "ticket_report_unfinished": {"provider"},
    "review_queue": {"hfs"},
    "investigations": {"hfs"},
    "investigation_close": {"hfs"},
    "mco_export": {"mco"},
    "mco_assign": set(),  # MCO supervisors only: a permission no persona has
    "people_list": {"registration_admin"},
    "people_invite": {"registration_admin"},
    "people_deactivate": {"registration_admin"},
    "people_reactivate": {"registration_admin"},
    "mco_list": {"hfs"},
    "mco_edit": {"hfs"},
    "closure_list": {"hfs"},
    "closure_add": {"hfs"},
    "closure_remove": {"hfs"},
    "clock_retry": {"hfs"},
    # Issue 15: portal outages and their relief.
    "outage_list": {"hfs"},
    "outage_declare": {"hfs"},
    "outage_detail": {"hfs"},
    "outage_correct": {"hfs"},
    "outage_withdraw": {"hfs"},
    "outage_apply": {"hfs"},
    # Issue 15: the deadline calendar feed opens with the token in its address alone (a
    # wrong one is a 404: tests/deadlines/test_calendar_feed.py); anyone with a role turns
    # their own on and off.
    "calendar_feed": "public",
    "calendar_feed_change": {"provider", "mco", "hfs", "registration_admin"},
    # R-SEC-2: HFS staff holding portal.read_audit_log (the "Audit readers" group); no
    # persona holds it (tests/test_audit_log.py opens it with the permission).
    "audit_log": set(),
    "audit_log_export": set(),
    # Issue 11: a person's own export jobs (someone else's job is 404: tests/test_jobs.py).
    "job_list": ALL,
    "job_status": ALL,
    "job_status_json": ALL,
    "job_download": ALL,
    # Issue 11: find any ticket, each party within what it may see (R-SEC-1).
    "ticket_search": {"provider", "mco", "hfs"},
    "ticket_search_export": {"provider", "mco", "hfs"},
    # Issue 11: reports. HFS staff: the reports page, its spreadsheets, the monthly MCO
    # summary and publishing the public report; MCO staff: their own MCO's scorecard.
    "reports": {"hfs"},
    "report_export": {"hfs"},
    "report_monthly": {"hfs"},
    "report_monthly_pdf": {"hfs"},
    "report_publish": {"hfs"},
    "scorecard": {"mco"},
    "scorecard_export": {"mco"},
    # The public transparency report: anyone, signed in or not.
    "transparency": "public",
    "transparency_csv": "public",
    "transparency_dictionary": "public",
    # Issue 13: API clients. HFS staff manage MCOs' systems, registration admins providers'
    # (another kind's client is a 404: tests/api/test_client_pages.py).
    "api_client_list": {"hfs", "registration_admin"},
    "api_client_add": {"hfs", "registration_admin"},
    "api_client_detail": {"hfs", "registration_admin"},
    "api_token_new": {"hfs", "registration_admin"},
    "api_token_revoke": {"hfs", "registration_admin"},
    "api_client_disable": {"hfs", "registration_admin"},
    # The integration API itself: its schema and reference are public, the rest is TOKEN.
    "api:schema": "public",
    "api:docs": "public",
    **{f"api:{name}": TOKEN for name in (
        "me", "events", "tickets", "ticket", "attachment", "claim", "claims_template",
        "attachments", "submit", "request_information", "answer_information", "respond",
        "tracking_unknown", "extension", "messages", "accept", "contest", "request_review",
        "review_submission", "webhooks", "webhook", "webhook_deliveries")},
}

SAMPLE_KWARGS = {
    "pk": 1,
    "slug": "molina",
    "uidb64": "MQ",
    "token": "abc-def",
    "key": "x",
    "day": "2027-01-15",
    "attachment_pk": 1,
    "request_pk": 1,
    "investigation_pk": 1,
    "table": "by_month",
}


def walk(resolver=None, prefix="", app_names=()):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            names = app_names + ((entry.app_name,) if entry.app_name else ())
            yield from walk(entry, prefix + str(entry.pattern), names)
        elif isinstance(entry, URLPattern):
            entry.app_names = app_names
            yield prefix + str(entry.pattern), entry


def url_name(pattern):
    """The pattern's name as ``reverse`` takes it: with its namespaces (``api:me``)."""
    return ":".join((*pattern.app_names, pattern.name)) if pattern.name else None


def sample_url(route, pattern):
    """A concrete address for a pattern, its parameters filled with sample values."""
    if pattern.name:
        names = re.findall(r"<(?:\w+:)?(\w+)>", route)
        try:
            return reverse(url_name(pattern),
                           kwargs={n: SAMPLE_KWARGS.get(n, "1") for n in names})
        except Exception:  # noqa: S110 (a regex route; built by hand below)
            pass
    url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(SAMPLE_KWARGS.get(m.group(1), "1")), route)
    url = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(SAMPLE_KWARGS.get(m.group(1), "1")), url)
    return "/" + url.lstrip("^").rstrip("$").replace("\\", "")


def our_patterns():
    return [
        (route, p)
        for route, p in walk()
        if getattr(p.callback, "__module__", "").startswith(OUR_APPS)
    ]


def test_every_view_declares_an_access_rule():
    missing = [
        route for route, p in walk() if access.rule_for_view(p.callback, p.app_names) is None
    ]
    assert missing == []


def test_our_views_declare_their_rule_themselves():
    """Our own views may not lean on the third-party fallbacks (a class-based view, the
    API's, declares it on its class)."""
    for route, p in our_patterns():
        view_class = getattr(p.callback, "view_class", None) or getattr(p.callback, "cls", None)
        declared = getattr(p.callback, "portal_access", None) or getattr(
            view_class, "portal_access", None)
        assert declared is not None, route


def test_the_access_matrix_names_every_page_of_ours():
    names = {url_name(p) for _, p in our_patterns()}
    assert names == set(EXPECTED), "add the new page to EXPECTED with who may open it"


@pytest.mark.django_db
def test_anonymous_people_get_the_sign_in_page_from_every_non_public_page(client, reference_data):
    login = reverse("account_login")
    for route, p in walk():
        rule = access.rule_for_view(p.callback, p.app_names)
        if rule.public and getattr(p.callback, "login_required", True) is False:
            continue
        url = sample_url(route, p)
        response = client.get(url, follow=True)
        assert response.redirect_chain, (route, response.status_code)
        final = response.redirect_chain[-1][0]
        assert final.startswith(login), (route, final)
        assert response.status_code == 200


@pytest.mark.django_db
def test_public_pages_open_without_signing_in(client, reference_data):
    for name, who in EXPECTED.items():
        if who != "public":
            continue
        route, pattern = next((r, p) for r, p in our_patterns() if url_name(p) == name)
        response = client.get(sample_url(route, pattern))
        assert response.status_code in (200, 404), (name, response.status_code)
        assert "account/login" not in response.get("Location", "")


@pytest.mark.django_db
def test_each_role_reaches_exactly_its_pages(client, personas):
    for route, p in our_patterns():
        allowed = EXPECTED[url_name(p)]
        if allowed == "public":
            continue
        url = sample_url(route, p)
        for persona, user in personas.items():
            client.force_login(user)
            response = client.get(url)
            if allowed == TOKEN:
                assert response.status_code == 401, (url, persona, response.status_code)
            elif persona in allowed:
                assert response.status_code not in (403, 500), (p.name, persona)
                assert "/accounts/login/" not in response.get("Location", ""), (p.name, persona)
            else:
                assert response.status_code in (403, 404), (p.name, persona, response.status_code)
            client.logout()


@pytest.mark.django_db
def test_the_api_answers_no_session_and_no_one_without_a_token(client, personas):
    """Issue 13: a signed-in session (or none) is no credential on /api/v1/: every endpoint
    but the schema and its reference answers 401, to every method it serves."""
    api_routes = [(r, p) for r, p in our_patterns() if "api" in p.app_names]
    assert {url_name(p) for _, p in api_routes} == {
        n for n in EXPECTED if n.startswith("api:")}
    for persona, user in [("anonymous", None), *personas.items()]:
        if user is not None:
            client.force_login(user)
        for route, p in api_routes:
            url = sample_url(route, p)
            for method in ("get", "post", "delete"):
                response = getattr(client, method)(url)
                if EXPECTED[url_name(p)] == TOKEN:
                    assert response.status_code == 401, (method, url, persona)
                    assert response["WWW-Authenticate"].startswith("Bearer")
                elif method == "get":
                    assert response.status_code == 200, (url, persona)
        client.logout()


@pytest.mark.django_db
def test_a_view_without_a_rule_is_refused(rf, provider_user):
    from django.core.exceptions import PermissionDenied
    from django.http import HttpResponse

    from portal.middleware import AccessRuleMiddleware

    def undeclared(request):
        return HttpResponse("secret")

    request = rf.get("/x")
    request.user = provider_user
    middleware = AccessRuleMiddleware(lambda r: HttpResponse())
    with pytest.raises(PermissionDenied):
        middleware.process_view(request, undeclared, (), {})
