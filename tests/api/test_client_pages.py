"""The API client pages (issue 13): HFS staff manage MCOs' systems, registration admins
providers'; a token's secret is shown once; every client is fetched within what the person
manages (another kind's is a 404); bad input is named at its field and kept."""

import datetime
import logging
import re

import pytest
from allauth.account.models import EmailAddress
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from api import clients
from api.models import ApiClient, ApiToken, WebhookDelivery, WebhookEndpoint
from portal.models import MCO, AuditEvent
from registration.models import ProviderMembership
from tests.factories import TEST_PASSWORD
from tests.tickets.conftest import NOW, make_provider

pytestmark = pytest.mark.django_db

SECRET = re.compile(r"prp_[0-9a-f]{16}_[A-Za-z0-9_-]{20,}")
TODAY = NOW.date()


def api_me(secret):
    api = APIClient()
    return api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")


def make_token(client, api_client, **changes):
    data = {"name": "production sync", "scope": "read",
            "expires_on": (TODAY + datetime.timedelta(days=90)).isoformat()}
    data.update(changes)
    return client.post(reverse("api_token_new", args=[api_client.pk]), data)


def secret_in(response):
    match = SECRET.search(response.content.decode())
    return match.group(0) if match else None


def detail(api_client):
    return reverse("api_client_detail", args=[api_client.pk])


# --- HFS staff and MCO clients ---------------------------------------------------------


def test_hfs_makes_a_molina_client_and_sees_its_token_secret_once(client, hfs_staff, caplog):
    client.force_login(hfs_staff)
    form = client.get(reverse("api_client_add"))
    assert form.status_code == 200
    assert 'name="mco"' in form.content.decode()
    assert 'name="providers"' not in form.content.decode()

    molina = MCO.objects.get(slug="molina")
    made = client.post(reverse("api_client_add"), {
        "name": "Molina case system", "mco": molina.pk,
        "contact_email": "it@molina.example.test", "allowed_ip_ranges": ""})
    api_client = ApiClient.objects.get(name="Molina case system")
    assert made.status_code == 302 and made["Location"] == detail(api_client)
    assert (api_client.kind, api_client.mco, api_client.created_by) == ("mco", molina,
                                                                        hfs_staff)
    assert AuditEvent.objects.filter(action="create", object_type="api_client",
                                     object_id=api_client.pk, user=hfs_staff).count() == 1
    assert client.get(detail(api_client)).status_code == 200

    with caplog.at_level(logging.DEBUG):
        shown = make_token(client, api_client, scope="act")
    assert shown.status_code == 200  # the answer to the POST itself, not a redirect
    secret = secret_in(shown)
    assert secret is not None
    assert "It will not be shown again" in shown.content.decode()
    assert "no-store" in shown["Cache-Control"]
    token = ApiToken.objects.get(client=api_client)
    assert (token.name, token.scope) == ("production sync", "act")
    # Never kept: not the token row, the session, a cookie, an audit row or a log line.
    assert secret not in token.secret_hash
    assert secret not in str(dict(client.session.items()))
    assert all(secret not in c.value for c in shown.cookies.values())
    assert not AuditEvent.objects.filter(detail__contains=secret).exists()
    assert not AuditEvent.objects.filter(path__contains=secret).exists()
    assert secret not in caplog.text
    assert AuditEvent.objects.filter(action="token_issued", object_id=api_client.pk).exists()

    again = client.get(detail(api_client))
    assert "production sync" in again.content.decode()
    assert secret_in(again) is None
    assert api_me(secret).status_code == 200


def test_a_token_lives_at_most_366_days_and_the_date_is_kept(client, hfs_staff,
                                                             molina_client):
    client.force_login(hfs_staff)
    too_late = (TODAY + datetime.timedelta(days=367)).isoformat()
    response = make_token(client, molina_client, expires_on=too_late)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Expiry date: A token may live at most 366 days: choose Nov 5, 2027 or " \
           "earlier." in html
    assert f'value="{too_late}"' in html
    assert 'value="production sync"' in html
    assert secret_in(response) is None
    assert not ApiToken.objects.filter(client=molina_client).exists()


def test_a_token_without_a_name_or_scope_names_both(client, hfs_staff, molina_client):
    client.force_login(hfs_staff)
    response = make_token(client, molina_client, name=" ", scope="")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter the token name." in html
    assert "Scope: Choose “Read only” or “Read and act”." in html
    assert not ApiToken.objects.filter(client=molina_client).exists()


