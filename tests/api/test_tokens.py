"""Tokens (issue 13): hashed, scoped, expiring, revocable at once, limited by address and
rate; never a session; every row of the audit log names the client and the token."""

import datetime

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from api import clients
from api.models import ApiToken, hash_secret
from portal.models import MCO, AuditEvent
from portal.permissions import ActorRefused
from tests.api.conftest import Api, api_for, body

pytestmark = pytest.mark.django_db


def test_only_the_hash_of_a_token_is_stored(molina_client, hfs_staff):
    token, secret = clients.issue_token(molina_client, by=hfs_staff, name="sync", scope="read")
    stored = ApiToken.objects.get(pk=token.pk)
    assert secret.startswith(f"prp_{stored.key_id}_")
    assert stored.secret_hash == hash_secret(secret)
    assert secret not in {str(v) for v in ApiToken.objects.values_list(
        "key_id", "secret_hash", "name").get(pk=token.pk)}


def test_a_request_without_a_token_is_401_with_a_problem(client, reference_data):
    response = APIClient().get("/api/v1/tickets")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert body(response)["type"].endswith("#problem-unauthenticated")


def test_a_signed_in_browser_session_cannot_call_the_api(client, mco_staff, molina_client):
    client.force_login(mco_staff)
    assert client.get("/api/v1/tickets").status_code == 401


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer prp_nope",
                                    "Bearer prp_abc_def", "Bearer ünïcode"])
def test_malformed_or_unknown_tokens_are_refused(molina_client, header):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=header.encode("utf-8").decode("latin-1"))
    response = api.get("/api/v1/me")
    assert response.status_code == 401
    assert body(response)["detail"]


def test_a_revoked_token_is_refused_at_once(molina_client, hfs_staff):
    token, secret = clients.issue_token(molina_client, by=hfs_staff, name="x", scope="read")
    api = Api(secret)
    assert api.get("/api/v1/me").status_code == 200
    clients.revoke_token(token, by=hfs_staff)
    refused = api.get("/api/v1/me")
    assert refused.status_code == 401 and "revoked" in body(refused)["detail"]


def test_an_expired_token_is_refused(molina_client, hfs_staff):
    expires = timezone.now() + datetime.timedelta(days=2)
    _token, secret = clients.issue_token(molina_client, by=hfs_staff, name="x", scope="read",
                                         expires_at=expires)
    assert Api(secret).get("/api/v1/me").status_code == 200
    with time_machine.travel(expires + datetime.timedelta(seconds=1)):
        refused = Api(secret).get("/api/v1/me")
    assert refused.status_code == 401 and "expired" in body(refused)["detail"]


def test_a_token_lives_at_most_a_year(molina_client, hfs_staff):
    with pytest.raises(Exception, match="at most 366 days"):
        clients.issue_token(molina_client, by=hfs_staff, name="x", scope="read",
                            expires_at=timezone.now() + datetime.timedelta(days=400))


def test_a_read_token_cannot_act(molina_client, presented_ticket):
    api = api_for(molina_client, scope="read")
    assert api.get(f"/api/v1/tickets/{presented_ticket.pk}").status_code == 200
    refused = api.post(f"/api/v1/tickets/{presented_ticket.pk}/messages", {"body": "Hi"})
    assert refused.status_code == 403 and "act" in body(refused)["detail"]
    assert not presented_ticket.messages.exists()


def test_a_disabled_client_is_refused(molina_client, molina_api, hfs_staff):
    clients.disable_client(molina_client, by=hfs_staff)
    assert molina_api.get("/api/v1/me").status_code == 401


def test_allowed_address_ranges_limit_where_calls_come_from(hfs_staff):
    client = clients.create_client(by=hfs_staff, kind="mco", name="Molina",
                                   contact_email="it@molina.example.test",
                                   mco=MCO.objects.get(slug="molina"),
                                   allowed_ip_ranges="203.0.113.0/24")
    api = api_for(client, scope="read")
    refused = api.get("/api/v1/me")  # the test client comes from 127.0.0.1
    assert refused.status_code == 403 and "127.0.0.1" in body(refused)["detail"]
    assert api.get("/api/v1/me", REMOTE_ADDR="203.0.113.9").status_code == 200


def test_a_bad_address_range_is_refused_with_its_field(hfs_staff):
    with pytest.raises(Exception, match="not an address range"):
        clients.create_client(by=hfs_staff, kind="mco", name="M", contact_email="a@b.test",
                              mco=MCO.objects.get(slug="molina"),
                              allowed_ip_ranges="10.0.0.0/33")


def test_only_hfs_makes_an_mco_client_and_only_an_admin_a_provider_client(
        hfs_staff, registration_admin, mco_staff, provider):
    with pytest.raises(ActorRefused):
        clients.create_client(by=registration_admin, kind="mco", name="M",
                              contact_email="a@b.test", mco=MCO.objects.get(slug="molina"))
    with pytest.raises(ActorRefused):
        clients.create_client(by=hfs_staff, kind="provider", name="P",
                              contact_email="a@b.test", providers=[provider])
    with pytest.raises(ActorRefused):
        clients.create_client(by=mco_staff, kind="mco", name="M", contact_email="a@b.test",
                              mco=MCO.objects.get(slug="molina"))


def test_the_rate_limit_answers_429_with_retry_after(settings, molina_api):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        "api_read": "3/min", "api_write": "3/min"}}
    answers = [molina_api.get("/api/v1/me").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    limited = molina_api.get("/api/v1/me")
    assert int(limited["Retry-After"]) >= 1
    assert body(limited)["type"].endswith("#problem-rate-limited")


def test_the_rate_limit_steps_aside_when_the_cache_is_down(settings, molina_api):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}
    from django.core.cache import caches

    caches._settings = None  # re-read the settings above
    try:
        from rest_framework.throttling import SimpleRateThrottle

        SimpleRateThrottle.cache = caches["default"]
        assert molina_api.get("/api/v1/me").status_code == 200
    finally:
        from django.core.cache import cache as default_cache

        SimpleRateThrottle.cache = default_cache


def test_audit_rows_name_the_client_and_the_token(molina_client, presented_ticket, hfs_staff):
    token, secret = clients.issue_token(molina_client, by=hfs_staff, name="x", scope="act")
    Api(secret).post(f"/api/v1/tickets/{presented_ticket.pk}/messages", {"body": "Hello"})
    Api(secret).get(f"/api/v1/tickets/{presented_ticket.pk}")
    rows = AuditEvent.objects.filter(object_id=presented_ticket.pk, source="api")
    assert {r.action for r in rows} >= {"view", "message_posted"} or rows.count() >= 2
    assert {(r.api_client_id, r.api_token_id, r.user_id) for r in rows} == {
        (molina_client.pk, token.pk, molina_client.user_id)}


def test_a_service_account_is_not_a_person(molina_client):
    user = molina_client.user
    assert not user.has_usable_password()
    assert user.email.endswith("@clients.invalid")