def test_the_token_form_proposes_an_expiry_90_days_ahead(client, hfs_staff, molina_client):
    client.force_login(hfs_staff)
    html = client.get(detail(molina_client)).content.decode()
    assert f'value="{TODAY + datetime.timedelta(days=90):%Y-%m-%d}"' in html
    assert "Read and act: also ask providers for information, send responses" in html


def test_the_same_token_form_sent_twice_makes_one_token(client, hfs_staff, molina_client):
    client.force_login(hfs_staff)
    once = client.get(detail(molina_client)).context["token_form"].initial["once"]
    first = make_token(client, molina_client, once=once)
    assert secret_in(first) is not None
    again = make_token(client, molina_client, once=once)  # a reload of the secret's page
    assert again.status_code == 302 and again["Location"] == detail(molina_client)
    assert secret_in(again) is None
    assert ApiToken.objects.filter(client=molina_client).count() == 1
    page = client.get(detail(molina_client)).content.decode()
    assert "its secret is not shown again" in page
    assert client.get(detail(molina_client)).context["token_form"].initial["once"] != once


def test_a_provider_clients_token_speaks_of_the_providers_actions(client, registration_admin,
                                                                   billing_client):
    client.force_login(registration_admin)
    html = client.get(detail(billing_client)).content.decode()
    assert "Read and act: also file tickets, answer information requests" in html


# --- Registration admins and provider clients ------------------------------------------


def test_a_registration_admin_finds_a_provider_and_makes_its_client(client,
                                                                    registration_admin):
    wanted = make_provider(7, npi="1234567893")
    make_provider(8, npi="1245319599")
    client.force_login(registration_admin)
    form = client.get(reverse("api_client_add")).content.decode()
    assert 'name="mco"' not in form and 'name="providers"' in form

    found = client.post(reverse("api_client_add"), {
        "find": "1", "provider_search": "Lakeside Clinic 7", "name": "Acme Billing",
        "contact_email": "it@acme.example.test"})
    html = found.content.decode()
    assert found.status_code == 200
    assert "1 provider or facility match “Lakeside Clinic 7”." in html
    assert "Lakeside Clinic 7 (Springfield, IL)" in html
    assert "Lakeside Clinic 8" not in html
    assert 'value="Acme Billing"' in html
    assert "There is a problem" not in html  # a search is not a failed submit
    assert not ApiClient.objects.exists()

    made = client.post(reverse("api_client_add"), {
        "provider_search": "Lakeside Clinic 7", "providers": [wanted.pk],
        "name": "Acme Billing", "contact_email": "it@acme.example.test",
        "allowed_ip_ranges": "203.0.113.0/24"})
    api_client = ApiClient.objects.get()
    assert made.status_code == 302 and made["Location"] == detail(api_client)
    assert (api_client.kind, api_client.mco) == ("provider", None)
    assert api_client.allowed_ip_ranges == "203.0.113.0/24"
    assert list(ProviderMembership.objects.active().filter(user=api_client.user)
                .values_list("provider", flat=True)) == [wanted.pk]
    page = client.get(detail(api_client)).content.decode()
    assert "Lakeside Clinic 7 (Springfield, IL), NPI 1234567893" in page


def test_odd_input_in_the_add_form_is_named_never_a_server_error(client, registration_admin,
                                                                 provider):
    client.force_login(registration_admin)
    found = client.post(reverse("api_client_add"), {
        "find": "1", "provider_search": "Lake\x00side", "providers": ["x", "999999"]})
    assert found.status_code == 200
    sent = client.post(reverse("api_client_add"), {
        "name": "Acme\x00", "contact_email": "it@acme.example.test",
        "provider_search": "\x00", "providers": [str(provider.pk), "999999"]})
    assert sent.status_code == 400
    html = sent.content.decode()
    assert "Null characters are not allowed." in html
    assert "999999 is not one of the available choices" in html
    assert not ApiClient.objects.exists()


def test_a_provider_client_needs_a_provider(client, registration_admin):
    client.force_login(registration_admin)
    response = client.post(reverse("api_client_add"), {
        "name": "Acme Billing", "contact_email": "it@acme.example.test"})
    assert response.status_code == 400
    assert "Tick at least one provider or facility the system files for." in \
        response.content.decode()
    assert not ApiClient.objects.exists()


def test_a_bad_address_range_keeps_the_input_and_names_the_field(client, registration_admin,
                                                                  provider):
    client.force_login(registration_admin)
    typed = "203.0.113.0/24, 10.0.0.0/33\nexample.com"
    response = client.post(reverse("api_client_add"), {
        "name": "Acme Billing", "contact_email": "it@acme.example.test",
        "providers": [provider.pk], "allowed_ip_ranges": typed})
    assert response.status_code == 400
    html = response.content.decode()
    assert ("Allowed address ranges: 10.0.0.0/33, example.com are not an address range. "
            "Write each as an address or a CIDR range such as 203.0.113.0/24.") in html
    assert re.search(rf">\s*{re.escape(typed)}</textarea>", html.replace("\r\n", "\n"))
    assert re.search(r'<textarea[^>]*aria-invalid="true"[^>]*name="allowed_ip_ranges"|'
                     r'<textarea[^>]*name="allowed_ip_ranges"[^>]*aria-invalid="true"', html)
    assert 'value="Acme Billing"' in html
    # The provider ticked before stays ticked.
    assert re.search(rf'value="{provider.pk}"[^>]*checked', html)
    assert not ApiClient.objects.exists()


def test_an_mco_client_needs_its_mco_and_an_address(client, hfs_staff):
    client.force_login(hfs_staff)
    response = client.post(reverse("api_client_add"), {
        "name": "Case system", "mco": "", "contact_email": "not an address"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose the MCO whose system this is." in html
    assert "Technical contact&#x27;s e-mail: Enter the e-mail address as name@example.com." in html
    assert not ApiClient.objects.exists()


# --- Who may open what -----------------------------------------------------------------


def _client_urls(api_client, token=None):
    urls = [detail(api_client), reverse("api_client_disable", args=[api_client.pk])]
    if token is not None:
        urls.append(reverse("api_token_revoke", args=[api_client.pk, token.pk]))
    return urls


def test_each_manager_cannot_open_the_other_kinds_clients(
        client, hfs_staff, registration_admin, molina_client, billing_client):
    hfs_token, _ = clients.issue_token(molina_client, by=hfs_staff, name="a", scope="read")
    admin_token, _ = clients.issue_token(billing_client, by=registration_admin, name="b",
                                         scope="read")
    for person, own, others, others_token in (
            (hfs_staff, molina_client, billing_client, admin_token),
            (registration_admin, billing_client, molina_client, hfs_token)):
        client.force_login(person)
        listed = client.get(reverse("api_client_list")).content.decode()
        assert own.name in listed and others.name not in listed
        for url in _client_urls(others, others_token):
            assert client.get(url).status_code == 404, url
            assert client.post(url).status_code == 404, url
        assert make_token(client, others).status_code == 404
        client.logout()
    # Nothing was done to either client.
    assert ApiToken.objects.filter(revoked_at__isnull=False).count() == 0
    assert ApiClient.objects.filter(disabled_at__isnull=False).count() == 0
    assert ApiToken.objects.count() == 2


def test_provider_users_mco_staff_and_strangers_cannot_open_the_pages(
        client, provider_user, mco_staff, molina_client):
    token, _ = clients.issue_token(molina_client, by=molina_client.created_by, name="a",
                                   scope="read")
    urls = [reverse("api_client_list"), reverse("api_client_add"),
            *_client_urls(molina_client, token)]
    for person in (provider_user, mco_staff):
        client.force_login(person)
        for url in urls:
            assert client.get(url).status_code == 403, (person, url)
        assert make_token(client, molina_client).status_code == 403
        client.logout()
    login = reverse("account_login")
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(login), url
    assert ApiToken.objects.count() == 1


# --- Revoking and disabling ------------------------------------------------------------


def test_a_revoked_token_makes_the_api_answer_401(client, hfs_staff, molina_client):
    client.force_login(hfs_staff)
    secret = secret_in(make_token(client, molina_client))
    token = ApiToken.objects.get(client=molina_client)
    assert api_me(secret).status_code == 200
    revoke = reverse("api_token_revoke", args=[molina_client.pk, token.pk])

    confirm = client.get(revoke)  # the confirmation step changes nothing
    assert confirm.status_code == 200
    assert "Revoke the token “production sync”?" in confirm.content.decode()
    assert api_me(secret).status_code == 200

    done = client.post(revoke)
    assert done.status_code == 302 and done["Location"] == detail(molina_client)
    refused = api_me(secret)
    assert refused.status_code == 401
    assert AuditEvent.objects.filter(action="token_revoked", user=hfs_staff,
                                     object_id=molina_client.pk).count() == 1
    page = client.get(detail(molina_client)).content.decode()
    assert "Revoked" in page
    assert revoke not in page  # no second Revoke link


def test_disabling_a_client_after_its_confirmation_stops_its_tokens(client, hfs_staff,
                                                                    molina_client):
    client.force_login(hfs_staff)
    secret = secret_in(make_token(client, molina_client))
    url = reverse("api_client_disable", args=[molina_client.pk])
    confirm = client.get(url)
    assert "Its 1 active token stops working at once" in confirm.content.decode()
    assert ApiClient.objects.get(pk=molina_client.pk).is_active

    assert client.post(url).status_code == 302
    assert not ApiClient.objects.get(pk=molina_client.pk).is_active
    assert api_me(secret).status_code == 401
    page = client.get(detail(molina_client)).content.decode()
    assert "Make the token" not in page and "Disable the client" not in page
    assert make_token(client, molina_client).status_code == 400
    assert ApiToken.objects.filter(client=molina_client).count() == 1


# --- What the pages show -----------------------------------------------------------------


def test_the_client_page_lists_webhook_deliveries(client, hfs_staff, molina_client,
                                                  presented_ticket):
    endpoint = WebhookEndpoint.objects.create(
        client=molina_client, url="https://hooks.molina.example.test/portal",
        secret=WebhookEndpoint.new_secret(), created_by=hfs_staff)
    event = presented_ticket.events.order_by("pk").last()
    WebhookDelivery.objects.create(endpoint=endpoint, event=event, status="failed",
                                   attempts=8, last_status_code=503)
    client.force_login(hfs_staff)
    html = client.get(detail(molina_client)).content.decode()
    assert "https://hooks.molina.example.test/portal" in html
    assert "Failed: no more retries" in html
    assert ">8</td>" in html and ">503" in html
    assert endpoint.secret not in html


def test_the_list_counts_active_tokens_in_a_fixed_number_of_queries(
        client, hfs_staff, molina_client, aetna_client, django_assert_max_num_queries):
    clients.issue_token(molina_client, by=hfs_staff, name="a", scope="read")
    revoked, _ = clients.issue_token(molina_client, by=hfs_staff, name="b", scope="read")
    clients.revoke_token(revoked, by=hfs_staff)
    client.force_login(hfs_staff)
    client.get(reverse("api_client_list"))  # warm the session and the user's caches
    with django_assert_max_num_queries(12) as few:
        response = client.get(reverse("api_client_list"))
    html = response.content.decode()
    row = re.search(r"Molina case system</a></th>(.*?)</tr>", html, re.S).group(1)
    assert '<td data-label="Tokens active">1</td>' in row
    for n in range(3):
        clients.create_client(by=hfs_staff, kind="mco", name=f"More {n}",
                              contact_email="it@example.test",
                              mco=MCO.objects.get(slug="molina"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("api_client_list"))


def test_the_navigation_leads_each_manager_to_the_list(client, hfs_staff,
                                                       registration_admin):
    client.force_login(hfs_staff)
    nav = client.get(reverse("hfs_home")).context["nav_items"]
    reference = next(item for item in nav if item["label"] == "Reference data")
    assert "API clients" in [child["label"] for child in reference["children"]]
    client.force_login(registration_admin)
    nav = client.get(reverse("registration_queue")).context["nav_items"]
    assert {"label": "API clients", "url": "/api-clients/", "current": False} in nav


# --- Service accounts never sign in --------------------------------------------------------


@pytest.mark.parametrize("which", ["molina_client", "billing_client"])
def test_a_service_account_cannot_sign_in_even_with_a_password(client, which, request):
    account = request.getfixturevalue(which).user
    account.set_password(TEST_PASSWORD)
    account.save()
    EmailAddress.objects.create(user=account, email=account.email, verified=True,
                                primary=True)
    response = client.post(reverse("account_login"),
                           {"login": account.email, "password": TEST_PASSWORD})
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_every_other_way_in_is_refused_for_a_service_account(molina_client, provider_user):
    from allauth.account.adapter import get_adapter
    from django.contrib.sessions.backends.db import SessionStore

    request = RequestFactory().get("/accounts/login/")
    request.session = SessionStore()
    hooks = {"email_verification": "none", "signal_kwargs": None, "email": None,
             "signup": False, "redirect_url": None}
    refused = get_adapter(request).pre_login(request, molina_client.user, **hooks)
    assert refused is not None and refused.status_code == 302
    assert refused["Location"] == reverse("account_inactive")
    assert get_adapter(request).pre_login(request, provider_user, **hooks) is None
